// Migration 0070 on a ledger that already holds sealed system events: every
// row of the system chain carries '' instead of null afterwards, tenant_id
// is not null on the three ledger tables, each event's canonical text and
// leaf hash are byte for byte what they were (so every tree and checkpoint
// still verifies), and new system events chain after the old ones.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { withCredentials, withDatabase } from '../src/connection-config.ts';
import { Database, systemActor, verifyAuditChain } from '../src/index.ts';
import { runMigrations } from '../src/migrate/run-migrations.ts';
import { readContextKey } from '../src/tenant-context/context-key.ts';
import { adminQuery } from './support/admin-query.ts';
import { recordEventThrough0023 } from './support/event-door-0023.ts';
import { actor } from './support/tenant-rows.ts';
import { expectTreesMatchEvents } from './support/trees-match-events.ts';

const cluster = inject('skillhubTestCluster');
const dbName = `skillhub_system_chain_${cluster.runId}_${randomBytes(4).toString('hex')}`;
const ownerUrl = withDatabase(cluster.adminUrl, dbName);
const appUrl = withCredentials(ownerUrl, cluster.appRole);
const beforeKeying = '0069_context_bound_to_distributed_transaction';
const ledgerTables = ['audit_logs', 'security_events', 'security_event_tallies'];

let owner: pg.Client;
type Hashed = { id: string; chain: string; canonical: string; leaf: Buffer };
let before: Hashed[];
let systemBefore: { audit: string[]; security: string[] };

const hashedEvents = async () =>
  (
    await owner.query<Hashed>(
      `select l.id, s.chain, audit.canonical_text(l) as canonical, audit.leaf_hash(l) as leaf
       from audit_logs l join audit.seals s on s.event_id = l.id order by l.txid, l.seq`,
    )
  ).rows;

const idsOf = async (text: string, values?: unknown[]) =>
  (await owner.query<{ id: string }>(text, values)).rows.map((r) => r.id);

/** Events in a workspace and in the system chain, a system security event and tally, all sealed. */
const writeAndSeal = async (label: string) => {
  const db = await Database.open({ url: appUrl, contextKey: await readContextKey(ownerUrl), maxConnections: 2 });
  try {
    const tenant = (await db.platform.createTenant({ name: label, slug: `${label}-ws` }, systemActor('test'))).id;
    for (let i = 0; i < 3; i++) {
      await db.withTenant(tenant, actor(), (tx) =>
        recordEventThrough0023(tx, { action: 'skill.updated', resourceType: 'skill', resourceId: `${label}-${i}` }),
      );
      await db.platform.findTenantBySlug(`${label}-missing-${i}`, systemActor('test'));
    }
    await owner.query(
      `select platform.write_security_event(null, 'suspicious_activity', 'info', null, null, '203.0.113.9', null,
                                            jsonb_build_object('label', $1::text))`,
      [label],
    );
    await owner.query(`select platform.tally_security_event(null, 'login_failed', $1, '203.0.113.9', 'sign-in')`, [
      `${label}@example.com`,
    ]);
    expect(await db.sealCommittedAuditEvents(300_000)).toBe(true);
  } finally {
    await db.close();
  }
};

beforeAll(async () => {
  await adminQuery(`create database ${dbName}`);
  await runMigrations(ownerUrl, cluster.appRole, { upTo: beforeKeying });
  owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  await writeAndSeal('before');
  before = await hashedEvents();
  systemBefore = {
    audit: await idsOf('select id from audit_logs where tenant_id is null order by id'),
    security: await idsOf('select id from security_events where tenant_id is null order by id'),
  };
  expect(systemBefore.audit.length).toBeGreaterThanOrEqual(4);
  expect(systemBefore.security.length).toBe(1);
  const result = await runMigrations(ownerUrl, cluster.appRole);
  expect(result.applied.slice(0, 3)).toEqual([
    '0070_system_chain_keyed',
    '0071_ledger_keys_hold_tenant',
    '0072_no_context_names_the_system_chain',
  ]);
}, 600_000);

afterAll(async () => {
  await owner?.end();
  await adminQuery(`drop database if exists ${dbName} with (force)`);
});

test("the system chain's rows carry '' and tenant_id is not null on the three ledger tables", async () => {
  for (const table of ledgerTables) {
    const { rows } = await owner.query<{ nulls: string; not_null: boolean }>(
      `select (select count(*) from ${table} where tenant_id is null) as nulls,
              (select attnotnull from pg_attribute where attrelid = '${table}'::regclass and attname = 'tenant_id')
                as not_null`,
    );
    expect(rows[0], table).toEqual({ nulls: '0', not_null: true });
  }
  for (const [table, ids] of [
    ['audit_logs', systemBefore.audit],
    ['security_events', systemBefore.security],
  ] as const) {
    expect(
      await idsOf(`select id from ${table} where id = any($1::uuid[]) and tenant_id = '' order by id`, [ids]),
    ).toEqual(ids);
  }
  const tallies = await owner.query(`select 1 from security_event_tallies where tenant_id = '' and subject = $1`, [
    'before@example.com',
  ]);
  expect(tallies.rowCount).toBe(1);
});

test('every sealed event keeps its canonical text and leaf hash, and every chain and tree verifies', async () => {
  const after = await hashedEvents();
  expect(after.filter((e) => before.some((b) => b.id === e.id))).toEqual(before);
  const system = before.filter((e) => e.chain === '');
  expect(system.length).toBeGreaterThanOrEqual(4);
  for (const e of system) expect(JSON.parse(e.canonical)[3]).toBeNull();
  const verdict = await verifyAuditChain(ownerUrl);
  expect(verdict.chains.filter((c) => !c.intact)).toEqual([]);
  await expectTreesMatchEvents((text) => owner.query(text), 2);
});

test('the migration says what it rekeyed, and the alarm recorded the guards switched off and on', async () => {
  const { rows } = await owner.query<{ tenant_id: string; metadata: { rows: Record<string, number> } }>(
    `select tenant_id, metadata from audit_logs where action = 'audit.system_chain_rekeyed'`,
  );
  expect(rows).toHaveLength(1);
  expect(rows[0]?.tenant_id).toBe('');
  expect(rows[0]?.metadata.rows).toEqual({
    audit_logs: systemBefore.audit.length,
    security_events: systemBefore.security.length,
    security_event_tallies: 1,
  });
  const alarms = await owner.query<{ tenant_id: string; severity: string; command: string }>(
    `select tenant_id, severity::text, details ->> 'command' as command from security_events
      where details ->> 'reason' = 'security_control_changed' and details ->> 'duringMigration' = 'true'
        and (details::text like '%append_only%' or details::text like '%redaction_only%')`,
  );
  // Both chains (the workspace's and the system's) were told of each switch.
  expect(new Set(alarms.rows.map((a) => a.tenant_id)).has('')).toBe(true);
  expect(alarms.rows.some((a) => a.severity === 'medium')).toBe(true);
});

test("new system events are written with '' and sealed after the old ones; a null tenant is refused", async () => {
  await writeAndSeal('after');
  const fresh = (await hashedEvents()).filter((e) => !before.some((b) => b.id === e.id));
  expect(fresh.filter((e) => e.chain === '').length).toBeGreaterThanOrEqual(4);
  expect(await idsOf('select id from audit_logs where tenant_id is null')).toEqual([]);
  const verdict = await verifyAuditChain(ownerUrl);
  expect(verdict.chains.filter((c) => !c.intact)).toEqual([]);
  expect(verdict.chains.every((c) => c.unsealed === 0)).toBe(true);
  await expectTreesMatchEvents((text) => owner.query(text), 2);
  for (const statement of [
    `insert into audit_logs (tenant_id, action) values (null, 'forged')`,
    `insert into security_events (tenant_id, event_type) values (null, 'suspicious_activity')`,
    `insert into security_event_tallies (tenant_id, window_start, event_type, subject, target)
     values (null, now(), 'login_failed', 'x', 'y')`,
  ]) {
    await expect(owner.query(statement)).rejects.toMatchObject({ code: '23502' });
  }
});
