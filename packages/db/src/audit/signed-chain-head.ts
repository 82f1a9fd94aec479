import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { DbError } from '../errors.ts';
import type { ChainHead } from './verify-chain.ts';

export const signedHeadFormat = 'skillhub-audit-head/v1';

/**
 * A chain head signed with an Ed25519 key, to be kept away from the
 * database. Whoever holds the public key can check it anywhere, and a later
 * verification against it catches history rewritten or cut after signing,
 * even by a superuser who recomputed every seal.
 */
export interface SignedChainHead {
  format: typeof signedHeadFormat;
  /** Tenant id, or '' for the system chain. */
  chain: string;
  position: number;
  hash: string;
  signedAt: string;
  /** The signer's public key (SPKI PEM), for identification; trust comes from the key the checker brings. */
  publicKey: string;
  /** Base64 Ed25519 signature of `signedHeadPayload`. */
  signature: string;
}

/**
 * The exact bytes signed: one field per line, so the statement can be
 * checked with any Ed25519 tool (`openssl pkeyutl -verify -rawin`).
 */
export const signedHeadPayload = (head: Pick<SignedChainHead, 'chain' | 'position' | 'hash' | 'signedAt'>) =>
  Buffer.from(`${signedHeadFormat}\n${head.chain}\n${head.position}\n${head.hash}\n${head.signedAt}\n`, 'utf8');

function ed25519Key<T extends KeyObject>(pem: string, load: (pem: string) => T, what: string): T {
  let key: T;
  try {
    key = load(pem);
  } catch {
    throw new DbError('INVALID_SIGNING_KEY', `the ${what} is not a PEM key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new DbError(
      'INVALID_SIGNING_KEY',
      `the ${what} is a ${key.asymmetricKeyType ?? 'symmetric'} key, not Ed25519`,
    );
  }
  return key;
}

/** Throws INVALID_SIGNING_KEY unless `pem` is an Ed25519 private key: check it before the work of verifying. */
export function assertSigningKey(privateKeyPem: string): void {
  ed25519Key(privateKeyPem, createPrivateKey, 'private key');
}

/** Signs a verified chain head with an Ed25519 private key (PEM). */
export function signChainHead(
  chain: string,
  head: ChainHead,
  privateKeyPem: string,
  signedAt = new Date(),
): SignedChainHead {
  const privateKey = ed25519Key(privateKeyPem, createPrivateKey, 'private key');
  const statement = { chain, position: head.position, hash: head.hash, signedAt: signedAt.toISOString() };
  return {
    format: signedHeadFormat,
    ...statement,
    publicKey: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
    signature: sign(null, signedHeadPayload(statement), privateKey).toString('base64'),
  };
}

export type SignedHeadCheck = { valid: true; head: SignedChainHead } | { valid: false; reason: string };

/**
 * Checks a signed head (parsed JSON, from anywhere) against the public key
 * the checker trusts. Never trusts the key the document carries.
 */
export function checkSignedChainHead(document: unknown, trustedPublicKeyPem: string): SignedHeadCheck {
  const publicKey = ed25519Key(trustedPublicKeyPem, createPublicKey, 'public key');
  const head = document as Partial<SignedChainHead> | null;
  if (
    typeof head !== 'object' ||
    head === null ||
    head.format !== signedHeadFormat ||
    typeof head.chain !== 'string' ||
    !Number.isSafeInteger(head.position) ||
    (head.position ?? 0) < 1 ||
    typeof head.hash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(head.hash) ||
    typeof head.signedAt !== 'string' ||
    typeof head.signature !== 'string'
  ) {
    return { valid: false, reason: `not a ${signedHeadFormat} document` };
  }
  const complete = head as SignedChainHead;
  const signature = Buffer.from(complete.signature, 'base64');
  if (!verify(null, signedHeadPayload(complete), publicKey, signature)) {
    return { valid: false, reason: 'the signature does not match this public key and content' };
  }
  return { valid: true, head: complete };
}
