// End to end: a bundle exported by the real server (GET /audit/export?format=bundle) checked by the standalone
// verifier (@skillhub/verify) against the key published at /.well-known/skillhub/checkpoint-keys, in both event
// formats; and the same bundle tampered on disk, with the event named.
import { checkpointSigner } from '@skillhub/core';
import { checkBundle, hashLeafText, nodeHasher, parseVerifierKey, type VerifierKey } from '@skillhub/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

let t: TestServer;
let acme: SignedUpUser;
let key: VerifierKey;

async function* linesOf(text: string) {
  yield* text.split('\n').filter((line, i, all) => !(line === '' && i === all.length - 1));
}
const check = (text: string, expectedOrigin?: string) =>
  checkBundle(linesOf(text), { keys: [key], hasher: nodeHasher, hashLeafText, expectedOrigin });

beforeAll(async () => {
  t = await startTestServer();
  acme = await signUpOwner(t, 'acme-bundle');
  for (const n of [1, 2, 3]) {
    const created = await acme.client.post('/skills', {
      name: `Skill ${n}`,
      slug: `skill-${n}`,
      description: 'd',
      content: 'c',
    });
    expect(created.status).toBe(201);
  }
  expect(await t.db.sealCommittedAuditEvents()).toBe(true);
  await t.db.signAuditCheckpoints(checkpointSigner(t.config));
  const published = await t.client.get<{ keys: { vkey: string; current: boolean }[] }>(
    '/.well-known/skillhub/checkpoint-keys',
  );
  const current = published.body.keys.find((k) => k.current);
  key = await parseVerifierKey(current?.vkey ?? '');
});
afterAll(() => t?.close());

describe.each(['jsonl', 'ocsf'])('a %s bundle from the server', (events) => {
  it('verifies offline, complete, against the published key and the tenant origin', async () => {
    const exported = await acme.client.get(`/audit/export?format=bundle&events=${events}`);
    expect(exported.status).toBe(200);
    const report = await check(exported.text, `${key.keyName}/audit/${acme.tenantId}`);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, complete: true, key: `${key.keyName}+${key.keyId}` });
    expect(report.eventsChecked).toBe(report.treeSize);
    expect(report.eventsChecked).toBeGreaterThan(5);
  });

  it('names the event whose readable action was edited on disk', async () => {
    const exported = await acme.client.get(`/audit/export?format=bundle&events=${events}`);
    const lines = exported.text.split('\n');
    const at = lines.findIndex((line) => line.includes('"skill.created"'));
    const victim = JSON.parse(lines[at] as string) as {
      leaf_index: number;
      canonical: string;
      event: Record<string, unknown>;
    };
    const id = JSON.parse(victim.canonical)[0] as string;
    lines[at] = (lines[at] as string).replace(/"(action|message)":"skill\.created"/, '"$1":"skill.viewed"');
    const report = await check(lines.join('\n'));
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'edited', leafIndex: victim.leaf_index, eventId: id }),
    ]);
  });
});
