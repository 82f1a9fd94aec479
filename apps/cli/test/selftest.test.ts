import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, expect, test } from 'vitest';
import { startPgBouncer } from '../../../packages/db/test/support/pgbouncer.ts';
import { envFor, runCli } from './support/run-cli.ts';

/**
 * `skillhub selftest` end to end, as a customer runs it against their own
 * deployment (DATABASE_URL and APP_DATABASE_URL; the server started in
 * process): every check holds, the signed result is in the system chain
 * and verifies, the canaries are gone. Then, on a throwaway database whose
 * skills policy the owner weakened, it must exit 1 naming the checks that
 * caught it.
 */
const databases: TestDatabase[] = [];

afterAll(async () => {
  for (const testDb of databases) await testDb.drop();
});

interface Report {
  summary: { checks: number; held: number; failed: number; failedChecks: string[]; canaries: string[] };
  signature: { value: string; keyId: string };
  checks: { name: string; result: string; detail: string }[];
}

test('selftest passes on a sound deployment, records a signed result that verifies, and removes its canaries', async () => {
  const testDb = await createTestDatabase();
  databases.push(testDb);
  // Statistics to find: pg_stats would show the canaries' most common values to any role it did not hide them from.
  await testDb.ownerQuery('analyze');
  const run = await runCli(['selftest', '--json'], envFor(testDb), { timeoutMs: 240_000 });
  expect(run.stderr).not.toMatch(/skillhub: /);
  const report = JSON.parse(run.stdout) as Report;
  expect(report.checks.filter((c) => c.result === 'failed')).toEqual([]);
  expect(run.code).toBe(0);
  const areas = new Set(report.checks.map((c) => c.name.split(':')[0]));
  for (const area of ['http listing', 'http host', 'http foreign id', 'sql read', 'sql context', 'sql ledger']) {
    expect(areas).toContain(area);
  }
  expect(report.summary.checks).toBeGreaterThan(150);

  const recorded = await testDb.ownerQuery<{ event_type: string; severity: string; details: Report['summary'] }>(
    `select event_type, severity, details from security_events
      where tenant_id = '' and details ->> 'kind' = 'isolation_selftest'`,
  );
  expect(recorded.rows).toHaveLength(1);
  expect(recorded.rows[0]).toMatchObject({ event_type: 'access_blocked', severity: 'info' });
  expect(recorded.rows[0]?.details).toMatchObject({ failed: 0, checks: report.summary.checks });

  const verify = await runCli(['selftest', 'verify', '--json'], envFor(testDb));
  expect(verify.code).toBe(0);
  const verdicts = JSON.parse(verify.stdout) as { signatureValid: boolean; sealed: unknown }[];
  expect(verdicts).toEqual([expect.objectContaining({ signatureValid: true, sealed: expect.anything() })]);

  // A result edited after the fact (here: a failure hidden) no longer verifies.
  await testDb.ownerQuery(`begin; set local session_replication_role = replica;
    update security_events set details = jsonb_set(details, '{held}', '0') where details ->> 'kind' = 'isolation_selftest';
    commit;`);
  const tampered = await runCli(['selftest', 'verify'], envFor(testDb));
  expect(tampered.code).toBe(1);
  expect(tampered.stdout).toMatch(/signature INVALID/);

  // The canaries: no rows left, workspaces deactivated, their chains kept.
  const left = await testDb.ownerQuery<{ slug: string; is_active: boolean; skills: number; users: number }>(
    `select t.slug, t.is_active,
            (select count(*)::int from skills s where s.tenant_id = t.id) as skills,
            (select count(*)::int from users u where u.tenant_id = t.id) as users
       from tenants t where t.slug = any($1)`,
    [report.summary.canaries],
  );
  expect(left.rows).toHaveLength(2);
  expect(left.rows.every((r) => !r.is_active && r.skills === 0 && r.users === 0)).toBe(true);
}, 300_000);

test('selftest detects a weakened policy: exit 1, the failing checks named, a critical result recorded', async () => {
  const testDb = await createTestDatabase();
  databases.push(testDb);
  await testDb.ownerQuery('alter policy tenant_isolation on skills using (true)');
  const run = await runCli(['selftest'], envFor(testDb), { timeoutMs: 240_000 });
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/check\(s\) FAILED/);
  expect(run.stdout).toMatch(/^FAIL sql read: skills$/m);
  // The API's own listing does not leak even so: its query names the tenant (sameTenant, the Citus plan's
  // step 4), so only SQL that leans on the policy alone shows the weakness.
  expect(run.stdout).not.toMatch(/^FAIL http listing: GET \/skills/m);
  const recorded = await testDb.ownerQuery<{ event_type: string; severity: string }>(
    `select event_type, severity from security_events where details ->> 'kind' = 'isolation_selftest'`,
  );
  expect(recorded.rows).toEqual([{ event_type: 'suspicious_activity', severity: 'critical' }]);
}, 300_000);

test('an unreachable database is one line on stderr and exit 1', async () => {
  const run = await runCli(['selftest'], {
    DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    APP_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  });
  expect(run.code).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(/^skillhub: /);
}, 60_000);

test('selftest passes through PgBouncer in transaction mode, as a pooled deployment runs it', async () => {
  const testDb = await createTestDatabase();
  databases.push(testDb);
  // APP_DATABASE_URL names the pooler's port: the runtime role's every statement goes through it.
  const bouncer = await startPgBouncer(testDb.appUrl, { poolSize: 4 });
  try {
    const run = await runCli(
      ['selftest', '--json'],
      { ...envFor(testDb, bouncer.url), SKILLHUB_LISTEN_URL: testDb.appUrl },
      { timeoutMs: 240_000 },
    );
    expect(run.stderr).not.toMatch(/skillhub: /);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.checks.filter((c) => c.result === 'failed')).toEqual([]);
    expect(run.code).toBe(0);
    expect(report.summary.checks).toBeGreaterThan(150);
  } finally {
    await bouncer.stop();
  }
}, 300_000);
