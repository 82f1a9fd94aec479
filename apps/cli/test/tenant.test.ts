import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { envFor, runCli } from './support/run-cli.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.drop());

const isActive = async (slug: string) =>
  (await testDb.ownerQuery<{ is_active: boolean }>('select is_active from tenants where slug = $1', [slug])).rows[0]
    ?.is_active;

test('tenant create makes a tenant and refuses a slug that is taken', async () => {
  const created = await runCli(
    ['tenant', 'create', '--name', 'Globex Corp', '--slug', 'globex', '--domain', 'globex.test', '--plan', 'team'],
    envFor(testDb),
  );
  expect(created.stderr).toBe('');
  expect(created.stdout).toMatch(/^created tenant globex \([0-9a-f-]{36}\), plan team$/m);
  expect(created.code).toBe(0);

  const taken = await runCli(['tenant', 'create', '--name', 'Again', '--slug', 'globex'], envFor(testDb));
  expect(taken.stderr).toBe('skillhub: a tenant with slug "globex" (or that domain) already exists\n');
  expect(taken.code).toBe(1);
});

test('tenant list prints a table of every tenant', async () => {
  const listed = await runCli(['tenant', 'list'], envFor(testDb));
  expect(listed.stdout).toMatch(/^slug\s+name\s+plan\s+status\s+domain\s+created\s+id$/m);
  expect(listed.stdout).toMatch(
    /^globex\s+Globex Corp\s+team\s+active\s+globex\.test\s+\d{4}-\d\d-\d\d\s+[0-9a-f-]{36}$/m,
  );
  expect(listed.code).toBe(0);
});

test('tenant deactivate and activate flip the tenant; an unknown slug fails in one line', async () => {
  expect((await runCli(['tenant', 'deactivate', 'globex'], envFor(testDb))).stdout).toBe('deactivated tenant globex\n');
  expect(await isActive('globex')).toBe(false);
  expect((await runCli(['tenant', 'activate', 'globex'], envFor(testDb))).stdout).toBe('activated tenant globex\n');
  expect(await isActive('globex')).toBe(true);

  const missing = await runCli(['tenant', 'deactivate', 'nobody'], envFor(testDb));
  expect(missing.stderr).toBe('skillhub: no tenant has the slug "nobody"\n');
  expect(missing.code).toBe(1);
});

test('every tenant command went through the audited platform door and sealed its events before exiting', async () => {
  const trail = await testDb.ownerQuery<{ action: string; sealed: boolean }>(
    `select l.action, exists (select from audit.seals s where s.event_id = l.id) as sealed
     from audit_logs l where l.action like 'tenant.%'`,
  );
  expect(new Set(trail.rows.map((r) => r.action))).toEqual(
    new Set(['tenant.create', 'tenant.list', 'tenant.resolve', 'tenant.deactivate', 'tenant.activate']),
  );
  expect(trail.rows.filter((r) => !r.sealed)).toEqual([]);
});

test('each run is attributed: actor cli, one request id for everything it recorded, in the tenant’s chain', async () => {
  const { rows } = await testDb.ownerQuery<{ action: string; chain: string; actor: string; request_id: string }>(
    `select l.action, l.tenant_id as chain, l.actor_type || ':' || l.actor_id as actor, l.request_id
     from audit_logs l where l.action like 'tenant.%' order by l.seq`,
  );
  for (const row of rows) {
    expect(row).toMatchObject({ actor: 'system:cli', request_id: expect.stringMatching(/^cli-[0-9a-f-]{36}$/) });
  }
  const globex = (await testDb.ownerQuery<{ id: string }>(`select id from tenants where slug = 'globex'`)).rows[0]?.id;
  const runOf = (action: string) => {
    const requestId = rows.find((r) => r.action === action)?.request_id;
    return rows.filter((r) => r.request_id === requestId).map((r) => [r.action, r.chain]);
  };
  expect(runOf('tenant.create')).toEqual([['tenant.create', globex]]);
  expect(runOf('tenant.deactivate')).toEqual([
    ['tenant.resolve', ''],
    ['tenant.deactivate', globex],
  ]);
  expect(runOf('tenant.activate')).toEqual([
    ['tenant.resolve', ''],
    ['tenant.activate', globex],
  ]);
});
