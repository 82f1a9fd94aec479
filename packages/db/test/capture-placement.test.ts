// Migration 0077: the capture generator writes each statement for where its table lies on a Citus cluster
// (packages/db/test/citus-writes.test.ts runs those forms on one). On one server every table is 'local'
// and the generator's output must stay byte for byte what 0074 generated, or every capture would change
// under a migration that meant to change nothing here.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let testDb: TestDatabase;

const captureSources = async () =>
  (
    await testDb.ownerQuery<{ relid: string; placement: string; source: string; config: string[] }>(
      `select t.relid::text as relid, audit.capture_placement(t.relid) as placement, p.prosrc as source,
              p.proconfig as config
       from audit.tracked_tables t join pg_proc p on p.oid = ('audit.' || quote_ident(t.function_name) || '()')::regprocedure
       order by 1`,
    )
  ).rows;

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.drop());

test('on one server every tracked table is local and its capture regenerates unchanged', async () => {
  const before = await captureSources();
  expect(before.length).toBeGreaterThan(10);
  expect(new Set(before.map((row) => row.placement))).toEqual(new Set(['local']));
  await testDb.ownerQuery('select audit.regenerate_capture(t.relid) from audit.tracked_tables t');
  expect(await captureSources()).toEqual(before);
});

test('the shard form passes the context as parameters and names no column of the table as one', async () => {
  const { rows } = await testDb.ownerQuery<{ statement: string }>(
    `select audit.capture_statement_sql('shard', 'tenant_id, ip_address',
       'select ctx_tenant_id, ctx_ip, o.ctx_ip, "ctx_ip", ctx_ipx from audit.subject_keys k, new_rows o') as statement`,
  );
  const statement = rows[0]?.statement ?? '';
  expect(statement).toContain(`select $1, $4, o.ctx_ip, "ctx_ip", ctx_ipx '`);
  expect(statement).toContain(`|| 'from ' || subject_keys || ' k' ||`);
  expect(statement).toContain('using ctx_tenant_id, ctx_actor_type, ctx_actor_id, ctx_ip, ctx_request_id;');
  await expect(testDb.ownerQuery(`select audit.capture_statement_sql('elsewhere', 'a', 'select 1')`)).rejects.toThrow(
    /no capture statement for placement elsewhere/,
  );
});
