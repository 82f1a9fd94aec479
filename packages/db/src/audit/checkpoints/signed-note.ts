import { createHash, createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { DbError } from '../../errors.ts';

/**
 * Checkpoints as C2SP tlog-checkpoint bodies in C2SP signed notes, with
 * Ed25519 keys named and identified as Go's golang.org/x/mod/sumdb/note
 * does, so any tool of that ecosystem reads them:
 * - key id: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key);
 * - verifier key: `<name>+<id, 8 hex>+<base64(0x01 ‖ public key)>`;
 * - signer key: `PRIVATE+KEY+<name>+<id, 8 hex>+<base64(0x01 ‖ 32-byte seed)>`;
 * - note: body, a blank line, `— <name> <base64(id ‖ signature)>` per signature.
 */
export interface CheckpointKey {
  /** The key's name: the deployment name. */
  name: string;
  /** 4 bytes. */
  id: Buffer;
  /** The raw 32-byte Ed25519 public key. */
  publicKey: Buffer;
}

export interface CheckpointSigningKey extends CheckpointKey {
  privateKey: KeyObject;
}

export interface ParsedCheckpoint {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
  /** The exact bytes the signatures cover. */
  body: string;
  signatures: { name: string; keyId: Buffer; signature: Buffer }[];
}

const ed25519Algorithm = 0x01;
// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): node:crypto takes keys as PEM, DER or JWK.
const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
const emDash = '\u2014';

function checkKeyName(name: string): void {
  if (name === '' || /[\s+]/u.test(name) || name.length > 200) {
    throw new DbError('INVALID_SIGNING_KEY', `"${name}" cannot name a key: no spaces, no "+", at most 200 characters`);
  }
}

/** The signed-note key id of an Ed25519 public key under `name`. */
export function checkpointKeyId(name: string, publicKey: Buffer): Buffer {
  return createHash('sha256')
    .update(`${name}\n`)
    .update(Buffer.from([ed25519Algorithm]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

/** `<name>+<id>+<base64(0x01 ‖ public key)>`, the form verifiers are given. */
export const verifierKey = (key: CheckpointKey): string =>
  `${key.name}+${key.id.toString('hex')}+${Buffer.concat([Buffer.from([ed25519Algorithm]), key.publicKey]).toString('base64')}`;

// The last field is base64, which may hold '+' itself: split off the others only.
function keyParts(text: string, fields: number, what: string): string[] {
  const parts = text.trim().split('+');
  if (parts.length < fields) throw new DbError('INVALID_SIGNING_KEY', `not a ${what}`);
  return [...parts.slice(0, fields - 1), parts.slice(fields - 1).join('+')];
}

function keyData(encoded: string, what: string): Buffer {
  const data = Buffer.from(encoded, 'base64');
  if (data.length !== 33 || data[0] !== ed25519Algorithm || data.toString('base64') !== encoded) {
    throw new DbError('INVALID_SIGNING_KEY', `the ${what} does not hold an Ed25519 key`);
  }
  return data.subarray(1);
}

/** Parses a verifier key string; throws INVALID_SIGNING_KEY when it is malformed or its id does not match. */
export function parseVerifierKey(text: string): CheckpointKey {
  const [name = '', id = '', data = ''] = keyParts(text, 3, 'verifier key (<name>+<id>+<base64 key>)');
  checkKeyName(name);
  const publicKey = keyData(data, 'verifier key');
  const expected = checkpointKeyId(name, publicKey);
  if (id !== expected.toString('hex'))
    throw new DbError('INVALID_SIGNING_KEY', 'the verifier key’s id does not match its key');
  return { name, id: expected, publicKey };
}

/** Parses a signer key string (`PRIVATE+KEY+…`); throws INVALID_SIGNING_KEY when it is malformed. */
export function parseSignerKey(text: string): CheckpointSigningKey {
  const [p, k, name = '', id = '', data = ''] = keyParts(text, 5, 'signer key (PRIVATE+KEY+<name>+<id>+<base64 seed>)');
  if (p !== 'PRIVATE' || k !== 'KEY') throw new DbError('INVALID_SIGNING_KEY', 'a signer key starts with PRIVATE+KEY+');
  checkKeyName(name);
  const seed = keyData(data, 'signer key');
  const privateKey = createPrivateKey({ key: Buffer.concat([pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32);
  const keyId = checkpointKeyId(name, publicKey);
  if (id !== keyId.toString('hex'))
    throw new DbError('INVALID_SIGNING_KEY', 'the signer key’s id does not match its key');
  return { name, id: keyId, publicKey, privateKey };
}

/** A fresh signer key string named `name`. */
export function generateSignerKey(name: string): string {
  checkKeyName(name);
  const seed = randomBytes(32);
  const privateKey = createPrivateKey({ key: Buffer.concat([pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32);
  const id = checkpointKeyId(name, publicKey).toString('hex');
  return `PRIVATE+KEY+${name}+${id}+${Buffer.concat([Buffer.from([ed25519Algorithm]), seed]).toString('base64')}`;
}

/** The checkpoint body of C2SP tlog-checkpoint: origin, size, base64 root, each on its line. */
export const checkpointBody = (origin: string, treeSize: number, rootHash: Buffer): string =>
  `${origin}\n${treeSize}\n${rootHash.toString('base64')}\n`;

/** The signed note of a checkpoint, signed with `key`. */
export function signCheckpoint(key: CheckpointSigningKey, origin: string, treeSize: number, rootHash: Buffer): string {
  return signNote(key, checkpointBody(origin, treeSize, rootHash));
}

/** A signed note split into its body (ending in a newline) and its signature lines. */
export interface SplitNote {
  body: string;
  signatures: { name: string; keyId: Buffer; signature: Buffer }[];
}

/** Splits any signed note; throws INVALID_INPUT, naming `what`, when it is not one. Checks no signature. */
export function splitSignedNote(note: string, what: string): SplitNote {
  const fail = (why: string): never => {
    throw new DbError('INVALID_INPUT', `not a signed ${what}: ${why}`);
  };
  const split = note.indexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) fail('no blank line between body and signatures');
  const signatures = note
    .slice(split + 2, -1)
    .split('\n')
    .map((line) => {
      const match = /^\u2014 (\S+) (\S+)$/u.exec(line);
      if (!match) return fail(`"${line.slice(0, 80)}" is not a signature line`);
      const blob = Buffer.from(match[2] ?? '', 'base64');
      if (blob.length < 5) return fail('a signature is too short');
      return { name: match[1] ?? '', keyId: blob.subarray(0, 4), signature: blob.subarray(4) };
    });
  return { body: note.slice(0, split + 1), signatures };
}

/** Splits a signed checkpoint note; throws INVALID_INPUT when it is not one. Checks no signature. */
export function parseCheckpointNote(note: string): ParsedCheckpoint {
  const fail = (why: string): never => {
    throw new DbError('INVALID_INPUT', `not a signed checkpoint: ${why}`);
  };
  const { body, signatures } = splitSignedNote(note, 'checkpoint');
  const lines = body.slice(0, -1).split('\n');
  const [origin = '', size = '', root = ''] = lines;
  if (lines.length < 3 || origin === '') fail('the body needs an origin, a size and a root hash');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size) || !Number.isSafeInteger(Number(size)))
    fail('the size is not a decimal number');
  const rootHash = Buffer.from(root, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== root) fail('the root hash is not 32 bytes of base64');
  return { origin, treeSize: Number(size), rootHash, body, signatures };
}

/** True when `note` carries a valid signature by `key` (matched by name and id). */
export function checkpointSignedBy(note: ParsedCheckpoint, key: CheckpointKey): boolean {
  return noteSignedBy(note, key);
}

/** The signed note of any body (a checkpoint's, a retention record's), signed with `key`. */
export function signNote(key: CheckpointSigningKey, body: string): string {
  const signature = sign(null, Buffer.from(body, 'utf8'), key.privateKey);
  return `${body}\n${emDash} ${key.name} ${Buffer.concat([key.id, signature]).toString('base64')}\n`;
}

/** True when a split signed note (its body and signature lines) carries a valid signature by `key`. */
export function noteSignedBy(note: Pick<ParsedCheckpoint, 'body' | 'signatures'>, key: CheckpointKey): boolean {
  const publicKey = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key.publicKey]),
    format: 'der',
    type: 'spki',
  });
  return note.signatures.some(
    (s) =>
      s.name === key.name &&
      s.keyId.equals(key.id) &&
      s.signature.length === 64 &&
      verify(null, Buffer.from(note.body, 'utf8'), publicKey, s.signature),
  );
}
