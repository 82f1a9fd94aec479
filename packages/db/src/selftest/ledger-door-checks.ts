import { sql } from 'drizzle-orm';
import { type Attempt, attempt, literal } from './attempt.ts';
import type { SelftestCheck } from './selftest-check.ts';
import { type AttackSetup, inRolledBackTenant } from './tenant-attacks.ts';

interface Door {
  name: string;
  statement: string;
  /** Doors built to record in the tenant that owns what they are told about: one access_blocked by A's actor. */
  recordsInB?: boolean;
}

/**
 * Every way into the ledger the runtime role has, called from A's verified
 * context with everything pointing at B (and the plain tenant setting
 * switched to B first): direct inserts into the three ledger tables, and
 * each named door. Each runs in a transaction of its own that commits, so
 * what the door wrote is real; then B's chain is searched for rows of
 * that transaction. Only the probe and host-mismatch doors may leave one
 * there, an access_blocked attributed to A's actor. What the doors record
 * in A's chain and the system chain stays, marked `selftest`.
 */
export async function ledgerDoorChecks(setup: AttackSetup, skillOfB: string): Promise<SelftestCheck[]> {
  const b = literal(setup.b.id);
  const marked = `jsonb_build_object('selftest', true, 'tenant_id', ${b})`;
  const doors: Door[] = [
    {
      name: 'insert into audit_logs',
      statement: `insert into public.audit_logs (tenant_id, actor_type, actor_id, action) values (${b}, 'system', 'selftest', 'selftest.forged')`,
    },
    {
      name: 'insert into security_events',
      statement: `insert into public.security_events (tenant_id, event_type, severity) values (${b}, 'suspicious_activity', 'info')`,
    },
    { name: 'insert into audit.seals', statement: 'insert into audit.seals default values' },
    {
      name: 'audit.record_event',
      statement: `select audit.record_event('selftest.ledger_probe', 'tenant', ${b}, ${marked})`,
    },
    {
      name: 'audit.record_tenant_event',
      statement: `select audit.record_tenant_event(${b}, 'selftest.ledger_probe', 'tenant', ${b}, ${marked})`,
    },
    {
      name: 'platform.log_security_event',
      statement: `select platform.log_security_event('suspicious_activity', 'info', null, null, null, null, ${marked})`,
    },
    {
      name: 'platform.log_tenant_security_event',
      statement: `select platform.log_tenant_security_event(${b}, 'suspicious_activity', 'info', null, null, null, null, ${marked})`,
    },
    {
      name: 'public.log_repeated_security_event',
      statement: `select public.log_repeated_security_event('permission_denied', 'info', 'selftest', ${b}, ${marked})`,
    },
    {
      name: 'public.log_repeated_tenant_security_event',
      statement: `select public.log_repeated_tenant_security_event(${b}, 'permission_denied', 'info', 'selftest', ${b}, ${marked})`,
    },
    {
      name: 'audit.place_tenant_legal_hold',
      statement: `select audit.place_tenant_legal_hold(${b}, null, 'selftest')`,
    },
    {
      name: 'platform.log_system_security_event',
      statement: `select platform.log_system_security_event('suspicious_activity', 'info', null, null, ${marked})`,
    },
    {
      name: 'platform.record_foreign_probe',
      statement: `select platform.record_foreign_probe('skills', ${literal(skillOfB)}, ${marked})`,
      recordsInB: true,
    },
    {
      name: 'platform.record_host_mismatch',
      statement: `select platform.record_host_mismatch(${literal(setup.b.slug)}, ${marked})`,
      recordsInB: true,
    },
  ];
  const checks: SelftestCheck[] = [];
  for (const door of doors) {
    const { outcome, txid } = await setup.db.withTenant(setup.a.id, setup.actor, async (tx) => {
      await tx.execute(sql`select set_config('app.current_tenant_id', ${setup.b.id}, true)`);
      const called: Attempt = await attempt(tx, door.statement);
      const id = await tx.execute<{ txid: string }>(sql`select pg_current_xact_id()::text as txid`);
      return { outcome: called, txid: id.rows[0]?.txid ?? '' };
    });
    const inB = await inRolledBackTenant(
      setup,
      async (tx) =>
        (
          await tx.execute<{ action: string; actor_id: string | null }>(
            sql`select action, actor_id from audit_logs where txid = ${txid}::xid8`,
          )
        ).rows,
      setup.b,
    );
    const unexpected = inB.filter(
      (row) => !(door.recordsInB && row.action === 'security.access_blocked' && row.actor_id === setup.actor.actorId),
    );
    checks.push({
      name: `sql ledger: ${door.name}`,
      tried: `from A's verified context (plain tenant setting switched to B), ${door.name} naming B`,
      result: unexpected.length === 0 ? 'held' : 'failed',
      detail:
        `${'refused' in outcome ? `refused (${outcome.refused})` : 'ran'}; ` +
        `B's chain got ${inB.length} row(s)${door.recordsInB ? ' (by design: one access_blocked by A’s actor at most)' : ''}` +
        (unexpected.length > 0 ? `; unexpected: ${unexpected.map((r) => r.action).join(', ')}` : ''),
    });
  }
  return checks;
}
