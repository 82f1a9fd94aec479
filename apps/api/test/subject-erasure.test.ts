// Crypto-shredding end to end (migrations 0046-0047): a member signs in, fails a sign-in and works from an
// address of their own; after erasure their email, name and address are nowhere in the database, a dump of it,
// the exports or the security activity, while the chain, the tree, an inclusion proof and an offline bundle
// still verify. Another workspace can neither erase nor read them (the runtime role's reach to the keys:
// packages/db/test/subject-keys-access.test.ts).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { checkpointSigner } from '@skillhub/core';
import { sql, systemActor } from '@skillhub/db';
import { checkBundle, hashLeafText, nodeHasher, parseVerifierKey } from '@skillhub/verify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { referenceLeaf, verifyInclusion } from '../../../packages/db/test/support/rfc9162-reference.ts';
import type { HttpClient } from './support/http-client.ts';
import { errorOf, inviteUser, signIn } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

const aliceEmail = 'alice.erasable@acme.test';
const aliceName = 'Alice Erasable-Person';
const aliceIp = '203.0.113.77';
const ghostEmail = 'ghost.unknown@acme.test';
const ghostIp = '198.51.100.99';
const traces = [aliceEmail, aliceName, aliceIp];
// What may still hold an erased address: the system chain's workspace lookups, made before any person is known
// (tenant.resolve, no tenant, no subject), whose address erasure does not reach (see migration 0046).
const beforeAnyPerson = /tenant\.resolve/;
const personalLines = (text: string, trace: string) =>
  text
    .split('\n')
    .filter(
      (line) => line.includes(trace) && !(trace.includes('.') && /^\d/.test(trace) && beforeAnyPerson.test(line)),
    );

let t: TestServer;
let owner: SignedUpUser;
let rival: SignedUpUser;
let aliceId: string;
let alice: HttpClient;

beforeAll(async () => {
  t = await startTestServer({ trustedProxies: ['loopback'] });
  owner = await signUpOwner(t, 'acme');
  rival = await signUpOwner(t, 'globex');
  const invited = await owner.client.post<{ user: { id: string }; temporaryPassword: string }>('/users', {
    email: aliceEmail,
    displayName: aliceName,
  });
  expect(invited.status).toBe(201);
  aliceId = invited.body.user.id;
  alice = t.client.fork({ headers: { 'x-forwarded-for': aliceIp, 'user-agent': 'AliceBrowser/1.0' } });
  expect((await signIn(alice, aliceEmail, 'not her password', 'acme')).status).toBe(401);
  expect((await signIn(alice, aliceEmail, invited.body.temporaryPassword, 'acme')).status).toBe(200);
  const ghost = t.client.fork({ headers: { 'x-forwarded-for': ghostIp } });
  expect((await signIn(ghost, ghostEmail, 'whatever it is', 'acme')).status).toBe(401);
  expect(await t.db.sealCommittedAuditEvents()).toBe(true);
});
afterAll(() => t?.close());

const erase = (client: HttpClient, subject: string, dryRun: boolean) =>
  client.post<Record<string, unknown>>('/audit/erasures', { subject, dryRun });

/** Every row of every table outside the catalogs, as text: what a backup holds. */
async function everyRowAsText(): Promise<string> {
  const { rows } = await t.testDb.ownerQuery<{ name: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')`,
  );
  const parts: string[] = [];
  for (const { name } of rows) {
    const { rows: data } = await t.testDb.ownerQuery<{ j: string }>(`select t::text as j from ${name} t`);
    parts.push(...data.map((r) => r.j));
  }
  return parts.join('\n');
}

/** pg_dump of the whole database when the pg_dump on PATH can dump this server; undefined when it cannot. */
async function pgDump(): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('pg_dump', ['--no-owner', t.testDb.ownerUrl], {
      maxBuffer: 512 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    // pg_dump refuses a server newer than itself (the embedded PostgreSQL 18 against a system pg_dump 15).
    if (/server version mismatch/.test(String((error as { stderr?: string }).stderr))) return undefined;
    throw error;
  }
}

describe('before erasure', () => {
  test('the workspace reads the person’s fields opened; the ledger holds them only encrypted', async () => {
    const page = await owner.client.get('/audit-events?limit=200');
    expect(page.status).toBe(200);
    expect(page.text).toContain(aliceEmail);
    expect(page.text).toContain(aliceIp);
    const { rows } = await t.testDb.ownerQuery<{ j: string }>('select l::text as j from audit_logs l');
    const ledger = rows.map((r) => r.j).join('\n');
    for (const trace of traces) expect(personalLines(ledger, trace), trace).toEqual([]);
  });

  test('a member still active is refused (409) and nothing changes; a dry run reports what would go', async () => {
    expect(errorOf(await erase(owner.client, aliceId, false))).toMatchObject({ status: 409, code: 'CONFLICT' });
    const dry = await erase(owner.client, aliceEmail.toUpperCase(), true);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ subject: `user:${aliceId}`, account: 'active', dryRun: true, eventsInClear: 0 });
    expect(dry.body.events).toBeGreaterThan(3);
    expect(dry.body.fields).toEqual(
      expect.arrayContaining(['new_record.email', 'new_record.display_name', 'ip_address']),
    );
    expect(dry.body.securityEvents).toBeGreaterThanOrEqual(2);
    // Her account's key; her address has none of its own (nothing was recorded of it without her account).
    expect(dry.body.keys).toBe(1);
    expect((await owner.client.get('/audit-events?limit=200')).text).toContain(aliceEmail);
  });

  test('a legal hold on the person, or on the whole workspace, refuses the erasure and its dry run until released', async () => {
    // By user id: a hold names its subject in clear, in its record and its ledger events, and outlives the
    // erasure (a record of a legal obligation); an id, unlike an address, says nothing once the account is erased.
    for (const subject of [aliceId, undefined]) {
      const hold = await owner.client.post<{ id: string }>('/audit/legal-holds', { subject, reason: 'matter 7' });
      expect(hold.status).toBe(201);
      for (const [who, dryRun] of [
        [aliceId, true],
        [aliceId, false],
        [ghostEmail, true],
      ] as const) {
        const refused = await erase(owner.client, who, dryRun);
        if (subject === aliceId && who === ghostEmail) {
          expect(refused.status).toBe(200);
          continue;
        }
        expect(errorOf(refused), `${who} ${dryRun}`).toMatchObject({ status: 409, code: 'CONFLICT' });
        expect(refused.text).toContain('legal hold');
      }
      const released = await owner.client.post(`/audit/legal-holds/${hold.body.id}/release`, { reason: 'closed' });
      expect(released.status).toBe(200);
    }
    expect((await erase(owner.client, aliceId, true)).status).toBe(200);
  });

  test('another workspace naming this one’s member erases nothing and learns nothing (404)', async () => {
    for (const dryRun of [true, false]) {
      for (const subject of [aliceId, aliceEmail, `user:${aliceId}`]) {
        expect(errorOf(await erase(rival.client, subject, dryRun))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
      }
    }
    const { rows } = await t.testDb.ownerQuery('select 1 from audit.subject_keys where subject = $1', [
      `user:${aliceId}`,
    ]);
    expect(rows).toHaveLength(1);
  });

  test('another workspace’s context opens none of these envelopes', async () => {
    const { rows } = await t.testDb.ownerQuery<{ personal: unknown }>(
      'select personal from audit_logs where tenant_id = $1 and personal is not null',
      [owner.tenantId],
    );
    expect(rows.length).toBeGreaterThan(0);
    const opened = await t.db.withTenant(rival.tenantId, systemActor('test'), (tx) =>
      tx.execute<{ r: { erased?: boolean; value?: unknown }[] }>(
        sql`select audit.reveal_personal(${JSON.stringify(rows[0]?.personal)}::jsonb) as r`,
      ),
    );
    const fields = opened.rows[0]?.r ?? [];
    expect(fields.length).toBeGreaterThan(0);
    expect(fields.every((f) => f.erased === true && f.value === undefined)).toBe(true);
  });

  test('a member may not erase anyone', async () => {
    const member = await inviteUser(t, owner, 'acme', 'plain.member@acme.test');
    expect(errorOf(await erase(member.client, ghostEmail, true))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  test('bad subjects are 400, with no row written', async () => {
    for (const subject of ['nobody', 'user:not-a-uuid', 'a\u0000b@acme.test', `${'x'.repeat(300)}@acme.test`]) {
      const response = await erase(owner.client, subject, false);
      expect(response.status, subject).toBe(400);
    }
  });
});

describe('after erasure', () => {
  let report: Record<string, unknown>;
  beforeAll(async () => {
    expect((await owner.client.post(`/users/${aliceId}/deactivate`)).status).toBe(200);
    const erased = await erase(owner.client, aliceId, false);
    expect(erased.status).toBe(200);
    report = erased.body;
    expect((await erase(owner.client, ghostEmail, false)).body).toMatchObject({
      subject: expect.stringMatching(/^email:[0-9a-f]{64}$/),
      account: 'none',
      dryRun: false,
    });
    expect(await t.db.sealCommittedAuditEvents()).toBe(true);
    await t.db.signAuditCheckpoints(checkpointSigner(t.config));
  });

  test('the erasure is recorded with the subject id and counts, never the values', async () => {
    expect(report).toMatchObject({ subject: `user:${aliceId}`, account: 'deactivated', keys: 1, dryRun: false });
    const { rows } = await t.testDb.ownerQuery<{ metadata: Record<string, unknown>; resource_id: string }>(
      `select metadata, resource_id from audit_logs where action = 'subject.erased' and tenant_id = $1 order by seq`,
      [owner.tenantId],
    );
    expect(rows.map((r) => r.resource_id)).toEqual([`user:${aliceId}`, expect.stringMatching(/^email:/)]);
    expect(JSON.stringify(rows)).not.toContain(ghostEmail);
  });

  test('no trace is left in audit_logs, security_events, or any table of the database', async () => {
    const everything = await everyRowAsText();
    for (const trace of [...traces, ghostEmail, ghostIp]) expect(personalLines(everything, trace), trace).toEqual([]);
    const { rows } = await t.testDb.ownerQuery<{ tenant_id: string | null; action: string }>(
      `select tenant_id, action from audit_logs where host(ip_address) = any ($1)`,
      [[aliceIp, ghostIp]],
    );
    expect(rows.every((r) => r.tenant_id === '' && r.action === 'tenant.resolve')).toBe(true);
  });

  test('nor in a pg_dump taken afterwards (when this pg_dump can dump the server)', async () => {
    const dump = await pgDump();
    if (dump === undefined) return;
    expect(dump).toContain('subject.erased');
    for (const trace of [...traces, ghostEmail, ghostIp]) expect(personalLines(dump, trace), trace).toEqual([]);
  });

  test('the timeline, the exports and the security activity say erased', async () => {
    for (const path of [
      '/audit-events?limit=200',
      '/audit/export?format=jsonl',
      '/audit/export?format=ocsf',
      '/audit/export?format=csv',
      '/audit/export?format=bundle&events=jsonl',
      '/audit/export?format=bundle&events=ocsf',
      '/security-events?limit=200',
    ]) {
      const response = await owner.client.get(path);
      expect(response.status, path).toBe(200);
      for (const trace of [...traces, ghostEmail, ghostIp])
        expect(response.text, `${path}: ${trace}`).not.toContain(trace);
    }
    const timeline = await owner.client.get<{
      events: { action: string; newRecord: Record<string, unknown> | null; ipAddress: string | null }[];
    }>('/audit-events?limit=200');
    const insert = timeline.body.events.find((e) => e.action === 'users.insert' && e.newRecord?.id === aliceId);
    expect(insert?.newRecord).toMatchObject({ email: 'erased', display_name: 'erased' });
    expect(insert?.ipAddress).not.toBe(aliceIp);
    expect((await owner.client.get('/security-events?limit=200')).text).toContain('"erased"');
  });

  test('the chain verifies, an inclusion proof of an erased event verifies, and a bundle verifies offline', async () => {
    const verified = await owner.client.post<{ intact: boolean }>('/audit/verify');
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ intact: true });

    const { rows } = await t.testDb.ownerQuery<{ id: string }>(
      `select id from audit_logs where tenant_id = $1 and personal ? $2 order by seq limit 1`,
      [owner.tenantId, `user:${aliceId}`],
    );
    const proof = await owner.client.get<{
      leaf_index: number;
      tree_size: number;
      canonical: string;
      proof: string[];
      checkpoint: { root_hash: string };
    }>(`/audit/events/${rows[0]?.id}/proof`);
    expect(proof.status).toBe(200);
    const b64 = (s: string) => Buffer.from(s, 'base64');
    const p = proof.body;
    const leaf = referenceLeaf(Buffer.from(p.canonical, 'utf8'));
    expect(verifyInclusion(p.leaf_index, p.tree_size, leaf, p.proof.map(b64), b64(p.checkpoint.root_hash))).toBe(true);
    expect(JSON.parse(p.canonical)).toHaveLength(20);

    const published = await t.client.get<{ keys: { vkey: string; current: boolean }[] }>(
      '/.well-known/skillhub/checkpoint-keys',
    );
    const key = await parseVerifierKey(published.body.keys.find((k) => k.current)?.vkey ?? '');
    for (const events of ['jsonl', 'ocsf']) {
      const bundle = await owner.client.get(`/audit/export?format=bundle&events=${events}`);
      const lines = bundle.text.split('\n').filter((line) => line !== '');
      async function* source() {
        yield* lines;
      }
      const checked = await checkBundle(source(), { keys: [key], hasher: nodeHasher, hashLeafText });
      expect(checked.problems, events).toEqual([]);
      expect(checked).toMatchObject({ ok: true, complete: true });
    }
  });
});
