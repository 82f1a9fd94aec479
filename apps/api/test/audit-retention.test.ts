import {
  generateSignerKey,
  parseRetentionNote,
  parseSignerKey,
  parseVerifierKey,
  retentionNoteSignedBy,
} from '@skillhub/db';
import { checkBundle, hashLeafText, nodeHasher, parseVerifierKey as parseVkey } from '@skillhub/verify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorOf, inviteUser } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

/**
 * Retention over the API: the policy within the deployment's bounds, legal
 * holds placed and released by admins, the signed records a workspace
 * fetches to check itself; and another workspace can neither read nor
 * change any of it.
 */
const put = <T = Record<string, unknown>>(user: SignedUpUser, path: string, body: unknown) =>
  user.client.request<T>('PUT', path, { body });

let t: TestServer;
let a: SignedUpUser;
let b: SignedUpUser;
let member: SignedUpUser;
beforeAll(async () => {
  t = await startTestServer();
  a = await signUpOwner(t, 'keeper');
  b = await signUpOwner(t, 'intruder');
  member = await inviteUser(t, a, 'keeper', 'member@keeper.example');
});
afterAll(() => t.close());

describe('the policy', () => {
  test('an owner sets it within the bounds; below the minimum or above the maximum is a 400 that changes nothing', async () => {
    const low = await put(a, '/audit/retention/policy', { keepDays: t.config.retention.minDays - 1 });
    expect(low.status).toBe(400);
    expect(errorOf(low).code).toBe('VALIDATION_FAILED');
    for (const keepDays of [0, -5, 1.5, 100_000, '90']) {
      expect((await put(a, '/audit/retention/policy', { keepDays })).status).toBe(400);
    }
    const set = await put<{ keepDays: number; effectiveDays: number }>(a, '/audit/retention/policy', {
      keepDays: 90,
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ keepDays: 90, effectiveDays: 90, minDays: t.config.retention.minDays });
    const read = await a.client.get<{ policy: { keepDays: number } }>('/audit/retention');
    expect(read.body.policy.keepDays).toBe(90);
    const { rows } = await t.testDb.ownerQuery<{ metadata: { from: number | null; to: number } }>(
      `select metadata from audit_logs where tenant_id = $1 and action = 'audit.retention_policy_changed'`,
      [a.tenantId],
    );
    expect(rows.map((r) => r.metadata)).toEqual([expect.objectContaining({ from: null, to: 90 })]);
  });

  test('a member may not change it, nor place a hold', async () => {
    expect((await put(member, '/audit/retention/policy', { keepDays: 60 })).status).toBe(403);
    expect((await member.client.post('/audit/legal-holds', { reason: 'no' })).status).toBe(403);
    expect((await member.client.get('/audit/retention')).status).toBe(403);
  });
});

describe('legal holds', () => {
  test('placed and released with a reason, each recorded; a bad subject or an empty reason is a 400', async () => {
    const placed = await a.client.post<{ id: string; subject: string | null }>('/audit/legal-holds', {
      subject: 'Custodian@Keeper.example',
      reason: 'matter 12',
    });
    expect(placed.status).toBe(201);
    expect(placed.body.subject).toBe('custodian@keeper.example');
    expect((await a.client.post('/audit/legal-holds', { subject: 'not an email', reason: 'x' })).status).toBe(400);
    expect((await a.client.post('/audit/legal-holds', { reason: '' })).status).toBe(400);
    expect((await a.client.post('/audit/legal-holds', { reason: '   ' })).status).toBe(400);
    const released = await a.client.post(`/audit/legal-holds/${placed.body.id}/release`, { reason: 'closed' });
    expect(released.status).toBe(200);
    expect((await a.client.post(`/audit/legal-holds/${placed.body.id}/release`, { reason: 'again' })).status).toBe(404);
    const { rows } = await t.testDb.ownerQuery<{ action: string }>(
      `select action from audit_logs where tenant_id = $1 and action like 'legal_hold.%' order by seq`,
      [a.tenantId],
    );
    expect(rows.map((r) => r.action)).toEqual(['legal_hold.placed', 'legal_hold.released']);
  });

  test('another workspace cannot see, release or change this one’s holds and policy', async () => {
    const placed = await a.client.post<{ id: string }>('/audit/legal-holds', { reason: 'keep everything' });
    const theirs = await b.client.get<{ holds: { id: string }[]; policy: { keepDays: number | null } }>(
      '/audit/retention',
    );
    expect(theirs.status).toBe(200);
    expect(theirs.body.holds.map((h) => h.id)).not.toContain(placed.body.id);
    expect(theirs.body.policy.keepDays).toBeNull();
    const release = await b.client.post(`/audit/legal-holds/${placed.body.id}/release`, { reason: 'mine now' });
    expect(release.status).toBe(404);
    expect((await put(b, '/audit/retention/policy', { keepDays: 31 })).status).toBe(200);
    const ours = await a.client.get<{
      holds: { id: string; releasedAt: string | null }[];
      policy: { keepDays: number };
    }>('/audit/retention');
    expect(ours.body.holds.find((h) => h.id === placed.body.id)?.releasedAt).toBeNull();
    expect(ours.body.policy.keepDays).toBe(90);
    await a.client.post(`/audit/legal-holds/${placed.body.id}/release`, { reason: 'done' });
  });
});

test('a removal shows as a signed record the workspace checks itself, and verify reports it as removed by policy', async () => {
  await t.testDb.ownerQuery(`begin; set local session_replication_role = replica;
    update audit_logs set created_at = now() - interval '400 days' where tenant_id = '${b.tenantId}';
    commit;`);
  const { runRetention } = await import('@skillhub/core');
  await t.db.sealCommittedAuditEvents();
  const [outcome] = await runRetention(t.db, t.config, [b.tenantId]);
  expect(outcome?.status).toBe('removed');
  const state = await b.client.get<{ records: { note: string; endLeaf: number }[] }>('/audit/retention');
  const note = parseRetentionNote(state.body.records[0]?.note ?? '');
  const keys = await t.client.get<{ keys: { vkey: string }[] }>('/.well-known/skillhub/checkpoint-keys');
  const published = keys.body.keys.map((k) => parseVerifierKey(k.vkey));
  expect(retentionNoteSignedBy(note, published)).toBe(true);
  expect(retentionNoteSignedBy(note, [parseSignerKey(generateSignerKey(t.config.auditOrigin))])).toBe(false);
  const verified = await b.client.post<{ intact: boolean; removed: { endLeaf: number; record: string }[] }>(
    '/audit/verify',
  );
  expect(verified.status).toBe(200);
  expect(verified.body.intact).toBe(true);
  expect(verified.body.removed).toEqual([expect.objectContaining({ endLeaf: note.endLeaf })]);
  // The chain's state (what the console's banner reads on load) names the same range, without verifying.
  const chain = await b.client.get<{ removed: { startLeaf: number; endLeaf: number }[] }>('/audit/status');
  expect(chain.body.removed).toEqual([expect.objectContaining({ startLeaf: 0, endLeaf: note.endLeaf })]);
  const other = await a.client.get<{ removed: unknown[] }>('/audit/status');
  expect(other.body.removed).toEqual([]);
});

test('an offline bundle after retention verifies with the standalone verifier, the removed prefix named', async () => {
  const { checkpointSigner } = await import('@skillhub/core');
  await b.client.post('/skills', { name: 'After', slug: 'after', description: 'd', content: 'c' });
  expect(await t.db.sealCommittedAuditEvents()).toBe(true);
  await t.db.signAuditCheckpoints(checkpointSigner(t.config));
  const exported = await b.client.get('/audit/export?format=bundle');
  expect(exported.status).toBe(200);
  const keys = await t.client.get<{ keys: { vkey: string; current: boolean }[] }>(
    '/.well-known/skillhub/checkpoint-keys',
  );
  const key = await parseVkey(keys.body.keys.find((k) => k.current)?.vkey ?? '');
  const check = (text: string) =>
    checkBundle(
      (async function* () {
        yield* text.trimEnd().split('\n');
      })(),
      { keys: [key], hasher: nodeHasher, hashLeafText },
    );
  const report = await check(exported.text);
  expect(report.problems).toEqual([]);
  expect(report.ok).toBe(true);
  expect(report.removedByPolicy).toEqual([expect.objectContaining({ startLeaf: 0 })]);
  const removedEnd = report.removedByPolicy?.[0]?.endLeaf ?? 0;
  expect(report.eventsChecked).toBe((report.treeSize ?? 0) - removedEnd);

  // Without its records the same bundle is missing leaves; with a record re-signed by another key, forged.
  const [header = '', ...rest] = exported.text.split('\n');
  const parsed = JSON.parse(header) as { retention: string[] };
  const stripped = await check([JSON.stringify({ ...parsed, retention: undefined }), ...rest].join('\n'));
  expect(stripped.problems).toEqual([expect.objectContaining({ kind: 'removed', leafIndex: 0 })]);
  const other = parseSignerKey(generateSignerKey(key.keyName));
  const { signNote } = await import('@skillhub/db');
  const body = parseRetentionNote(parsed.retention[0] ?? '').body;
  const forged = await check([JSON.stringify({ ...parsed, retention: [signNote(other, body)] }), ...rest].join('\n'));
  expect(forged.problems).toEqual([
    expect.objectContaining({ kind: 'retention-forged' }),
    expect.objectContaining({ kind: 'removed', leafIndex: 0 }),
  ]);
  expect(forged.ok).toBe(false);
});
