/**
 * Ed25519 signature verification on WebCrypto (`crypto.subtle`), which Node
 * 20+ and current browsers (Chromium 137+, Firefox 129+, Safari 17+) provide.
 */

/**
 * Whether `signature` is a valid Ed25519 signature (RFC 8032) of `message`
 * by the raw 32-byte `publicKey`. A malformed key or signature is `false`.
 */
export async function verifyEd25519(
  publicKey: Uint8Array,
  signature: Uint8Array,
  message: Uint8Array,
  subtle: SubtleCrypto = globalThis.crypto.subtle,
): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    // Copies: WebCrypto's types take bytes backed by a plain ArrayBuffer only.
    const key = await subtle.importKey('raw', new Uint8Array(publicKey), { name: 'Ed25519' }, false, ['verify']);
    return await subtle.verify({ name: 'Ed25519' }, key, new Uint8Array(signature), new Uint8Array(message));
  } catch {
    // importKey rejects a byte string that is not a point on the curve: a bad key verifies nothing.
    return false;
  }
}
