// Issue 13: a credential's last use is written behind on every read path;
// recording each of those writes would put a ledger row behind every
// request. enable_tracking's `ignored` columns: an update that changes only
// them records nothing; one that changes more records the rest.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiKeys, type Database, sql, systemActor } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let testDb: TestDatabase;
let db: Database;
let tenant: string;
let requestCounter = 0;

const request = () => {
  requestCounter += 1;
  return { actorType: 'user' as const, actorId: 'user-1', requestId: `ignored-${requestCounter}`, ip: '203.0.113.4' };
};

const changesOf = async (requestId: string) =>
  (
    await testDb.ownerQuery<{
      operation: string;
      changed_fields: string[] | null;
      new_record: Record<string, unknown>;
    }>(
      `select operation::text, changed_fields, new_record from audit_logs
       where request_id = $1 and operation is not null order by seq`,
      [requestId],
    )
  ).rows;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenant = (await db.platform.createTenant({ name: 'Quiet', slug: 'quiet' }, systemActor('test'))).id;
});
afterAll(() => testDb.drop());

test('api_keys ignores last_used_at: touching it alone records nothing, with another column it is left out', async () => {
  const id = randomUUID();
  await db.withTenant(tenant, request(), (tx) =>
    tx.insert(apiKeys).values({ id, name: 'ci', prefix: randomUUID().slice(0, 12), keyHash: randomUUID() }),
  );
  const touch = request();
  await db.withTenant(tenant, touch, (tx) =>
    tx.execute(sql`update api_keys set last_used_at = now() where id = ${id}`),
  );
  expect(await changesOf(touch.requestId)).toEqual([]);

  const rename = request();
  await db.withTenant(tenant, rename, (tx) =>
    tx.execute(sql`update api_keys set last_used_at = now() - interval '1 hour', name = 'deploy' where id = ${id}`),
  );
  const renamed = await changesOf(rename.requestId);
  expect(renamed).toHaveLength(1);
  expect(renamed[0]?.changed_fields).toEqual(['name']);
  // The record itself keeps the column: what the row was stays readable.
  expect(renamed[0]?.new_record).toHaveProperty('last_used_at');
});

test('ignored columns on any table: bulk updates keep one record per row that changed more; regeneration keeps them', async () => {
  await testDb.ownerQuery(`
    create table pinged (id int primary key, label text, seen_at timestamptz, hits int);
    grant select, insert, update on pinged to skillhub_app;
    select audit.enable_tracking('pinged', ignored => array['seen_at', 'hits']);`);
  const write = request();
  await db.withTenant(tenant, write, async (tx) => {
    await tx.execute(sql`insert into pinged select g, 'p' || g, null, 0 from generate_series(1, 10) g`);
    await tx.execute(sql`update pinged set seen_at = now(), hits = hits + 1`);
    await tx.execute(sql`update pinged set label = label || '!', hits = hits + 1 where id <= 3`);
  });
  const changes = await changesOf(write.requestId);
  expect(changes.filter((c) => c.operation === 'INSERT')).toHaveLength(10);
  const updates = changes.filter((c) => c.operation === 'UPDATE');
  expect(updates.map((c) => c.changed_fields)).toEqual([['label'], ['label'], ['label']]);

  // enable_tracking without `ignored` (as refresh_tracking calls it) keeps what was ignored.
  await testDb.ownerQuery(`alter table pinged add column extra text; select audit.refresh_tracking();`);
  const again = request();
  await db.withTenant(tenant, again, (tx) => tx.execute(sql`update pinged set hits = hits + 1`));
  expect(await changesOf(again.requestId)).toEqual([]);
  await expect(testDb.ownerQuery(`select audit.enable_tracking('pinged', ignored => array['nope'])`)).rejects.toThrow(
    /not all of them exist/,
  );
  await testDb.ownerQuery(`select audit.disable_tracking('pinged'); drop table pinged`);
});

test('a table that ignores nothing still records an update that changes nothing, as before', async () => {
  const req = request();
  const id = randomUUID();
  await db.withTenant(tenant, req, async (tx) => {
    await tx.execute(sql`insert into skills (id, slug, name) values (${id}, ${`s-${id.slice(0, 8)}`}, 'S')`);
    await tx.execute(sql`update skills set name = name where id = ${id}`);
  });
  const changes = await changesOf(req.requestId);
  expect(changes.map((c) => [c.operation, c.changed_fields])).toEqual([
    ['INSERT', null],
    ['UPDATE', []],
  ]);
});
