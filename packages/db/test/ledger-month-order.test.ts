// A closed month of the ledger rewritten in tenant order (migration 0056):
// the same rows, a workspace's events on a few heap pages instead of one to
// a page, every chain and tree still verifying, the rewrite recorded and
// not raised as a weakened control; refused for a month still open or not
// sealed, for anything but a month of audit_logs, and for the runtime role.
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  type CheckpointSigner,
  type Database,
  generateSignerKey,
  parseSignerKey,
  systemActor,
  tenantInclusionProof,
  verifyAuditChain,
} from '../src/index.ts';
import { createTestDatabase, ledgerHistoryBeforeSql, type TestDatabase } from '../src/testing/index.ts';
import { referenceLeaf, verifyInclusion } from './support/rfc9162-reference.ts';
import { actor } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let db: Database;
let tenants: string[];
/** Month starts, UTC: months[0] is three months before months[3], the month a day ago was in. */
let months: Date[];
const signer: CheckpointSigner = {
  deployment: 'order.example',
  key: parseSignerKey(generateSignerKey('order.example')),
};
const partition = (month: Date) =>
  `audit_logs_p${month.getUTCFullYear()}${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
const owner = <R extends Record<string, unknown>>(text: string, values?: unknown[]) =>
  testDb.ownerQuery<R>(text, values);
const count = async (text: string, values?: unknown[]) => Number((await owner<{ n: string }>(text, values)).rows[0]?.n);
const alarms = () =>
  count(`select count(*) as n from security_events where details ->> 'reason' = 'security_control_changed'`);
const indexNames = async (name: string) =>
  (
    await owner<{ i: string }>(
      `select indexrelid::regclass::text as i from pg_index where indrelid = $1::regclass order by 1`,
      [name],
    )
  ).rows;
/** Every row of a month, in one fixed order, as text: what "identical" compares. */
const monthRows = async (name: string) =>
  (await owner<{ r: string }>(`select t::text as r from ${name} t order by id`)).rows.map((row) => row.r);

/**
 * Twelve workspaces write into month 0 by turns, one event each per hour, so
 * each one's events lie one to a heap page (600 bytes of metadata); all are
 * sealed and covered by a signed checkpoint. Months 1 and 2 get a few too.
 */
async function writeMonths() {
  const { rows } = await owner<{ m: Date }>(
    // "This month" is the one a day ago held: on a month's first day the month before is not closed yet
    // (a month is ordered a day after it ends), and months[2] must be.
    `select (date_trunc('month', (now() - interval '1 day') at time zone 'UTC') - make_interval(months => 3 - g))
              at time zone 'UTC' as m
     from generate_series(0, 3) g order by g`,
  );
  months = rows.map((r) => new Date(r.m));
  await owner(ledgerHistoryBeforeSql(months[0]?.toISOString() ?? '', 5));
  tenants = [];
  for (let i = 0; i < 12; i++) {
    tenants.push((await db.platform.createTenant({ name: `w${i}`, slug: `w${i}` }, systemActor('test'))).id);
  }
  const list = `array[${tenants.map((t) => `'${t}'`).join(', ')}]`;
  const inMonth = (month: number, perTenant: number) =>
    `insert into audit_logs (tenant_id, action, resource_type, metadata, created_at)
     select (${list})[1 + g % ${tenants.length}], 'skill.updated', 'skill',
            jsonb_build_object('note', repeat('x', 600), 'n', g),
            '${months[month]?.toISOString()}'::timestamptz + interval '1 day' + make_interval(mins => g)
     from generate_series(0, ${perTenant * tenants.length - 1}) g;`;
  await owner(
    `begin; set local session_replication_role = replica;
     update audit_logs set created_at = '${months[0]?.toISOString()}'::timestamptz - interval '1 day'
      where created_at >= '${months[0]?.toISOString()}';
     ${inMonth(0, 150)} ${inMonth(1, 3)} ${inMonth(2, 3)} commit;`,
  );
  expect(await db.sealCommittedAuditEvents()).toBe(true);
  await db.signAuditCheckpoints(signer);
}

/** Shared buffers (hit + read) one workspace's 30-day window touches, from EXPLAIN (ANALYZE, BUFFERS). */
async function windowBuffers(tenant: string): Promise<number> {
  const { rows } = await owner<{ 'QUERY PLAN': { Plan: Record<string, number> }[] }>(
    `explain (analyze, buffers, format json)
     select * from audit_logs where tenant_id = $1 and created_at >= $2 and created_at < $2::timestamptz + interval '30 days'
     order by created_at desc, id desc limit 51`,
    [tenant, months[0]?.toISOString()],
  );
  const plan = rows[0]?.['QUERY PLAN'][0]?.Plan ?? {};
  return (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
}

beforeEach(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  await writeMonths();
});
afterEach(async () => {
  await db.close();
  await testDb.drop();
});

describe('a closed, sealed month', () => {
  test('is rewritten in tenant order: the same rows, far fewer pages per window, every proof still passing', async () => {
    const month = partition(months[0] as Date);
    const before = await monthRows(month);
    const oidBefore = (await owner<{ oid: number }>(`select $1::regclass::oid as oid`, [month])).rows[0]?.oid;
    const controlsBefore = await owner(`select audit.table_controls($1::regclass) as c`, [month]);
    const indexesBefore = await indexNames(month);
    const pagesBefore = await windowBuffers(tenants[3] as string);
    const alarmsBefore = await alarms();

    const ordered = await db.orderNextLedgerMonth();
    expect(ordered).toMatchObject({ partition: month, events: before.length, ordered: true });

    // Every row identical, now in (tenant, time) order on the heap.
    expect(await monthRows(month)).toEqual(before);
    const heap = (await owner<{ tenant_id: string }>(`select tenant_id from ${month} order by ctid`)).rows;
    const sorted = [...heap].sort((x, y) => (x.tenant_id < y.tenant_id ? -1 : x.tenant_id > y.tenant_id ? 1 : 0));
    expect(heap).toEqual(sorted);
    expect((await owner<{ oid: number }>(`select $1::regclass::oid as oid`, [month])).rows[0]?.oid).not.toBe(oidBefore);
    expect((await owner(`select audit.table_controls($1::regclass) as c`, [month])).rows).toEqual(controlsBefore.rows);
    expect(await indexNames(month)).toEqual(indexesBefore);
    expect(indexesBefore).toHaveLength(6);
    // A page of the timeline read ~one heap page per event before; now a few.
    expect(pagesBefore).toBeGreaterThan(40);
    expect(await windowBuffers(tenants[3] as string)).toBeLessThan(15);

    expect(await alarms()).toBe(alarmsBefore);
    const recorded = await owner<{ metadata: { partition: string; events: number; digest: string } }>(
      `select metadata from audit_logs where tenant_id = '' and action = 'audit.ledger_month_ordered'`,
    );
    expect(recorded.rows.map((r) => r.metadata)).toEqual([
      expect.objectContaining({ partition: month, events: before.length, digest: ordered?.digest }),
    ]);
    expect((await db.ledgerMonthOrder()).find((m) => m.partition === month)).toMatchObject({ ordered: true });

    await db.sealCommittedAuditEvents();
    await db.signAuditCheckpoints(signer);
    expect((await verifyAuditChain(testDb.ownerUrl)).intact).toBe(true);
    await db.withTenant(tenants[5] as string, actor(), async (tx) => {
      const { rows } = await tx.execute<{ id: string }>(
        sql`select id from audit_logs where created_at < ${months[1]?.toISOString()} order by seq limit 3`,
      );
      expect(rows).toHaveLength(3);
      for (const { id } of rows) {
        const inclusion = await tenantInclusionProof(id);
        if (!inclusion) throw new Error(`no proof for ${id}`);
        const leaf = referenceLeaf(Buffer.from(inclusion.canonical));
        const { treeSize, rootHash } = inclusion.checkpoint;
        expect(verifyInclusion(inclusion.leafIndex, treeSize, leaf, inclusion.proof, rootHash)).toBe(true);
      }
    });

    // Once: the next call orders the next closed month, then there is none left.
    expect(await db.orderNextLedgerMonth()).toMatchObject({ partition: partition(months[1] as Date), ordered: true });
    expect(await db.orderNextLedgerMonth()).toMatchObject({ partition: partition(months[2] as Date), ordered: true });
    expect(await db.orderNextLedgerMonth()).toBeNull();
    const again = await db.ledgerRetention((tx) => tx.execute(sql`select * from audit.order_ledger_month(${month})`));
    expect(again.rows[0]).toMatchObject({ ordered: false, digest: ordered?.digest });
    expect(await count(`select count(*) as n from audit_logs where action = 'audit.ledger_month_ordered'`)).toBe(3);
  });

  test("the server's maintenance loop orders one closed month per round", async () => {
    const ordered: string[] = [];
    const errors: unknown[] = [];
    const loop = db.startPartitionMaintainer({
      intervalMs: 3_600_000,
      onOrdered: (month) => ordered.push(month.partition),
      onError: (error) => errors.push(error),
    });
    await loop.started;
    await loop.stop();
    expect(errors).toEqual([]);
    expect(ordered).toEqual([partition(months[0] as Date)]);
    const order = await db.ledgerMonthOrder();
    expect(order.filter((m) => m.ordered).map((m) => m.partition)).toEqual(ordered);
    expect(order.filter((m) => m.closed)).toHaveLength(3);
  });

  test("a month that takes longer than the worker's statement timeout is still ordered", async () => {
    // Regression: the retention worker's 30-s timeout cancelled the rewrite of a 411,000-event month.
    const hasty = await testDb.openApp({ statementTimeoutMs: 500 });
    try {
      expect(await hasty.orderNextLedgerMonth()).toMatchObject({ partition: partition(months[0] as Date) });
    } finally {
      await hasty.close();
    }
  });

  test('a write aimed at the month while it is swapped waits, then lands in the ordered month', async () => {
    const month = partition(months[0] as Date);
    const rows = await count(`select count(*) as n from ${month}`);
    const door = new pg.Client({ connectionString: testDb.ownerUrl });
    const writer = new pg.Client({ connectionString: testDb.ownerUrl });
    await door.connect();
    await writer.connect();
    const writerPid = (await writer.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
    try {
      await door.query('begin');
      await door.query('select * from audit.order_ledger_month($1)', [month]);
      const write = writer.query(
        `insert into audit_logs (tenant_id, action, created_at) values ($1, 'late.write', $2::timestamptz + interval '2 days')`,
        [tenants[0], months[0]?.toISOString()],
      );
      await expect
        .poll(() => count(`select count(*) as n from pg_locks where not granted and pid = $1`, [writerPid]))
        .toBe(1);
      await door.query('commit');
      await write;
    } finally {
      await door.end();
      await writer.end();
    }
    expect(await count(`select count(*) as n from ${month}`)).toBe(rows + 1);
    expect(await count(`select count(*) as n from ${month} where action = 'late.write'`)).toBe(1);
  });

  test('a reader holding the ledger makes the swap give up after a second, with nothing changed', async () => {
    const month = partition(months[0] as Date);
    const oid = (await owner<{ oid: number }>(`select $1::regclass::oid as oid`, [month])).rows[0]?.oid;
    const reader = new pg.Client({ connectionString: testDb.ownerUrl });
    await reader.connect();
    try {
      await reader.query('begin');
      await reader.query('select count(*) from audit_logs');
      await expect(db.orderNextLedgerMonth()).rejects.toMatchObject({
        cause: expect.objectContaining({ code: '55P03' }),
      });
    } finally {
      await reader.query('rollback');
      await reader.end();
    }
    expect((await owner<{ oid: number }>(`select $1::regclass::oid as oid`, [month])).rows[0]?.oid).toBe(oid);
    expect(await count(`select count(*) as n from pg_class where relname like '%_ordering%'`)).toBe(0);
    expect(await db.orderNextLedgerMonth()).toMatchObject({ partition: month, ordered: true });
  });
});

describe('refused', () => {
  const order = (name: string) =>
    db.ledgerRetention((tx) => tx.execute(sql`select * from audit.order_ledger_month(${name})`));

  test('a month still open, and a month with an event not sealed', async () => {
    await expect(order(partition(months[3] as Date))).rejects.toMatchObject({
      cause: expect.objectContaining({ code: '55000', message: expect.stringMatching(/is not closed: it ends/) }),
    });
    await owner(
      `insert into audit_logs (tenant_id, action, created_at) values ($1, 'unsealed', $2::timestamptz + interval '3 days')`,
      [tenants[0], months[1]?.toISOString()],
    );
    await expect(order(partition(months[1] as Date))).rejects.toMatchObject({
      cause: expect.objectContaining({
        code: '55000',
        message: expect.stringMatching(/1 of its events are not sealed/),
      }),
    });
    expect(await count(`select count(*) as n from audit.ordered_ledger_months`)).toBe(0);
  });

  test('the history partition, another table, a name that is no partition', async () => {
    for (const name of ['audit_logs_history', 'skills', 'audit_logs', 'security_events_p202001', "x'; drop table x"]) {
      await expect(order(name)).rejects.toMatchObject({ cause: expect.objectContaining({ code: '22023' }) });
    }
    const securityMonth = `security_events_p${partition(months[0] as Date).slice(-6)}`;
    await expect(order(securityMonth)).rejects.toMatchObject({ cause: expect.objectContaining({ code: '22023' }) });
  });

  test("the runtime role in a workspace's context: the door, the listing, and the helpers behind them", async () => {
    const month = partition(months[0] as Date);
    for (const statement of [
      sql`select * from audit.order_ledger_month(${month})`,
      sql`select * from audit.ledger_month_order()`,
      sql`select audit.copy_ledger_rows_in_tenant_order('skills'::regclass, now(), now())`,
      sql`select * from audit.ledger_rows_digest('audit_logs'::regclass, '-infinity', 'infinity')`,
      sql`select audit.unsealed_ledger_events('-infinity', 'infinity')`,
    ]) {
      await expect(db.withTenant(tenants[0] as string, actor(), (tx) => tx.execute(statement))).rejects.toMatchObject({
        cause: expect.objectContaining({ code: '42501' }),
      });
    }
    expect(await count(`select count(*) as n from audit.ordered_ledger_months`)).toBe(0);
  });
});
