/**
 * A worker thread of the parallel bundle check: checks the lines of one
 * byte range of the bundle (check-bundle-file.ts) and posts back what it
 * saw, with progress along the way.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BundleSegment } from '../bundle/bundle-segment.ts';
import { hashLeafText, nodeHasher } from '../node-hasher.ts';
import type { RangeTask } from './check-bundle-file.ts';
import { readLines } from './read-lines.ts';

const task = workerData as RangeTask;
const segment = new BundleSegment(
  {
    checkpoint: { ...task.checkpoint, rootHashBase64: '', extensions: [], origin: '' },
    eventsFormat: task.eventsFormat,
    complete: task.complete,
  },
  {
    keys: [],
    hasher: nodeHasher,
    hashLeafText,
    progressEvery: task.progressEvery,
    onProgress: (events) => parentPort?.postMessage({ progress: events }),
  },
);
for await (const line of readLines(task.path, task.lineLimit, task.range)) await segment.line(line);
parentPort?.postMessage({ summary: segment.summary() });
