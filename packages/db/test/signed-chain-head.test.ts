import { generateKeyPairSync } from 'node:crypto';
import { expect, test } from 'vitest';
import { checkSignedChainHead, signChainHead, signedHeadPayload } from '../src/index.ts';

const pem = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};
const signer = pem();
const stranger = pem();
const head = { position: 42, hash: 'ab'.repeat(32) };

test('a signed head checks with the signer’s public key and no other', () => {
  const signed = signChainHead('tenant-1', head, signer.privateKey, new Date('2026-01-02T03:04:05Z'));
  expect(signedHeadPayload(signed).toString()).toBe(
    `skillhub-audit-head/v1\ntenant-1\n42\n${'ab'.repeat(32)}\n2026-01-02T03:04:05.000Z\n`,
  );
  expect(checkSignedChainHead(signed, signer.publicKey)).toEqual({ valid: true, head: signed });
  expect(checkSignedChainHead(signed, stranger.publicKey)).toMatchObject({ valid: false });
});

test('every signed field is covered: changing any one breaks the signature', () => {
  const signed = signChainHead('tenant-1', head, signer.privateKey);
  const edits = [
    { chain: 'tenant-2' },
    { position: 41 },
    { hash: 'cd'.repeat(32) },
    { signedAt: new Date(0).toISOString() },
  ];
  for (const edit of edits) {
    expect(checkSignedChainHead({ ...signed, ...edit }, signer.publicKey)).toMatchObject({ valid: false });
  }
});

test('the key a document carries is never trusted: a forger who re-signs with their own key fails', () => {
  const forged = signChainHead('tenant-1', { position: 1, hash: 'ef'.repeat(32) }, stranger.privateKey);
  expect(forged.publicKey).toBe(stranger.publicKey);
  expect(checkSignedChainHead(forged, signer.publicKey)).toMatchObject({ valid: false });
});

test('malformed documents and keys are refused with a reason', () => {
  expect(checkSignedChainHead({ format: 'other' }, signer.publicKey)).toEqual({
    valid: false,
    reason: 'not a skillhub-audit-head/v1 document',
  });
  expect(checkSignedChainHead(null, signer.publicKey)).toMatchObject({ valid: false });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  expect(() => signChainHead('t', head, rsa.toString())).toThrow('the private key is a rsa key, not Ed25519');
  expect(() => checkSignedChainHead({}, 'nonsense')).toThrow('the public key is not a PEM key');
});
