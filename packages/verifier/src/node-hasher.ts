import { createHash } from 'node:crypto';
import type { MerkleHasher } from './merkle-hasher.ts';

const leafPrefix = new Uint8Array([0x00]);
const nodePrefix = new Uint8Array([0x01]);

/**
 * RFC 9162 hashing on node:crypto, synchronous: the hasher the command line
 * uses for whole bundles (a million leaves hash in about a second).
 */
export const nodeHasher: MerkleHasher = {
  hashLeaf: (input) => createHash('sha256').update(leafPrefix).update(input).digest(),
  hashChildren: (left, right) => createHash('sha256').update(nodePrefix).update(left).update(right).digest(),
};

/** SHA-256(0x00 ‖ UTF-8 of `text`) without copying the text into a byte array first. */
export function hashLeafText(text: string): Uint8Array {
  return createHash('sha256').update(leafPrefix).update(text, 'utf8').digest();
}
