import { checkpointSigner } from '@skillhub/core';
import { checkpointSignedBy, parseCheckpointNote, parseVerifierKey } from '@skillhub/db';
import * as verify from '@skillhub/verify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  referenceLeaf,
  verifyConsistency,
  verifyInclusion,
} from '../../../packages/db/test/support/rfc9162-reference.ts';
import { apiKeyClient } from './support/audit.ts';
import type { HttpClient } from './support/http-client.ts';
import { errorOf, inviteUser } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

interface Checkpoint {
  origin: string;
  tree_size: number;
  root_hash: string;
  checkpoint: string;
  key_id: string;
  key_name: string;
  created_at: string;
}
interface InclusionProof {
  leaf_index: number;
  tree_size: number;
  canonical: string;
  proof: string[];
  checkpoint: Checkpoint;
}
interface Key {
  key_name: string;
  key_id: string;
  vkey: string;
  public_key: string;
  current: boolean;
}

let t: TestServer;
let acme: SignedUpUser;
let globex: SignedUpUser;
let member: SignedUpUser;

const b64 = (s: string) => Buffer.from(s, 'base64');

/** Seals what was committed and signs checkpoints, as the server's sealer does every few seconds. */
async function checkpointNow() {
  expect(await t.db.sealCommittedAuditEvents()).toBe(true);
  await t.db.signAuditCheckpoints(checkpointSigner(t.config));
}

/** Event ids of a tenant's chain, in leaf order. */
const leafEvents = async (tenantId: string) =>
  (
    await t.testDb.ownerQuery<{ event_id: string }>(
      'select event_id from audit.seals where chain = $1 order by position',
      [tenantId],
    )
  ).rows.map((r) => r.event_id);

beforeAll(async () => {
  t = await startTestServer();
  acme = await signUpOwner(t, 'acme');
  globex = await signUpOwner(t, 'globex');
  member = await inviteUser(t, acme, 'acme', 'member@acme.test');
  await checkpointNow();
});
afterAll(() => t.close());

describe('the checkpoint', () => {
  test('is signed with the key published at the well-known URL', async () => {
    const keys = await t.client.get<{ keys: Key[] }>('/.well-known/skillhub/checkpoint-keys');
    expect(keys.status).toBe(200);
    const [current] = keys.body.keys;
    expect(current).toMatchObject({ current: true, key_name: t.config.auditOrigin });
    const key = parseVerifierKey(current?.vkey ?? '');
    expect(key.publicKey.toString('base64')).toBe(current?.public_key);

    const response = await acme.client.get<Checkpoint>('/audit/checkpoint');
    expect(response.status, response.text).toBe(200);
    const checkpoint = response.body;
    expect(checkpoint.origin).toBe(`${t.config.auditOrigin}/audit/${acme.tenantId}`);
    expect(checkpoint.key_id).toBe(current?.key_id);
    const note = parseCheckpointNote(checkpoint.checkpoint);
    expect(note.treeSize).toBe(checkpoint.tree_size);
    expect(note.rootHash.toString('base64')).toBe(checkpoint.root_hash);
    expect(checkpointSignedBy(note, key)).toBe(true);
  });

  test('of another tenant is never shown: each reads its own tree', async () => {
    const mine = await acme.client.get<Checkpoint>('/audit/checkpoint');
    const theirs = await globex.client.get<Checkpoint>('/audit/checkpoint');
    expect(mine.body.origin).not.toBe(theirs.body.origin);
    expect(theirs.body.origin.endsWith(globex.tenantId)).toBe(true);
  });
});

describe('inclusion proofs', () => {
  test('verify against the checkpoint for every event of the tenant (RFC 9162 §2.1.3.2)', async () => {
    const checkpoint = (await acme.client.get<Checkpoint>('/audit/checkpoint')).body;
    const events = await leafEvents(acme.tenantId);
    expect(events.length).toBeGreaterThanOrEqual(checkpoint.tree_size);
    for (const [index, id] of events.slice(0, checkpoint.tree_size).entries()) {
      const response = await acme.client.get<InclusionProof>(`/audit/events/${id}/proof`);
      expect(response.status, response.text).toBe(200);
      const p = response.body;
      expect(p.leaf_index).toBe(index);
      expect(p.checkpoint.checkpoint).toBe(checkpoint.checkpoint);
      const leaf = referenceLeaf(Buffer.from(p.canonical, 'utf8'));
      expect(verifyInclusion(p.leaf_index, p.tree_size, leaf, p.proof.map(b64), b64(checkpoint.root_hash))).toBe(true);
      // An edited event does not verify.
      const edited = referenceLeaf(Buffer.from(p.canonical.replace('"', "'"), 'utf8'));
      expect(verifyInclusion(p.leaf_index, p.tree_size, edited, p.proof.map(b64), b64(checkpoint.root_hash))).toBe(
        false,
      );
    }
  });

  test('against an earlier checkpoint by its size, and consistency proofs between checkpoints', async () => {
    const first = (await acme.client.get<Checkpoint>('/audit/checkpoint')).body;
    await acme.client.post('/api-keys', { name: 'more history', scopes: ['skills:read'] });
    await checkpointNow();
    const second = (await acme.client.get<Checkpoint>('/audit/checkpoint')).body;
    expect(second.tree_size).toBeGreaterThan(first.tree_size);
    const [firstEvent] = await leafEvents(acme.tenantId);
    const old = await acme.client.get<InclusionProof>(`/audit/events/${firstEvent}/proof?tree_size=${first.tree_size}`);
    expect(old.status, old.text).toBe(200);
    expect(old.body.checkpoint.root_hash).toBe(first.root_hash);
    const leaf = referenceLeaf(Buffer.from(old.body.canonical, 'utf8'));
    expect(verifyInclusion(0, first.tree_size, leaf, old.body.proof.map(b64), b64(first.root_hash))).toBe(true);

    const consistency = await acme.client.get<{ from: number; to: number; proof: string[] }>(
      `/audit/proofs/consistency?from=${first.tree_size}&to=${second.tree_size}`,
    );
    expect(consistency.status, consistency.text).toBe(200);
    const proof = consistency.body.proof.map(b64);
    expect(
      verifyConsistency(first.tree_size, second.tree_size, b64(first.root_hash), b64(second.root_hash), proof),
    ).toBe(true);
    // A fork (same size, another root) fails the same proof.
    const forked = referenceLeaf(Buffer.from('fork'));
    expect(verifyConsistency(first.tree_size, second.tree_size, forked, b64(second.root_hash), proof)).toBe(false);
  });
});

describe('the evidence bundle', () => {
  test('GET /audit/export?format=bundle verifies with the standalone verifier, and holds only the caller’s tree', async () => {
    await checkpointNow();
    const keys = await t.client.get<{ keys: Key[] }>('/.well-known/skillhub/checkpoint-keys');
    const key = await verify.parseVerifierKey(keys.body.keys[0]?.vkey ?? '');
    for (const events of ['jsonl', 'ocsf'] as const) {
      const response = await acme.client.get(`/audit/export?format=bundle&events=${events}`);
      expect(response.status, response.text).toBe(200);
      const lines = response.text.split('\n').filter(Boolean);
      async function* source() {
        yield* lines;
      }
      const report = await verify.checkBundle(source(), {
        keys: [key],
        hasher: verify.nodeHasher,
        hashLeafText: verify.hashLeafText,
        expectedOrigin: `${t.config.auditOrigin}/audit/${acme.tenantId}`,
      });
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.eventsChecked).toBe(JSON.parse(lines[0] ?? '{}').tree_size);
      expect(response.text).not.toContain(globex.tenantId);
    }
  });
});

describe('who may ask', () => {
  const routes = async () => {
    const [id] = await leafEvents(acme.tenantId);
    return ['/audit/checkpoint', `/audit/events/${id}/proof`, '/audit/proofs/consistency?from=1&to=2'];
  };

  test('without credentials: 401; as a member: 403; with a key lacking audit:read: 403', async () => {
    const skillsKey = await apiKeyClient(t, acme, ['skills:read']);
    for (const path of await routes()) {
      expect(errorOf(await t.client.get(path))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      expect(errorOf(await member.client.get(path))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      expect(errorOf(await skillsKey.get(path))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    }
  });

  test('an API key with audit:read may', async () => {
    const key: HttpClient = await apiKeyClient(t, acme, ['audit:read']);
    for (const path of await routes()) expect((await key.get(path)).status, path).toBe(200);
  });

  test('another tenant’s event id is 404, never a proof, by session and by key', async () => {
    const [theirs] = await leafEvents(globex.tenantId);
    const key = await apiKeyClient(t, acme, ['audit:read']);
    for (const client of [acme.client, key]) {
      const response = await client.get(`/audit/events/${theirs}/proof`);
      expect(errorOf(response)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
      expect(response.text).not.toContain('proof"');
    }
  });

  test('malformed input is a 4xx with a code, never a 5xx', async () => {
    const [id] = await leafEvents(acme.tenantId);
    const cases = [
      '/audit/events/not-a-uuid/proof',
      '/audit/events/00000000-0000-0000-0000-000000000000/proof',
      `/audit/events/${id}/proof?tree_size=0`,
      `/audit/events/${id}/proof?tree_size=99999999999999999999`,
      `/audit/events/${id}/proof?tree_size=1%00`,
      `/audit/events/${id}/proof?tree_size=3`,
      `/audit/events/${id}/proof?extra=1`,
      '/audit/proofs/consistency?from=5&to=2',
      '/audit/proofs/consistency?from=1&to=900000000',
      '/audit/proofs/consistency?from=abc&to=2',
      '/audit/proofs/consistency',
      `/audit/events/${id}/proof?tree_size=-1`,
      `/audit/events/${id}/proof?tree_size=1.5`,
      `/audit/events/${id}/proof?tree_size=1e2`,
      `/audit/events/${id}/proof?tree_size=NaN`,
      `/audit/events/${id}/proof?tree_size=9007199254740993`,
      '/audit/proofs/consistency?from=-1&to=2',
      '/audit/proofs/consistency?from=1.5&to=2',
      '/audit/proofs/consistency?from=2&to=9007199254740993',
      '/audit/proofs/consistency?from=2&to=2&to=3',
      '/audit/export?format=bundle&from=2026-02-30T00:00:00Z',
      '/audit/export?format=bundle&to=-infinity',
    ];
    for (const path of cases) {
      const response = await acme.client.get(path);
      expect(response.status, `${path}: ${response.text}`).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
      expect(errorOf(response).code, path).toMatch(/^[A-Z_]+$/);
    }
  });
});
