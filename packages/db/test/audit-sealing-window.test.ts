import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Database, defaultSealIntervalMs, recordAuditEvent, systemActor } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let db: Database;
let tenantId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
});
afterAll(() => testDb.drop());

const sealedAt = async (requestId: string) =>
  (
    await testDb.ownerQuery<{ sealed: boolean }>(
      `select exists (select from audit.seals s join audit_logs e on e.id = s.event_id where e.request_id = $1) as sealed`,
      [requestId],
    )
  ).rows[0]?.sealed;

test('while the sealer runs, a committed event is sealed within a second', async () => {
  const sealer = db.startAuditSealer();
  try {
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const requestId = `window-${i}`;
      await db.withTenant(tenantId, { ...actor(), requestId }, () => recordAuditEvent({ action: 'skill.updated' }));
      const committed = performance.now();
      while (!(await sealedAt(requestId))) {
        if (performance.now() - committed > 5_000) throw new Error('event not sealed after 5 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      waits.push(performance.now() - committed);
    }
    waits.sort((a, b) => a - b);
    expect(waits[2]).toBeLessThan(1_000);
    expect(defaultSealIntervalMs).toBeLessThanOrEqual(250);
  } finally {
    await sealer.stop();
  }
});

test('an open transaction holds sealing back, and the status says which', async () => {
  const blocker = await testDb.openApp({ maxConnections: 1 });
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const open = blocker.withTenant(tenantId, actor(), async () => {
    await recordAuditEvent({ action: 'skill.created' }); // takes a transaction id, and holds it
    await held;
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  await db.withTenant(tenantId, { ...actor(), requestId: 'behind-open-tx' }, () =>
    recordAuditEvent({ action: 'skill.updated' }),
  );
  await db.sealAuditEvents();
  expect(await sealedAt('behind-open-tx')).toBe(false);
  const status = await testDb.ownerQuery<{ pending: string; oldest_open_transaction_started: Date | null }>(
    'select pending, oldest_open_transaction_started from audit.sealing_status()',
  );
  expect(Number(status.rows[0]?.pending)).toBeGreaterThan(0);
  expect(status.rows[0]?.oldest_open_transaction_started).not.toBeNull();
  release();
  await open;
  expect(await db.sealCommittedAuditEvents()).toBe(true);
  expect(await sealedAt('behind-open-tx')).toBe(true);
});

// Another database of the same server: every test file's database is one, and so is the server's own.
const otherDatabase = async () => {
  const url = new URL(testDb.ownerUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return client;
};

const preparedAllowed = async () =>
  Number(
    (await testDb.ownerQuery<{ n: string }>('select current_setting($1) as n', ['max_prepared_transactions'])).rows[0]
      ?.n,
  ) > 0;

const status = async () =>
  (
    await testDb.ownerQuery<{ held_back_by_xid: string; oldest_open_transaction_started: Date | null }>(
      'select held_back_by_xid::text, oldest_open_transaction_started from audit.sealing_status()',
    )
  ).rows[0];

/** Opens a transaction on `client` that holds a transaction id, and returns that id. */
const holdTransactionId = async (client: pg.Client) => {
  await client.query('begin');
  const { rows } = await client.query<{ xid: string }>('select pg_current_xact_id()::text as xid');
  return BigInt(rows[0]?.xid ?? '0');
};

test('a transaction open in another database of the server does not hold sealing back', async () => {
  const other = await otherDatabase();
  try {
    const otherXid = await holdTransactionId(other);
    await db.withTenant(tenantId, { ...actor(), requestId: 'beside-another-database' }, () =>
      recordAuditEvent({ action: 'skill.updated' }),
    );
    // The other transaction is older than the event and still open: the server-wide horizon stops before the event.
    const { rows } = await testDb.ownerQuery<{ xmin: string }>(
      'select pg_snapshot_xmin(pg_current_snapshot())::text as xmin',
    );
    expect(BigInt(rows[0]?.xmin ?? '0')).toBeLessThanOrEqual(otherXid);
    expect(await db.sealCommittedAuditEvents(3_000)).toBe(true);
    expect(await sealedAt('beside-another-database')).toBe(true);
    expect(BigInt((await status())?.held_back_by_xid ?? '0')).toBeGreaterThan(otherXid);
  } finally {
    await other.query('rollback');
    await other.end();
  }
});

test('a transaction prepared in another database does not hold sealing back; one prepared here does', async (context) => {
  if (!(await preparedAllowed())) context.skip(); // a server under TEST_DATABASE_URL may allow none
  const gid = (where: string) => `sealing-horizon-${where}-${process.pid}-${Date.now()}`;
  const other = await otherDatabase();
  const here = new pg.Client({ connectionString: testDb.ownerUrl });
  await here.connect();
  const elsewhere = gid('elsewhere');
  const local = gid('here');
  try {
    await holdTransactionId(other);
    await other.query(`prepare transaction '${elsewhere}'`);
    await db.withTenant(tenantId, { ...actor(), requestId: 'beside-prepared-elsewhere' }, () =>
      recordAuditEvent({ action: 'skill.updated' }),
    );
    expect(await db.sealCommittedAuditEvents(3_000)).toBe(true);
    expect(await sealedAt('beside-prepared-elsewhere')).toBe(true);

    // This database's own prepared transaction could still commit events behind the cursor: it holds sealing.
    const localXid = await holdTransactionId(here);
    await here.query(`prepare transaction '${local}'`);
    await db.withTenant(tenantId, { ...actor(), requestId: 'behind-prepared-here' }, () =>
      recordAuditEvent({ action: 'skill.updated' }),
    );
    expect(await db.sealCommittedAuditEvents(500)).toBe(false);
    expect(await sealedAt('behind-prepared-here')).toBe(false);
    expect(BigInt((await status())?.held_back_by_xid ?? '0')).toBeLessThanOrEqual(localXid);
    await here.query(`commit prepared '${local}'`);
    expect(await db.sealCommittedAuditEvents(3_000)).toBe(true);
    expect(await sealedAt('behind-prepared-here')).toBe(true);
  } finally {
    await here.query(`rollback prepared '${local}'`).catch(() => {});
    await other.query(`rollback prepared '${elsewhere}'`).catch(() => {});
    await Promise.all([here.end(), other.end()]);
  }
});
