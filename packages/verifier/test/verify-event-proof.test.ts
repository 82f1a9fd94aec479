// One event's proof and the published keys, as the console checks them (WebCrypto), on answers built here.
import { describe, expect, it } from 'vitest';
import { verifyEventProof } from '../src/verify-event-proof.ts';
import { buildBundle } from './support/bundle-builder.ts';
import { newSigner } from './support/signing.ts';

const signer = newSigner('skillhub.test');
const bundle = buildBundle(signer, 11);
const leaf = 6;
const line = JSON.parse(bundle.lines[leaf + 1] as string) as { canonical: string; proof: string[] };
const eventId = bundle.events[leaf]?.id as string;
const answer = () => ({
  leaf_index: leaf,
  tree_size: 11,
  canonical: line.canonical,
  proof: [...line.proof],
  checkpoint: {
    origin: bundle.origin,
    tree_size: 11,
    root_hash: bundle.tree.root.toString('base64'),
    checkpoint: bundle.checkpoint,
    key_id: signer.keyId,
    key_name: signer.keyName,
  },
});
const keysOf = (...signers: (typeof signer)[]) => ({
  keys: signers.map((s, i) => ({
    key_name: s.keyName,
    key_id: s.keyId,
    vkey: s.vkey,
    public_key: s.publicKey.toString('base64'),
    current: i === 0,
  })),
});

describe('verifyEventProof', () => {
  it('verifies a good proof and names the key', async () => {
    expect(await verifyEventProof(eventId, answer(), keysOf(newSigner('skillhub.test'), signer))).toMatchObject({
      ok: true,
      leafIndex: leaf,
      treeSize: 11,
      origin: bundle.origin,
      key: { keyId: signer.keyId, vkey: signer.vkey },
    });
  });

  it.each([
    ['another event', (a: ReturnType<typeof answer>) => ({ ...a }), 'edited', 'other-id'],
    [
      'an edited canonical text',
      (a: ReturnType<typeof answer>) => ({ ...a, canonical: a.canonical.replace('user-', 'admin-') }),
      'edited',
      undefined,
    ],
    ['another leaf index', (a: ReturnType<typeof answer>) => ({ ...a, leaf_index: 5 }), 'edited', undefined],
    [
      'an edited proof',
      (a: ReturnType<typeof answer>) => ({
        ...a,
        proof: [a.proof[1] as string, a.proof[0] as string, ...a.proof.slice(2)],
      }),
      'edited',
      undefined,
    ],
    [
      'a forged checkpoint',
      (a: ReturnType<typeof answer>) => ({
        ...a,
        checkpoint: { ...a.checkpoint, checkpoint: a.checkpoint.checkpoint.replace('\n11\n', '\n12\n') },
      }),
      'checkpoint-forged',
      undefined,
    ],
    [
      'checkpoint fields that differ from the signed ones',
      (a: ReturnType<typeof answer>) => ({ ...a, checkpoint: { ...a.checkpoint, tree_size: 12 } }),
      'checkpoint-forged',
      undefined,
    ],
    [
      'a proof for another tree size',
      (a: ReturnType<typeof answer>) => ({ ...a, tree_size: 10 }),
      'checkpoint-forged',
      undefined,
    ],
    ['not a proof at all', () => ({ nonsense: true }) as unknown as ReturnType<typeof answer>, 'malformed', undefined],
  ])('refuses %s', async (_what, change, kind, otherId) => {
    const verdict = await verifyEventProof(otherId ?? eventId, change(answer()), keysOf(signer));
    expect(verdict).toMatchObject({ ok: false, kind });
  });

  it('refuses a checkpoint signed by no published key, and a published key whose raw form disagrees', async () => {
    expect(await verifyEventProof(eventId, answer(), keysOf(newSigner('skillhub.test')))).toMatchObject({
      ok: false,
      kind: 'unknown-key',
    });
    const lying = keysOf(signer);
    (lying.keys[0] as { public_key: string }).public_key = newSigner('x').publicKey.toString('base64');
    expect(await verifyEventProof(eventId, answer(), lying)).toMatchObject({ ok: false, kind: 'unknown-key' });
  });
});
