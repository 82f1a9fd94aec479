/**
 * The bundle check of a file on every core: worker threads check
 * contiguous byte ranges of the file side by side, each line exactly as
 * the in-order check does, and the order bookkeeping is merged after. A
 * clean merge (every range clean, leaves strictly increasing across
 * ranges, gapless when the bundle is complete, one end line at the very
 * end counting every event) is the in-order check's "everything holds".
 * Anything else is checked again in order on this thread, which names
 * every problem exactly as it always has: a tampered bundle costs one
 * more pass, an intact one is checked on every core.
 */
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { checkHeader, type TrustedHeader } from '../bundle/bundle-header.ts';
import type { SegmentSummary } from '../bundle/bundle-segment.ts';
import { type BundleReport, type CheckBundleOptions, checkBundle } from '../bundle/check-bundle.ts';
import type { EventsFormat } from '../bundle/readable-fields.ts';
import { toBase64 } from '../bytes.ts';
import { type ByteRange, maxLineBytes, readLines } from './read-lines.ts';

/** What one worker is given. */
export interface RangeTask {
  path: string;
  range: ByteRange;
  lineLimit: number;
  checkpoint: { treeSize: number; rootHash: Uint8Array };
  eventsFormat: EventsFormat;
  complete: boolean;
  progressEvery: number;
}

export interface FileCheckOptions extends CheckBundleOptions {
  /** Worker threads (default: the cores available, at most 8); 1 checks in order on this thread. */
  threads?: number;
  /** Files smaller than this are checked in order: starting workers would cost more (default 16 MiB, 0 when `threads` is given). */
  minParallelBytes?: number;
}

/** Checks the bundle in the file at `path`: in parallel when it is large and there are cores, else in order. */
export async function checkBundleFile(path: string, options: FileCheckOptions): Promise<BundleReport> {
  const threads = options.threads ?? Math.min(availableParallelism(), 8);
  const { size } = await stat(path);
  // Threads asked for by name are used whatever the size.
  const minBytes = options.minParallelBytes ?? (options.threads === undefined ? 16 * 2 ** 20 : 0);
  if (threads > 1 && size >= minBytes) {
    const header = await readHeader(path);
    if (header) {
      const check = await checkHeader(header.line, options.keys, options.expectedOrigin, options.requireComplete);
      if (check.trusted && check.problems.length === 0) {
        const parallel = await checkInParallel(
          path,
          check.trusted,
          splitRange({ start: header.bytes, end: size }, threads),
          options,
        );
        if (parallel.clean) return cleanReport(check.trusted, parallel.events);
      }
    }
  }
  return checkBundle(readLines(path), options);
}

/** The first line of the file and the bytes it takes with its newline, or undefined when it is not a whole line. */
async function readHeader(path: string): Promise<{ line: string; bytes: number } | undefined> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    const newline = buffer.subarray(0, bytesRead).indexOf(10);
    return newline < 0 ? undefined : { line: buffer.toString('utf8', 0, newline), bytes: newline + 1 };
  } finally {
    await file.close();
  }
}

/** `[start, end)` cut into `parts` contiguous ranges of nearly equal size. */
export function splitRange(range: ByteRange, parts: number): ByteRange[] {
  const width = Math.ceil((range.end - range.start) / parts);
  const ranges: ByteRange[] = [];
  for (let start = range.start; start < range.end; start += width) {
    ranges.push({ start, end: Math.min(range.end, start + width) });
  }
  return ranges;
}

/**
 * Checks the event lines in `ranges` (contiguous byte ranges that tile the
 * bytes after the header, in order) with one worker each and merges what
 * they saw: `clean` when the in-order check would find nothing wrong.
 */
export async function checkInParallel(
  path: string,
  trusted: Pick<TrustedHeader, 'checkpoint' | 'eventsFormat' | 'complete'>,
  ranges: readonly ByteRange[],
  options: Pick<CheckBundleOptions, 'onProgress' | 'progressEvery'> = {},
): Promise<{ clean: boolean; events: number; summaries: SegmentSummary[] }> {
  const progressEvery = options.progressEvery ?? 100_000;
  const done = new Array<number>(ranges.length).fill(0);
  let reported = 0;
  const summaries = await Promise.all(
    ranges.map((range, i) =>
      runWorker(
        {
          path,
          range,
          lineLimit: maxLineBytes,
          checkpoint: { treeSize: trusted.checkpoint.treeSize, rootHash: trusted.checkpoint.rootHash },
          eventsFormat: trusted.eventsFormat,
          complete: trusted.complete,
          progressEvery,
        },
        (checked) => {
          done[i] = checked;
          const total = done.reduce((a, b) => a + b, 0);
          if (options.onProgress && total >= reported + progressEvery) {
            reported = total;
            options.onProgress(total);
          }
        },
      ),
    ),
  );
  const total = summaries.reduce((sum, s) => sum + s.events, 0);
  return { clean: mergedClean(summaries, trusted, total), events: total, summaries };
}

/** Whether the ranges, read one after another, hold an intact bundle. */
function mergedClean(
  summaries: SegmentSummary[],
  trusted: Pick<TrustedHeader, 'checkpoint' | 'complete'> & { removedBefore?: number },
  total: number,
): boolean {
  // The prefix signed retention records removed is not in the bundle.
  let last = (trusted.removedBefore ?? 0) - 1;
  let endAt = -1;
  for (const [i, s] of summaries.entries()) {
    if (s.problemCount > 0 || s.deferred > 0) return false;
    if (endAt >= 0 && s.nonEmptyLines > 0) return false; // lines after the end line
    if (s.end) {
      if (endAt >= 0 || s.end.count !== total || s.nonEmptyLines !== s.end.nonEmptyBefore + 1) return false;
      endAt = i;
    }
    if (s.events === 0) continue;
    if (s.firstLeaf <= last) return false;
    if (trusted.complete && (!s.gapless || s.firstLeaf !== last + 1)) return false;
    last = s.lastLeaf;
  }
  if (endAt < 0) return false;
  return !trusted.complete || last === trusted.checkpoint.treeSize - 1;
}

function cleanReport(trusted: TrustedHeader, events: number): BundleReport {
  const { checkpoint, key } = trusted;
  return {
    ok: true,
    eventsChecked: events,
    origin: checkpoint.origin,
    treeSize: checkpoint.treeSize,
    rootHash: toBase64(checkpoint.rootHash),
    key: `${key.keyName}+${key.keyId}`,
    complete: trusted.complete,
    removedByPolicy: trusted.removed,
    problems: [],
    problemCount: 0,
  };
}

// The worker is this package's file beside this one: .js in the published package; .ts when this runs
// from source in the repository, where the development loader (tsx) is registered in the worker first,
// since Node 20 applies no loader to a worker's entry module. The published package never takes that path.
const workerExtension = extname(fileURLToPath(import.meta.url));
const workerUrl = new URL(`./check-range-worker${workerExtension}`, import.meta.url);
const fromSource = `import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(workerUrl.href)}))`;

function runWorker(task: RangeTask, onProgress: (checked: number) => void): Promise<SegmentSummary> {
  return new Promise((resolve, reject) => {
    const worker =
      workerExtension === '.ts'
        ? new Worker(fromSource, { eval: true, workerData: task })
        : new Worker(workerUrl, { workerData: task });
    let summary: SegmentSummary | undefined;
    worker.on('message', (message: { progress?: number; summary?: SegmentSummary }) => {
      if (message.summary) summary = message.summary;
      else if (message.progress !== undefined) onProgress(message.progress);
    });
    worker.on('error', reject);
    worker.on('exit', (code) =>
      summary && code === 0 ? resolve(summary) : reject(new Error(`a check worker exited with ${code}`)),
    );
  });
}
