// Migration 0044 on a ledger that already holds sealed events: the old
// tables become the _history partitions with every row, every chain and
// tree verifies afterwards, each event's canonical text and leaf hash are
// byte for byte what they were, and sealing goes on where it stopped.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { withCredentials, withDatabase } from '../src/connection-config.ts';
import { Database, systemActor, verifyAuditChain } from '../src/index.ts';
import { runMigrations } from '../src/migrate/run-migrations.ts';
import { readContextKey } from '../src/tenant-context/context-key.ts';
import { adminQuery } from './support/admin-query.ts';
import { logSecurityEventThrough0023, recordEventThrough0023 } from './support/event-door-0023.ts';
import { actor } from './support/tenant-rows.ts';
import { expectTreesMatchEvents } from './support/trees-match-events.ts';

const cluster = inject('skillhubTestCluster');
const dbName = `skillhub_partition_migration_${cluster.runId}_${randomBytes(4).toString('hex')}`;
const ownerUrl = withDatabase(cluster.adminUrl, dbName);
const appUrl = withCredentials(ownerUrl, cluster.appRole);
const beforePartitioning = '0043_no_temporary_objects_for_public';

let owner: pg.Client;
type Hashed = { id: string; canonical: string; leaf: Buffer; seq: string };
let before: Hashed[];
let securityBefore: string[];

const hashedEvents = async () =>
  (
    await owner.query<Hashed>(
      `select l.id, audit.canonical_text(l) as canonical, audit.leaf_hash(l) as leaf, l.seq::text as seq
       from audit_logs l order by l.txid, l.seq`,
    )
  ).rows;

const treesMatchEvents = () => expectTreesMatchEvents((text) => owner.query(text), 2);

/** Writes events in two tenants and the system chain as the server would, then seals them. */
const writeAndSeal = async (label: string) => {
  const db = await Database.open({ url: appUrl, contextKey: await readContextKey(ownerUrl), maxConnections: 2 });
  try {
    const tenants = await Promise.all(
      ['a', 'b'].map(
        async (t) =>
          (await db.platform.createTenant({ name: `${label} ${t}`, slug: `${label}-${t}` }, systemActor('test'))).id,
      ),
    );
    for (const tenant of tenants) {
      for (let i = 0; i < 5; i++) {
        await db.withTenant(tenant, actor(), async (tx) => {
          await recordEventThrough0023(tx, {
            action: 'skill.updated',
            resourceType: 'skill',
            resourceId: `${label}-${i}`,
          });
          await logSecurityEventThrough0023(tx, {
            type: 'login_success',
            email: `user${i}@example.com`,
            ip: '203.0.113.5',
          });
        });
      }
    }
    await db.platform.findTenantBySlug(`${label}-missing`, systemActor('test'));
    // Up to 5 minutes: on PostgreSQL 15, sealing here did not finish in the default wait while
    // migrations.test.ts migrated a database of its own on the same server (200 s there).
    expect(await db.sealCommittedAuditEvents(300_000)).toBe(true);
  } finally {
    await db.close();
  }
};

beforeAll(async () => {
  await adminQuery(`create database ${dbName}`);
  await runMigrations(ownerUrl, cluster.appRole, { upTo: beforePartitioning });
  owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  await writeAndSeal('before');
  await treesMatchEvents();
  before = await hashedEvents();
  securityBefore = (await owner.query<{ id: string }>('select id from security_events order by id')).rows.map(
    (r) => r.id,
  );
  expect(before.length).toBeGreaterThan(20);
  const result = await runMigrations(ownerUrl, cluster.appRole);
  expect(result.applied).toContain('0044_ledger_partitioned_by_month');
  // Every migration from an empty database: about 45 s on the embedded server, 200 s on an idle
  // PostgreSQL 15 (TEST_DATABASE_URL), past the suite's 2-minute hook timeout.
}, 600_000);

afterAll(async () => {
  await owner?.end();
  await adminQuery(`drop database if exists ${dbName} with (force)`);
});

test('every existing row is kept, in the _history partitions, with the same canonical text and leaf hash', async () => {
  const after = await hashedEvents();
  const old = after.filter((e) => before.some((b) => b.id === e.id));
  expect(old).toEqual(before);
  const { rows } = await owner.query<{ part: string; n: string }>(
    `select tableoid::regclass::text as part, count(*) as n from audit_logs
     where id = any($1::uuid[]) group by 1`,
    [before.map((e) => e.id)],
  );
  expect(rows).toEqual([{ part: 'audit_logs_history', n: String(before.length) }]);
  const security = await owner.query<{ id: string; part: string }>(
    `select id, tableoid::regclass::text as part from security_events where id = any($1::uuid[]) order by id`,
    [securityBefore],
  );
  expect(security.rows.map((r) => r.id)).toEqual(securityBefore);
  expect(new Set(security.rows.map((r) => r.part))).toEqual(new Set(['security_events_history']));
});

test('every chain and tree written before the migration verifies after it', async () => {
  const verdict = await verifyAuditChain(ownerUrl);
  expect(verdict.chains.filter((c) => !c.intact)).toEqual([]);
  expect(verdict.events).toBeGreaterThanOrEqual(before.length);
  await treesMatchEvents();
});

test('sealing goes on where it stopped: new events chain after the old ones, and everything verifies', async () => {
  await writeAndSeal('after');
  const after = await hashedEvents();
  const lastOld = BigInt(before.at(-1)?.seq ?? '0');
  const fresh = after.filter((e) => !before.some((b) => b.id === e.id));
  expect(fresh.length).toBeGreaterThan(20);
  for (const e of fresh) expect(BigInt(e.seq)).toBeGreaterThan(lastOld);
  const verdict = await verifyAuditChain(ownerUrl);
  expect(verdict.chains.filter((c) => !c.intact)).toEqual([]);
  expect(verdict.chains.every((c) => c.unsealed === 0)).toBe(true);
  await treesMatchEvents();
});

test('lookups by event id are served by an index on every partition', async () => {
  const id = before[0]?.id;
  await owner.query('set enable_seqscan = off');
  const plan = await owner.query<{ 'QUERY PLAN': string }>(`explain select * from audit_logs where id = '${id}'`);
  await owner.query('reset enable_seqscan');
  const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
  expect(text).not.toMatch(/Seq Scan/);
  expect(text).toMatch(/audit_logs_history_pkey/);
});
