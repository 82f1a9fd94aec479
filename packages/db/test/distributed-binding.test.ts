// Step 3 of the Citus plan (migration 0069) on one server: the context set with SET LOCAL (the form
// Citus carries to its workers) verifies as set_config's does and escapes every value, and a context
// bound to a distributed transaction opens nothing on a server that is not a Citus node. The
// cluster half runs in citus-distributed-binding.test.ts against a Citus coordinator.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runDoctor } from '../src/checks/run-doctor.ts';
import { type Database, systemActor } from '../src/index.ts';
import { parseContextKey } from '../src/tenant-context/context-key.ts';
import {
  beginBoundText,
  bindingOf,
  defaultTransactionLimits,
  signTenantContext,
  tenantContextSetLocal,
} from '../src/tenant-context/context-token.ts';
import { isDistributed } from '../src/tenant-context/distributed-binding.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor, seedTenantRows } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let db: Database;
let app: pg.Client;
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantA = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  tenantB = (await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'))).id;
  await seedTenantRows(db, tenantA);
  await seedTenantRows(db, tenantB);
  app = new pg.Client({ connectionString: testDb.appUrl });
  await app.connect();
});
afterAll(async () => {
  await app.end();
  await testDb.drop();
});

/** BEGIN as the runtime role, and the transaction's binding as 0034 reports it. */
async function begin() {
  const began = (await app.query(beginBoundText)) as unknown as pg.QueryResult[];
  return bindingOf(began[1]?.rows[0]);
}

const skillsOf = async (tenantId: string) =>
  (await app.query<{ n: number }>('select count(*)::int as n from skills where tenant_id = $1', [tenantId])).rows[0]?.n;

test('a context set with SET LOCAL verifies, sees its own tenant only, and carries hostile values intact', async () => {
  const key = parseContextKey(await testDb.contextKey());
  const hostile = "req-'; reset all; select '\\x00\\' --";
  const binding = await begin();
  try {
    const statement = tenantContextSetLocal(
      key,
      tenantA,
      { ...actor('alice'), requestId: hostile },
      defaultTransactionLimits,
      binding,
    );
    await app.query(statement.text);
    const context = await app.query<{ tenant: string; request: string; timeout: string; propagate: string }>(
      `select (platform.verified_context()).tenant_id as tenant, (platform.verified_context()).request_id as request,
              current_setting('statement_timeout') as timeout,
              current_setting('citus.propagate_set_commands') as propagate`,
    );
    expect(context.rows[0]).toEqual({ tenant: tenantA, request: hostile, timeout: '30s', propagate: 'local' });
    expect(await skillsOf(tenantA)).toBeGreaterThan(0);
    expect(await skillsOf(tenantB)).toBe(0);
  } finally {
    await app.query('commit');
  }
  // Transaction-local: the next transaction starts with no context and sees nothing.
  await app.query('begin');
  expect(await skillsOf(tenantA)).toBe(0);
  await app.query('commit');
});

test('a context bound to a distributed transaction is refused on a server that is not a Citus node', async () => {
  const key = parseContextKey(await testDb.contextKey());
  const binding = await begin();
  try {
    // Everything a real one carries, the backend's own pid included; only Citus can check g, x and xs.
    const context = signTenantContext(key, tenantA, actor('alice'), {
      pid: binding.pid,
      gpid: '10000000001',
      transaction: '42',
      stampUs: '1796100000000000',
    });
    await app.query("select set_config('app.context', $1, true)", [context]);
    await expect(skillsOf(tenantA)).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('this database is not a Citus node'),
    });
  } finally {
    await app.query('rollback');
  }
});

test('a single server keeps its own binding and set_config: no distributed transaction to bind to', async () => {
  const pool = new pg.Pool({ connectionString: testDb.appUrl, max: 1 });
  try {
    expect(await isDistributed(pool)).toBe(false);
    const { rows } = await pool.query('select * from platform.distributed_binding()');
    expect(rows).toEqual([{ pid: null, gpid: null, transaction_number: null, stamp_us: null }]);
  } finally {
    await pool.end();
  }
});

test('the doctor holds Citus nodes to the lock-down and passes a server without Citus', async () => {
  const role = new URL(testDb.appUrl).username;
  const results = await runDoctor({ ownerUrl: testDb.ownerUrl, runtimeRole: role });
  expect(results.filter((r) => r.check === 'citus_distributed_binding')).toEqual([
    expect.objectContaining({ ok: true, target: 'citus', detail: 'Citus is not installed on this node' }),
  ]);
});
