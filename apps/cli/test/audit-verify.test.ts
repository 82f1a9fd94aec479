import { systemActor } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { envFor, runCli, tamperSql } from './support/run-cli.ts';

let testDb: TestDatabase;
let tenantId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = await testDb.openApp();
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
});
afterAll(() => testDb.drop());

const headPattern = /^acme: intact: (\d+) events?, head (\d+:[0-9a-f]{64})$/m;

test('audit verify is green on an untouched ledger, records itself, and seals before it exits', async () => {
  const one = await runCli(['audit', 'verify', '--tenant', 'acme'], envFor(testDb));
  expect(one.stderr).toBe('');
  expect(one.stdout).toMatch(headPattern);
  expect(one.stdout).toMatch(/^overall: intact: \d+ events? in 1 chain$/m);
  expect(one.code).toBe(0);

  // The verification is in the tenant's trail, already sealed.
  const recorded = await testDb.ownerQuery<{ sealed: boolean; metadata: { intact: boolean } }>(
    `select exists (select from audit.seals s where s.event_id = l.id) as sealed, l.metadata
     from audit_logs l where l.tenant_id = $1 and l.action = 'audit.verified'`,
    [tenantId],
  );
  expect(recorded.rows).toEqual([{ sealed: true, metadata: expect.objectContaining({ intact: true }) }]);
  // Attributed to the run: the lookup of the slug and the record share its request id.
  const run = await testDb.ownerQuery<{ action: string; actor: string; same_run: boolean }>(
    `select l.action, l.actor_type || ':' || l.actor_id as actor,
            l.request_id = (select request_id from audit_logs where action = 'audit.verified') as same_run
     from audit_logs l where l.request_id like 'cli-%' order by l.seq`,
  );
  expect(run.rows).toEqual([
    { action: 'tenant.resolve', actor: 'system:cli', same_run: true },
    { action: 'audit.verified', actor: 'system:cli', same_run: true },
  ]);
  const unsealed = await testDb.ownerQuery(
    'select from audit_logs l where not exists (select from audit.seals s where s.event_id = l.id)',
  );
  expect(unsealed.rowCount).toBe(0);

  const all = await runCli(['audit', 'verify'], envFor(testDb));
  expect(all.stdout).toMatch(/^system: intact: /m);
  expect(all.stdout).toMatch(headPattern);
  expect(all.code).toBe(0);

  // A head recorded by an earlier run still verifies.
  const head = headPattern.exec(one.stdout)?.[2] ?? '';
  const since = await runCli(['audit', 'verify', '--tenant', 'acme', '--head', head], envFor(testDb));
  expect(since.code).toBe(0);
});

test('audit verify turns red after a superuser edits a sealed event, and names where', async () => {
  await testDb.ownerQuery(tamperSql(`tenant_id = '${tenantId}' and action = 'tenant.create'`));
  const run = await runCli(['audit', 'verify', '--tenant', 'acme'], envFor(testDb));
  expect(run.stdout).toMatch(/^acme: BROKEN at position 1: modified — event [0-9a-f-]+ differs from what was sealed$/m);
  expect(run.stdout).toMatch(/^overall: BROKEN: 1 of 1 chains$/m);
  expect(run.code).toBe(1);
});
