import type { MerkleHasher } from './merkle-hasher.ts';

/**
 * RFC 9162 hashing on WebCrypto (`crypto.subtle.digest`), for browsers;
 * also works in Node 20+, where `globalThis.crypto` is the same API.
 */
export function webCryptoHasher(subtle: SubtleCrypto = globalThis.crypto.subtle): MerkleHasher {
  const digest = async (prefix: number, parts: Uint8Array[]) => {
    const length = parts.reduce((sum, part) => sum + part.length, 1);
    const input = new Uint8Array(length);
    input[0] = prefix;
    let offset = 1;
    for (const part of parts) {
      input.set(part, offset);
      offset += part.length;
    }
    return new Uint8Array(await subtle.digest('SHA-256', input));
  };
  return {
    hashLeaf: (input) => digest(0x00, [input]),
    hashChildren: (left, right) => digest(0x01, [left, right]),
  };
}
