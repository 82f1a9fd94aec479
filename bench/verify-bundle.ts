/**
 * Offline verification of an evidence bundle of 1,000,000 events (the
 * target: ≤ 10 s on 2 cores) by @skillhub/verify's bundle check, as the
 * `skillhub-verify` command runs it, against its floor: reading the same
 * file line by line and parsing each line as JSON, which any verifier pays.
 * The bundle is synthetic, built with the verifier tests' independent tree
 * builder and a freshly generated Ed25519 key, and written to a temporary
 * file. Usage: npm run bench:verify -- [--events N] [--rounds N] [--file PATH] [--keep].
 * Progress goes to stderr, the report to stdout.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkBundleFile, hashLeafText, nodeHasher, parseVerifierKey, readLines } from '@skillhub/verify';
import { canonicalText, sampleEvent } from '../packages/verifier/test/support/bundle-builder.ts';
import { LevelTree, leafHash } from '../packages/verifier/test/support/reference-tree.ts';
import { newSigner, signCheckpoint } from '../packages/verifier/test/support/signing.ts';
import { positiveInteger } from './lib/positive-integer.ts';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    file: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const events = positiveInteger('events', flags.events);
const rounds = positiveInteger('rounds', flags.rounds);
const log = (message: string) => process.stderr.write(`${message}\n`);

/** A stable UUID-shaped id per sequence number, so the events can be generated twice alike. */
const eventId = (seq: number) => {
  const hex = createHash('sha256').update(`event ${seq}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};
const tenantId = 'tenant-bench';
const eventAt = (leaf: number) => sampleEvent(tenantId, leaf + 1, eventId(leaf + 1));

async function writeBundle(file: string) {
  const signer = newSigner('skillhub.bench');
  const started = performance.now();
  const leaves = Array.from({ length: events }, (_, i) => leafHash(canonicalText(eventAt(i))));
  const tree = new LevelTree(leaves);
  leaves.length = 0;
  const origin = `${signer.keyName}/audit/${tenantId}`;
  const out = createWriteStream(file);
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  await write(
    JSON.stringify({
      type: 'skillhub.evidence-bundle',
      version: 1,
      origin,
      tree_size: events,
      root_hash: tree.root.toString('base64'),
      checkpoint: signCheckpoint(origin, events, tree.root, signer),
      key_id: signer.keyId,
      key_name: signer.keyName,
      events_format: 'jsonl',
      complete: true,
    }),
  );
  for (let i = 0; i < events; i++) {
    const event = eventAt(i);
    const proof = tree.proof(i).map((hash) => hash.toString('base64'));
    await write(JSON.stringify({ type: 'event', leaf_index: i, canonical: canonicalText(event), proof, event }));
    if ((i + 1) % 200_000 === 0) log(`  written ${i + 1} events`);
  }
  await write(JSON.stringify({ type: 'end', events }));
  out.end();
  await once(out, 'finish');
  log(`bundle built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return signer.vkey;
}

async function floor(file: string): Promise<number> {
  let lines = 0;
  for await (const line of readLines(file)) {
    if (typeof line === 'string') JSON.parse(line);
    lines++;
  }
  return lines;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const dir = flags.file ? undefined : await mkdtemp(path.join(os.tmpdir(), 'skillhub-verify-bench-'));
const file = flags.file ?? path.join(dir as string, 'bundle.jsonl');
try {
  log(`building a bundle of ${events} events in ${file}`);
  const key = await parseVerifierKey(await writeBundle(file));
  const bytes = (await stat(file)).size;
  const timings = { verify: [] as number[], floor: [] as number[] };
  // CPU seconds of this process, its worker threads included: what the check costs, whatever else the cores run.
  const cpu = { verify: [] as number[], floor: [] as number[] };
  let rssPeak = 0;
  for (let round = 0; round < rounds; round++) {
    // Alternate which runs first, so the page cache and machine noise favour neither.
    const order = round % 2 === 0 ? (['verify', 'floor'] as const) : (['floor', 'verify'] as const);
    for (const which of order) {
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      if (which === 'verify') {
        const sampler = setInterval(() => {
          rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        }, 100);
        const report = await checkBundleFile(file, { keys: [key], hasher: nodeHasher, hashLeafText });
        clearInterval(sampler);
        if (!report.ok || report.eventsChecked !== events)
          throw new Error(`the bundle did not verify: ${JSON.stringify(report.problems.slice(0, 3))}`);
      } else if ((await floor(file)) !== events + 2) throw new Error('the floor read the wrong number of lines');
      timings[which].push(performance.now() - started);
      const used = process.cpuUsage(cpuBefore);
      cpu[which].push((used.user + used.system) / 1e6);
      log(`round ${round + 1}/${rounds}: ${which} ${((timings[which].at(-1) as number) / 1000).toFixed(2)} s`);
    }
  }
  const verify = median(timings.verify) / 1000;
  const floorSeconds = median(timings.floor) / 1000;
  console.log(
    `bundle: ${events} events, ${(bytes / 2 ** 20).toFixed(0)} MiB, ${os.cpus().length} cores, Node ${process.version}`,
  );
  console.log(
    `verify (skillhub-verify's check): median ${verify.toFixed(2)} s, ${Math.round(events / verify)} events/s, rounds ${timings.verify.map((t) => (t / 1000).toFixed(2)).join(' ')}`,
  );
  console.log(
    `floor (read + JSON.parse each line): median ${floorSeconds.toFixed(2)} s, ${Math.round(events / floorSeconds)} events/s`,
  );
  const cpuUs = (which: 'verify' | 'floor') => (median(cpu[which]) / events) * 1e6;
  console.log(
    `CPU per event: verify ${cpuUs('verify').toFixed(1)} µs on ${os.availableParallelism()} threads, floor ${cpuUs('floor').toFixed(1)} µs on one (ratio ${(cpuUs('verify') / cpuUs('floor')).toFixed(2)}×); on ${os.availableParallelism()} idle cores the check needs about ${((cpuUs('verify') * events) / 1e6 / os.availableParallelism()).toFixed(1)} s of wall time`,
  );
  console.log(
    `ratio verify / floor: ${(verify / floorSeconds).toFixed(2)}×; peak RSS while verifying ${(rssPeak / 2 ** 20).toFixed(0)} MiB; target ≤ 10 s: ${verify <= 10 ? 'met' : 'NOT met'}`,
  );
} finally {
  if (dir && !flags.keep) await rm(dir, { recursive: true, force: true });
  else log(`bundle kept at ${file}`);
}
