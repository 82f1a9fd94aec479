import { loadConfig, signIn } from '@skillhub/core';
import { tenantTableNames } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type CliRun, envFor, runCli } from './support/run-cli.ts';

let testDb: TestDatabase;
let demo: CliRun;
const demoTenants = ['acme', 'globex', 'initech'];
// The loader publishes ~45 skills and 1,000 bulk ones, and hashes a password per user: minutes on a busy machine.
const slow = { timeoutMs: 240_000 };

beforeAll(async () => {
  testDb = await createTestDatabase();
  demo = await runCli(['demo', '--scale', '1'], envFor(testDb), slow);
}, 250_000);
afterAll(() => testDb.drop());

const tenantIds = async () =>
  new Map(
    (await testDb.ownerQuery<{ slug: string; id: string }>('select slug, id from tenants')).rows.map((t) => [
      t.slug,
      t.id,
    ]),
  );

test('demo loads three workspaces with rows in every tenant table and prints how to sign in as each owner', async () => {
  expect(demo.stderr).toBe('');
  expect(demo.code).toBe(0);
  expect(demo.stdout).toMatch(/^scale: 1 tenant × 1,000 skills generated$/m);
  expect(demo.stdout).toMatch(/^Start the server: {2}npx skillhub serve/m);
  const ids = await tenantIds();
  for (const table of tenantTableNames) {
    const { rows } = await testDb.ownerQuery<{ tenant_id: string; n: number }>(
      `select tenant_id, count(*)::int as n from ${table} group by tenant_id`,
    );
    const counts = new Map(rows.map((r) => [r.tenant_id, r.n]));
    // Bulk tenants get everything but API keys.
    const slugs = table === 'api_keys' ? demoTenants : [...demoTenants, 'scale-1'];
    for (const slug of slugs)
      expect([table, slug, counts.get(ids.get(slug) ?? '')]).toEqual([table, slug, expect.any(Number)]);
  }
  const scaleSkills = await testDb.ownerQuery<{ n: number }>(
    'select count(*)::int as n from skills where tenant_id = $1',
    [ids.get('scale-1')],
  );
  expect(scaleSkills.rows[0]?.n).toBe(1_000);

  // Each printed owner signs in with the printed password.
  const db = await testDb.openApp();
  for (const slug of demoTenants) {
    const line = new RegExp(`^ {2}workspace ${slug} +email (\\S+) +password (\\S+)$`, 'm').exec(demo.stdout);
    const signedIn = await signIn(db, loadConfig({}), {
      email: line?.[1] ?? '',
      password: line?.[2] ?? '',
      workspace: slug,
      ip: '127.0.0.1',
      device: { fingerprint: null, userAgent: 'vitest', location: null },
      requestId: 'demo-test',
    });
    expect(signedIn.tenantId).toBe(ids.get(slug));
  }
});

test('the demo went through the real use cases: audit events, change capture and sign-in security events', async () => {
  const ids = await tenantIds();
  for (const slug of demoTenants) {
    const actions = await testDb.ownerQuery<{ action: string }>(
      'select distinct action from audit_logs where tenant_id = $1',
      [ids.get(slug)],
    );
    expect(actions.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining([
        'user.invited',
        'skill.created',
        'skill.version_published',
        'rating.created',
        'review.created',
        'api_key.created',
        'api_key.revoked',
        'usage_events.insert',
        'auth.sign_in',
      ]),
    );
    const security = await testDb.ownerQuery<{ event_type: string }>(
      'select distinct event_type::text from security_events where tenant_id = $1',
      [ids.get(slug)],
    );
    expect(security.rows.map((r) => r.event_type)).toEqual(
      expect.arrayContaining(['login_failed', 'login_success', 'suspicious_activity', 'access_blocked']),
    );
  }
  const spread = await testDb.ownerQuery<{ days: number }>(
    `select count(distinct date_trunc('day', occurred_at))::int as days from usage_events where tenant_id = $1`,
    [ids.get('acme')],
  );
  expect(spread.rows[0]?.days).toBeGreaterThan(20);
});

test('audit verify finds every chain intact after the demo; a second demo run skips what exists', async () => {
  const verify = await runCli(['audit', 'verify'], envFor(testDb), slow);
  expect(verify.stdout).toMatch(/^overall: intact: \d+ events in \d+ chains$/m);
  expect(verify.code).toBe(0);

  const again = await runCli(['demo'], envFor(testDb), slow);
  expect(again.code).toBe(0);
  for (const slug of demoTenants) expect(again.stdout).toMatch(new RegExp(`^${slug}: exists, skipped`, 'm'));
  expect(again.stdout).not.toMatch(/^Sign in as an owner/m);
});
