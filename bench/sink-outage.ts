/**
 * The outage target of issue 15, at full length: a receiver down for
 * `--down-minutes` (default 10) while events keep coming, then up for
 * `--up-minutes` (default 10) with events still coming, must end with every
 * leaf exactly once after de-duplication by leaf index. The retry schedule
 * is the server's (0 s, 5 s, 5 min, 30 min, …) unless `--retry-scale`
 * shrinks it, so at full scale the first retry after a 10-minute outage
 * comes 35 min after the first failure: the run waits for it
 * (`--wait-minutes`, default 40). The test suite runs the same check with
 * a scaled-down clock (apps/api/test/audit-sink-delivery.test.ts).
 * Not a ratio: it reports counts and exits 1 on a gap.
 * Usage: npm run bench:sink-outage -- [--down-minutes N] [--up-minutes N] [--rate N] [--retry-scale X] [--wait-minutes N].
 */
import { parseArgs } from 'node:util';
import { positiveInteger } from './lib/positive-integer.ts';
import { openSinkBench } from './lib/sink-bench.ts';

const { values: flags } = parseArgs({
  options: {
    'down-minutes': { type: 'string', default: '10' },
    'up-minutes': { type: 'string', default: '10' },
    'wait-minutes': { type: 'string', default: '40' },
    rate: { type: 'string', default: '50' },
    'retry-scale': { type: 'string', default: '1' },
  },
});
const minutes = (name: string, value: string | undefined) => {
  const parsed = Number(value);
  if (!(parsed > 0)) throw new Error(`--${name} must be a positive number of minutes (got ${value})`);
  return parsed * 60_000;
};
const downMs = minutes('down-minutes', flags['down-minutes']);
const upMs = minutes('up-minutes', flags['up-minutes']);
const waitMs = minutes('wait-minutes', flags['wait-minutes']);
const rate = positiveInteger('rate', flags.rate);
const retryScale = Number(flags['retry-scale']);
if (!(retryScale > 0 && retryScale <= 1)) throw new Error('--retry-scale is above 0 and at most 1');
const log = (message: string) => process.stderr.write(`${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const { owner, receiver, delivery, close } = await openSinkBench({ connections: 4, retryScale });
  try {
    receiver.state.down = true;
    const started = Date.now();
    log(`receiver down for ${downMs / 60_000} min, then up for ${upMs / 60_000} min; ${rate} events/s throughout`);
    let produced = 0;
    let cameUp = 0;
    for (let second = 0; Date.now() - started < downMs + upMs; second++) {
      if (receiver.state.down && Date.now() - started >= downMs) {
        receiver.state.down = false;
        cameUp = Date.now();
        log(
          `receiver up after ${((cameUp - started) / 60_000).toFixed(1)} min; ${receiver.state.refused} batches refused`,
        );
      }
      await delivery.record(rate);
      produced += rate;
      await sleep(Math.max(0, started + (second + 1) * 1000 - Date.now()));
    }
    const { rows } = await owner.query<{ n: string }>('select count(*) as n from audit_logs where tenant_id = $1', [
      delivery.tenant,
    ]);
    const expected = Number(rows[0]?.n);
    const deadline = Date.now() + waitMs;
    while (receiver.arrivals.size < expected && Date.now() < deadline) await sleep(1_000);
    const firstArrivalAfter = (at: number) =>
      [...receiver.arrivals.values()].reduce(
        (first, a) => (a.receivedAt >= at ? Math.min(first, a.receivedAt) : first),
        Infinity,
      );
    const missing = Array.from({ length: expected }, (_, leaf) => leaf).filter((leaf) => !receiver.arrivals.has(leaf));
    process.stdout.write(
      [
        `receiver down ${downMs / 60_000} min, up ${upMs / 60_000} min, retry schedule × ${retryScale}`,
        `produced ${produced} events (${expected} leaves with the workspace's own); received ${receiver.arrivals.size} distinct leaves, ${receiver.state.duplicates} repeats, ${receiver.state.refused} batches refused while down`,
        `the first batch after the outage arrived ${((firstArrivalAfter(cameUp) - cameUp) / 1000).toFixed(1)} s after the receiver came up (the retry schedule's wait)`,
        missing.length === 0
          ? 'every leaf exactly once after de-duplication: yes'
          : `MISSING ${missing.length} leaves, first ${missing[0]}`,
        '',
      ].join('\n'),
    );
    if (missing.length > 0) process.exitCode = 1;
  } finally {
    await close();
  }
}

await main();
