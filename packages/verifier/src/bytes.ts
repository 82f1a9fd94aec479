/**
 * Byte helpers that behave the same in Node and in a browser (no `Buffer`):
 * strict standard base64, hex, UTF-8 and constant-shape comparisons.
 */

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** The UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** `bytes` as text; throws on invalid UTF-8 instead of inserting U+FFFD. */
export function fromUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Each ASCII code's 6-bit value in the standard alphabet, -1 for any other character. */
const sextets = new Int8Array(128).fill(-1);
for (let i = 0; i < alphabet.length; i++) sextets[alphabet.charCodeAt(i)] = i;
const sextetAt = (text: string, i: number): number => {
  const code = text.charCodeAt(i);
  return code < 128 ? (sextets[code] as number) : -1;
};
const equalsSign = 0x3d;

/**
 * Decodes standard base64 (RFC 4648 §4, with padding). Returns `undefined`
 * for anything else: URL-safe alphabet, missing padding, whitespace, or
 * non-zero trailing bits (so one byte string has exactly one accepted text,
 * and an edited hash can never decode to the original). A table lookup per
 * character: every proof hash of a bundle passes through here.
 */
export function fromBase64(text: string): Uint8Array | undefined {
  const length = text.length;
  if (length % 4 !== 0) return undefined;
  const padding =
    length > 0 && text.charCodeAt(length - 1) === equalsSign ? (text.charCodeAt(length - 2) === equalsSign ? 2 : 1) : 0;
  const bytes = new Uint8Array((length / 4) * 3 - padding);
  let out = 0;
  for (let i = 0; i < length; i += 4) {
    const last = i + 4 === length;
    const a = sextetAt(text, i);
    const b = sextetAt(text, i + 1);
    // The padding's places count as zero bits; any other '=' is not in the alphabet.
    const c = last && padding === 2 ? 0 : sextetAt(text, i + 2);
    const d = last && padding > 0 ? 0 : sextetAt(text, i + 3);
    if ((a | b | c | d) < 0) return undefined;
    const group = (a << 18) | (b << 12) | (c << 6) | d;
    bytes[out++] = group >> 16;
    if (last && padding === 2) return (group & 0xffff) === 0 ? bytes : undefined;
    bytes[out++] = (group >> 8) & 0xff;
    if (last && padding === 1) return (group & 0xff) === 0 ? bytes : undefined;
    bytes[out++] = group & 0xff;
  }
  return bytes;
}

/** Standard base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  // Chunks keep String.fromCharCode's argument list short for large inputs.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Whether two byte strings are equal (these are public hashes, so timing does not matter). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `parts` joined into one array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
