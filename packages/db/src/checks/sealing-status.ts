import { ledgerDistributed } from '../audit/ledger-distributed.ts';
import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

/** How long a writing transaction may stay open before the doctor warns that it holds sealing back. */
export const sealingHoldWarningSeconds = 300;

// Events awaiting a seal, and this database's oldest writing transaction
// (open or prepared): events committed after it started cannot be sealed
// until it ends. Another database's transactions do not hold sealing back
// (migration 0061).
const sealingSql = `
  select s.pending::text as pending,
    extract(epoch from now() - least(s.oldest_open_transaction_started,
      (select min(p.prepared) from pg_prepared_xacts p where p.database = current_database())))::float8 as held_seconds
  from audit.sealing_status() s`;

// The same on a cluster whose ledger is distributed, as the owner: every event a worker stamped that is
// neither sealed nor refused (what the conversion sealed is older), and the oldest writing transaction,
// open or prepared, on any node (each node's sealing follows its own). audit.sealing_status() reads one
// server's activity as its definer, which a worker refuses ("permission denied for table pg_authid").
const clusterSealingSql = `
  select (select count(*) from public.audit_logs l
          where l.seq >= 281474976710656
            and not exists (select from audit.seals s where s.chain = l.tenant_id and s.event_id = l.id)
            and not exists (select from audit.refused_events r where r.named_tenant = l.tenant_id and r.event_id = l.id)
         )::text as pending,
    extract(epoch from now() - least(
      (select min(a.xact_start) from citus_stat_activity a
       where a.backend_xid is not null and a.datname = current_database()),
      (select min(p.prepared) from pg_prepared_xacts p where p.database = current_database()),
      (select min(nullif(w.result, '')::timestamptz) from run_command_on_workers(
         $$select min(prepared) from pg_prepared_xacts where database = current_database()$$) w where w.success)
    ))::float8 as held_seconds`;

/**
 * Warns when a long-running transaction holds sealing back (sealing follows
 * the oldest open transaction; see audit.seal_pending). A warning, not an
 * error: nothing is lost, events are sealed once it ends.
 */
export async function checkSealingStatus(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<{ pending: string; held_seconds: number | null }>(
    (await ledgerDistributed(run, run)) ? clusterSealingSql : sealingSql,
  );
  const pending = Number(rows[0]?.pending ?? 0);
  const held = rows[0]?.held_seconds ?? 0;
  return [
    checkResult(
      'sealing_not_held_back',
      'audit.seals',
      held < sealingHoldWarningSeconds
        ? null
        : {
            detail: `a transaction open for ${Math.round(held / 60)} min holds back sealing; ${pending} events wait`,
            fix: 'find it in pg_stat_activity (or pg_prepared_xacts) and end it: select pg_terminate_backend(pid) ...',
          },
      'warning',
      `${pending} events await sealing`,
    ),
  ];
}

/**
 * Events sealing refused because their tenant does not exist (migration
 * 0023): only the owner or a superuser writing the ledger directly can
 * leave one, and no chain vouches for it. An error: someone wrote history
 * outside the application. A refusal whose event its chain has sealed
 * since is history, not a finding: 0074 sealed in the system chain those
 * 0070's capture template misfiled under the chain "'". Written so that
 * Citus plans it: seals paired with refusals by their chain, and the
 * system chain's seals read once.
 */
export async function checkRefusedEvents(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<{ n: number; first: string | null; tenant: string | null }>(
    `select count(*)::int as n, (array_agg(event_id::text order by txid, seq))[1] as first,
            (array_agg(named_tenant order by txid, seq))[1] as tenant
     from audit.refused_events r
     where not exists (select from audit.seals s where s.chain = r.named_tenant and s.event_id = r.event_id)
       and not (r.named_tenant = '''' and r.event_id in (select s.event_id from audit.seals s where s.chain = ''))`,
  );
  const refused = rows[0];
  return [
    checkResult(
      'sealing_refused',
      'audit.refused_events',
      !refused || refused.n === 0
        ? null
        : {
            detail: `${refused.n} audit events name a tenant that does not exist (first: event ${refused.first}, tenant "${refused.tenant}"); sealing refused them, so no chain vouches for them`,
            fix: 'they were written outside the application, by the owner or a superuser: find out who wrote them (audit.refused_events lists each)',
          },
      'error',
      'no event of an unknown tenant',
    ),
  ];
}
