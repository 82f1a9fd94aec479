/**
 * Verifier keys as C2SP signed-note and Go's `note` package write them:
 * `<key name>+<key id, 8 hex digits>+<base64(0x01 ‖ 32-byte Ed25519 key)>`.
 */
import { bytesEqual, concatBytes, fromBase64, toBase64, toHex, utf8 } from './bytes.ts';
import { hasControlCharacter } from './signed-note.ts';

/** An Ed25519 verifier key, parsed and with its key id checked. */
export interface VerifierKey {
  keyName: string;
  /** 8 lower-case hex digits. */
  keyId: string;
  /** The raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** The key in its text form. */
  vkey: string;
}

/** Why a verifier key was refused. */
export class VerifierKeyError extends Error {
  override readonly name = 'VerifierKeyError';
}

/** The signature type byte of Ed25519 in signed notes. */
export const ed25519SignatureType = 0x01;

const unicodeSpaceOrPlus = /[\s+]/u;
const keyIdShape = /^[0-9a-f]{8}$/;

/**
 * The key id of an Ed25519 key: the first 4 bytes of
 * SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key), as 8 hex digits.
 */
export async function computeKeyId(keyName: string, publicKey: Uint8Array): Promise<string> {
  const input = concatBytes(utf8(keyName), Uint8Array.of(0x0a, ed25519SignatureType), publicKey);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new Uint8Array(input)));
  return toHex(digest.subarray(0, 4));
}

/** The verifier key text for a name and a raw Ed25519 public key. */
export async function formatVerifierKey(keyName: string, publicKey: Uint8Array): Promise<string> {
  checkKeyName(keyName);
  if (publicKey.length !== 32) throw new VerifierKeyError('an Ed25519 public key is 32 bytes');
  const keyId = await computeKeyId(keyName, publicKey);
  return `${keyName}+${keyId}+${toBase64(concatBytes(Uint8Array.of(ed25519SignatureType), publicKey))}`;
}

/**
 * Parses a verifier key and checks that its key id is the one its name and
 * public key give. Throws {@link VerifierKeyError} otherwise.
 *
 * @example
 * const key = await parseVerifierKey('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k');
 */
export async function parseVerifierKey(vkey: string): Promise<VerifierKey> {
  if (typeof vkey !== 'string') throw new VerifierKeyError('a verifier key is text');
  const text = vkey.trim();
  // Names hold no plus sign and ids are hex, but the base64 part may contain '+': split at the first two only.
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw new VerifierKeyError('a verifier key has the form <name>+<key id>+<base64 key>');
  const keyName = text.slice(0, first);
  const keyId = text.slice(first + 1, second);
  const encoded = text.slice(second + 1);
  checkKeyName(keyName);
  if (!keyIdShape.test(keyId)) throw new VerifierKeyError('the key id of a verifier key is 8 lower-case hex digits');
  const material = fromBase64(encoded);
  if (!material || material.length !== 33) throw new VerifierKeyError('the key part is not base64 of 33 bytes');
  if (material[0] !== ed25519SignatureType)
    throw new VerifierKeyError('only Ed25519 verifier keys (type 0x01) are supported');
  const publicKey = material.slice(1);
  const expected = await computeKeyId(keyName, publicKey);
  if (expected !== keyId)
    throw new VerifierKeyError(`the key id ${keyId} does not match the key (it should be ${expected})`);
  return { keyName, keyId, publicKey, vkey: text };
}

/** Whether two parsed keys are the same key. */
export function sameKey(a: VerifierKey, b: VerifierKey): boolean {
  return a.keyName === b.keyName && a.keyId === b.keyId && bytesEqual(a.publicKey, b.publicKey);
}

function checkKeyName(keyName: string): void {
  if (keyName === '') throw new VerifierKeyError('the key name is empty');
  if (unicodeSpaceOrPlus.test(keyName)) throw new VerifierKeyError('a key name contains no space and no plus sign');
  if (hasControlCharacter(keyName)) throw new VerifierKeyError('a key name contains no control character');
}
