/**
 * Audit sink delivery against its target (issue 15): lag under 2 s at
 * 5,000 events/s sustained into a local receiver. A producer commits
 * audited events at `--rate` per second for `--seconds` (batches of
 * `--per-commit` events per transaction, through audit.record_event inside
 * withTenant, as the API writes them); the server's own sealer (250 ms) and
 * sink worker (production settings, its own pool) run beside it; a local
 * HTTP receiver verifies nothing and answers 204 at once.
 *
 * Baseline, same run: sealing, which delivery can never beat (only sealed
 * events leave). Reported: median and p99 of commit→sealed and
 * commit→received per event, their ratio, and events/s produced vs
 * delivered. `--sink` picks the sink: the workspace's own webhook
 * (`tenant`), or the operator's deployment sink, which also carries every
 * other chain, as a webhook (`deployment-webhook`) or syslog over TCP
 * (`deployment-syslog`, into the tests' strict RFC 5424 receiver).
 * Usage: npm run bench:sinks -- [--rate N] [--seconds N] [--per-commit N] [--writers N] [--sink KIND].
 * Progress goes to stderr, the report to stdout.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { positiveInteger } from './lib/positive-integer.ts';
import { formatRatio, formatTable } from './lib/print-table.ts';
import { type BenchSink, benchSinks, openSinkBench } from './lib/sink-bench.ts';

const { values: flags } = parseArgs({
  options: {
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '30' },
    'per-commit': { type: 'string', default: '50' },
    writers: { type: 'string', default: '3' },
    sink: { type: 'string', default: 'tenant' },
  },
});
if (!benchSinks.includes(flags.sink as BenchSink)) {
  process.stderr.write(`--sink is one of ${benchSinks.join(', ')}\n`);
  process.exit(2);
}
const sink = flags.sink as BenchSink;
const rate = positiveInteger('rate', flags.rate);
const seconds = positiveInteger('seconds', flags.seconds);
const perCommit = positiveInteger('per-commit', flags['per-commit']);
const writers = positiveInteger('writers', flags.writers);
const log = (message: string) => process.stderr.write(`${message}\n`);

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

const largest = (values: number[]) => values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);

async function main(): Promise<void> {
  const { where, owner, receiver, delivery, close } = await openSinkBench({ connections: writers + 1, sink });
  try {
    const load = os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    log(`producing ${rate} events/s for ${seconds} s, ${perCommit} per commit (load average before: ${load})`);
    const started = Date.now();
    const interval = (1000 * perCommit) / rate;
    let produced = 0;
    let behind = 0;
    // Commits on a schedule, up to `writers` at once: commit k is due at started + k × interval; a late one is counted.
    const inFlight = new Set<Promise<unknown>>();
    for (let k = 0; Date.now() - started < seconds * 1000; k++) {
      const due = started + k * interval;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      else if (wait < -interval) behind++;
      if (inFlight.size >= writers) await Promise.race(inFlight);
      const commit = delivery.record(perCommit);
      inFlight.add(commit);
      void commit.finally(() => inFlight.delete(commit));
      produced += perCommit;
    }
    await Promise.all(inFlight);
    const producedSeconds = (Date.now() - started) / 1000;
    log(`produced ${produced} events in ${producedSeconds.toFixed(1)} s; waiting for delivery`);
    const { rows } = await owner.query<{ size: string }>(
      `select count(*) as size from audit_logs where tenant_id = $1`,
      [delivery.tenant],
    );
    const expected = Number(rows[0]?.size);
    const deadline = Date.now() + 60_000;
    while (receiver.arrivals.size < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const deliveredSeconds = (largest([...receiver.arrivals.values()].map((a) => a.receivedAt)) - started) / 1000;
    const { rows: sealed } = await owner.query<{ lag_ms: number }>(
      `select extract(epoch from s.sealed_at) * 1000 - (e.metadata->>'t')::bigint as lag_ms
         from audit.seals s join audit_logs e on e.id = s.event_id
        where s.chain = $1 and e.metadata ? 't'`,
      [delivery.tenant],
    );
    const sealLag = sealed.map((r) => Number(r.lag_ms));
    const deliveryLag = [...receiver.arrivals.values()]
      .filter((a) => Number.isFinite(a.committedAt))
      .map((a) => a.receivedAt - a.committedAt);
    const ms = (v: number) => `${Math.round(v)} ms`;
    const table = [
      ['', 'median', 'p99', 'max'],
      ['commit → sealed (baseline)', ms(quantile(sealLag, 0.5)), ms(quantile(sealLag, 0.99)), ms(largest(sealLag))],
      ['commit → received', ms(quantile(deliveryLag, 0.5)), ms(quantile(deliveryLag, 0.99)), ms(largest(deliveryLag))],
      [
        'ratio',
        formatRatio(quantile(deliveryLag, 0.5) / quantile(sealLag, 0.5)),
        formatRatio(quantile(deliveryLag, 0.99) / quantile(sealLag, 0.99)),
        '',
      ],
    ];
    process.stdout.write(
      [
        `audit sink delivery (${sink} sink): ${rate} events/s target for ${seconds} s, ${perCommit} events per commit, ${writers} writers, batches of ${delivery.batchSize} growing to ${delivery.maxBatchSize} while behind`,
        `machine: ${os.cpus().length} cores, load average ${load} before, ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')} after; ${where}`,
        `produced ${produced} events in ${producedSeconds.toFixed(1)} s (${Math.round(produced / producedSeconds)}/s; ${behind} commits ran late)`,
        `received ${receiver.arrivals.size} of ${expected} leaves (${receiver.state.duplicates} duplicates) by ${deliveredSeconds.toFixed(1)} s (${Math.round(receiver.arrivals.size / deliveredSeconds)}/s)`,
        'lag per event:',
        formatTable(table),
        `target (lag < 2 s at the p99): ${quantile(deliveryLag, 0.99) < 2000 ? 'met' : 'NOT met'}`,
        '',
      ].join('\n'),
    );
  } finally {
    await close();
  }
}

await main();
