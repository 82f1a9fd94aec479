/**
 * Lines of a file or stream, read in chunks: memory holds one line at a
 * time, and a line beyond the limit is skipped (reported as `{ oversized }`)
 * instead of buffered.
 */
import { createReadStream } from 'node:fs';
import type { BundleLine } from '../bundle/check-bundle.ts';

/** Longer lines are refused: an event with large old and new records stays far below this. */
export const maxLineBytes = 64 * 1024 * 1024;

/**
 * Part of a file by byte offsets: the lines that start in [start, end). A
 * line that starts inside and ends beyond is read whole; one that starts
 * before is left to the part before. Parts that tile the file read every
 * line exactly once.
 */
export interface ByteRange {
  start: number;
  end: number;
}

const chunkBytes = 1 << 20;

/** The lines of `source` (a path, `-` for standard input, or a byte stream), without their newlines. */
export async function* readLines(
  source: string | AsyncIterable<Uint8Array>,
  limit: number = maxLineBytes,
  range?: ByteRange,
): AsyncGenerator<BundleLine> {
  // From one byte before the range: the line at `start` is ours only if that byte ends the line before.
  const from = range && range.start > 0 ? range.start - 1 : 0;
  const chunks: AsyncIterable<Uint8Array> =
    typeof source !== 'string'
      ? source
      : source === '-'
        ? process.stdin
        : createReadStream(source, { highWaterMark: chunkBytes, start: from });
  let offset = from;
  // Where the current line starts in the file; before the first newline of a range that starts late, not ours.
  let lineStart = range && range.start > 0 ? -1 : 0;
  const stopAt = range?.end ?? Number.POSITIVE_INFINITY;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  for await (const chunk of chunks) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    let start = 0;
    for (let newline = buffer.indexOf(10, start); newline >= 0; newline = buffer.indexOf(10, start)) {
      if (lineStart >= stopAt) return;
      const bytes = pendingBytes + newline - start;
      if (lineStart < 0) {
        // The tail of the line before the range.
      } else if (skipping || bytes > limit) yield { oversized: bytes };
      else if (pendingBytes === 0) yield buffer.toString('utf8', start, newline);
      else yield Buffer.concat([...pending, buffer.subarray(start, newline)]).toString('utf8');
      pending = [];
      pendingBytes = 0;
      skipping = false;
      start = newline + 1;
      lineStart = offset + start;
    }
    if (start < buffer.length && lineStart >= 0 && lineStart < stopAt) {
      pendingBytes += buffer.length - start;
      if (pendingBytes > limit) {
        skipping = true;
        pending = [];
      } else pending.push(buffer.subarray(start));
    }
    offset += buffer.length;
    if (lineStart >= stopAt) return;
  }
  if (lineStart < 0 || lineStart >= stopAt) return;
  if (skipping) yield { oversized: pendingBytes };
  else if (pendingBytes > 0) yield Buffer.concat(pending).toString('utf8');
}
