/**
 * Lines of a file or stream, read in chunks: memory holds one line at a
 * time, and a line beyond the limit is skipped (reported as `{ oversized }`)
 * instead of buffered.
 */
import { createReadStream } from 'node:fs';
import type { BundleLine } from '../bundle/check-bundle.ts';

/** Longer lines are refused: an event with large old and new records stays far below this. */
export const maxLineBytes = 64 * 1024 * 1024;

/** The lines of `source` (a path, `-` for standard input, or a byte stream), without their newlines. */
export async function* readLines(
  source: string | AsyncIterable<Uint8Array>,
  limit: number = maxLineBytes,
): AsyncGenerator<BundleLine> {
  const chunks: AsyncIterable<Uint8Array> =
    typeof source !== 'string'
      ? source
      : source === '-'
        ? process.stdin
        : createReadStream(source, { highWaterMark: 1 << 20 });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  for await (const chunk of chunks) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    let start = 0;
    for (let newline = buffer.indexOf(10, start); newline >= 0; newline = buffer.indexOf(10, start)) {
      const bytes = pendingBytes + newline - start;
      if (skipping || bytes > limit) yield { oversized: bytes };
      else if (pendingBytes === 0) yield buffer.toString('utf8', start, newline);
      else yield Buffer.concat([...pending, buffer.subarray(start, newline)]).toString('utf8');
      pending = [];
      pendingBytes = 0;
      skipping = false;
      start = newline + 1;
    }
    if (start < buffer.length) {
      pendingBytes += buffer.length - start;
      if (pendingBytes > limit) {
        skipping = true;
        pending = [];
      } else pending.push(buffer.subarray(start));
    }
  }
  if (skipping) yield { oversized: pendingBytes };
  else if (pendingBytes > 0) yield Buffer.concat(pending).toString('utf8');
}
