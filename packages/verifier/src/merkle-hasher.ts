/**
 * The two hashes of RFC 9162 §2.1.1, behind an interface so the same proof
 * code runs on node:crypto (synchronous, fast) and on WebCrypto
 * (`crypto.subtle`, asynchronous, in a browser).
 */

/** A value, or a promise of it: node:crypto answers at once, WebCrypto later. */
export type Awaitable<T> = T | Promise<T>;

/** SHA-256 Merkle tree hashing as RFC 9162 defines it. */
export interface MerkleHasher {
  /** SHA-256(0x00 ‖ leaf input). */
  hashLeaf(input: Uint8Array): Awaitable<Uint8Array>;
  /** SHA-256(0x01 ‖ left ‖ right). */
  hashChildren(left: Uint8Array, right: Uint8Array): Awaitable<Uint8Array>;
}

/** Bytes of a SHA-256 digest. */
export const hashSize = 32;

/** The root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1). */
export const emptyRoot: Uint8Array = Uint8Array.from([
  0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41,
  0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);
