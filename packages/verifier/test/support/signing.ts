/**
 * Ed25519 keys and signed checkpoints made with node:crypto for the tests and
 * the benchmark, written from the C2SP specifications independently of the
 * verifier's own parsing.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

/** A freshly generated signing key with its verifier key text. */
export interface TestSigner {
  keyName: string;
  keyId: string;
  publicKey: Buffer;
  privateKey: KeyObject;
  vkey: string;
}

/** A new Ed25519 key named `keyName`, and its C2SP verifier key. */
export function newSigner(keyName: string): TestSigner {
  const { publicKey: publicKeyObject, privateKey } = generateKeyPairSync('ed25519');
  const publicKey = Buffer.from(publicKeyObject.export({ format: 'jwk' }).x as string, 'base64url');
  const keyId = createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${keyName}\n`), Buffer.of(1), publicKey]))
    .digest()
    .subarray(0, 4)
    .toString('hex');
  const vkey = `${keyName}+${keyId}+${Buffer.concat([Buffer.of(1), publicKey]).toString('base64')}`;
  return { keyName, keyId, publicKey, privateKey, vkey };
}

/** The signature line of `signer` over `text`. */
export function signatureLine(signer: TestSigner, text: string): string {
  const signature = sign(null, Buffer.from(text, 'utf8'), signer.privateKey);
  return `\u2014 ${signer.keyName} ${Buffer.concat([Buffer.from(signer.keyId, 'hex'), signature]).toString('base64')}\n`;
}

/** A checkpoint note for `origin`, `treeSize` and `root`, signed by each of `signers`. */
export function signCheckpoint(origin: string, treeSize: number, root: Uint8Array, ...signers: TestSigner[]): string {
  const text = `${origin}\n${treeSize}\n${Buffer.from(root).toString('base64')}\n`;
  return `${text}\n${signers.map((signer) => signatureLine(signer, text)).join('')}`;
}
