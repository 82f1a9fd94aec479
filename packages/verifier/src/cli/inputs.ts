/**
 * The files the command line reads besides the bundle: keys, checkpoints and
 * consistency proofs, each accepted as the API serves it (JSON) or as plain
 * text. A file that is neither is a {@link UsageError}.
 */
import { readFile, stat } from 'node:fs/promises';
import { fromBase64 } from '../bytes.ts';
import { hashSize } from '../merkle-hasher.ts';
import { parseVerifierKey, type VerifierKey, VerifierKeyError } from '../verifier-key.ts';

/** A mistake in how the command was called or in a file it was given; exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Key and checkpoint files are small; a bigger one is not what the user meant to give. */
const maxSmallFile = 1 << 20;

async function readSmallFile(path: string, what: string): Promise<string> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new UsageError(`cannot read the ${what} file ${path}`);
  }
  if (size > maxSmallFile) throw new UsageError(`the ${what} file ${path} is larger than 1 MiB`);
  return readFile(path, 'utf8');
}

/**
 * The trusted keys: each `--key` value, and the keys in `--key-file` (one
 * verifier key per line, `#` comments allowed, or the JSON of
 * `/.well-known/skillhub/checkpoint-keys`).
 */
export async function loadKeys(vkeys: readonly string[], keyFile: string | undefined): Promise<VerifierKey[]> {
  const texts = [...vkeys];
  if (keyFile !== undefined) texts.push(...keysInFile(await readSmallFile(keyFile, 'key')));
  if (texts.length === 0) throw new UsageError('give the public key: --key <vkey> or --key-file <file>');
  const keys: VerifierKey[] = [];
  for (const text of texts) {
    try {
      keys.push(await parseVerifierKey(text));
    } catch (error: unknown) {
      if (error instanceof VerifierKeyError)
        throw new UsageError(`bad key ${JSON.stringify(text.slice(0, 120))}: ${error.message}`);
      throw error;
    }
  }
  return keys;
}

function keysInFile(content: string): string[] {
  const trimmed = content.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new UsageError('the key file looks like JSON but is not');
    }
    const keys = (parsed as { keys?: unknown }).keys;
    if (!Array.isArray(keys)) throw new UsageError('the key file is JSON without a "keys" list');
    return keys.map((key) => {
      const vkey = (key as { vkey?: unknown } | null)?.vkey;
      if (typeof vkey !== 'string') throw new UsageError('a key in the key file has no "vkey"');
      return vkey;
    });
  }
  return trimmed
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** A signed checkpoint: the note text itself, or JSON with a `checkpoint` field (`GET /audit/checkpoint`). */
export async function loadCheckpoint(path: string): Promise<string> {
  const content = await readSmallFile(path, 'checkpoint');
  if (!content.trimStart().startsWith('{')) return content;
  try {
    const checkpoint = (JSON.parse(content) as { checkpoint?: unknown }).checkpoint;
    if (typeof checkpoint === 'string') return checkpoint;
  } catch {
    // Fall through to the one message below.
  }
  throw new UsageError(`${path} is JSON without a "checkpoint" text`);
}

/** A consistency proof: JSON `{"from","to","proof":[...]}` (`GET /audit/proofs/consistency`), or one base64 hash per line. */
export async function loadProof(path: string): Promise<{ proof: Uint8Array[]; sizes?: { from: number; to: number } }> {
  const content = await readSmallFile(path, 'proof');
  let hashes: unknown[];
  let sizes: { from: number; to: number } | undefined;
  if (content.trimStart().startsWith('{')) {
    let parsed: { from?: unknown; to?: unknown; proof?: unknown };
    try {
      parsed = JSON.parse(content);
    } catch {
      throw new UsageError(`${path} looks like JSON but is not`);
    }
    if (!Array.isArray(parsed.proof)) throw new UsageError(`${path} has no "proof" list`);
    hashes = parsed.proof;
    if (typeof parsed.from === 'number' && typeof parsed.to === 'number') sizes = { from: parsed.from, to: parsed.to };
  } else {
    hashes = content
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
  }
  if (hashes.length > 128) throw new UsageError(`${path} holds ${hashes.length} hashes, more than any proof`);
  const proof = hashes.map((hash, i) => {
    const bytes = typeof hash === 'string' ? fromBase64(hash) : undefined;
    if (!bytes || bytes.length !== hashSize)
      throw new UsageError(`hash ${i + 1} of ${path} is not a base64 SHA-256 hash`);
    return bytes;
  });
  return sizes ? { proof, sizes } : { proof };
}
