/**
 * A bounded soak: the real server (`skillhub serve`, runtime role, pool of
 * 10, background sealer) under mixed reads, writes, failed sign-ins and
 * misses from a fixed number of concurrent clients over many workspaces,
 * on 127.0.0.1, for a fixed time; then it stops by itself. It reports the
 * requests, every status by route (an answer its route does not document
 * is unexpected, as is a 5xx or no answer), p50/p99 latency, the server's
 * RSS over time and its slope, the sealing backlog over time and its
 * maximum, whether every audit chain verifies, and how long shutdown took.
 * Exit code 1 when anything was unexpected.
 * Usage: npm run soak -- [--minutes N] [--tenants N] [--clients N] [--skills N] [--sample-seconds N]
 */
import { parseArgs } from 'node:util';
import { verifyAuditChain } from '@skillhub/db';
import { openRawPool } from '@skillhub/db/bench';
import { type BenchDatabase, openBenchDatabase } from './lib/bench-database.ts';
import { positiveInteger } from './lib/positive-integer.ts';
import { readDocumentedStatuses } from './soak/documented-statuses.ts';
import { printReport, type Sample } from './soak/print-report.ts';
import { type ServeProcess, startServe } from './soak/serve-process.ts';
import { createSoakTenant, runSoakClients, type SoakTenant } from './soak/soak-clients.ts';

const { values: flags } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    tenants: { type: 'string', default: '50' },
    clients: { type: 'string', default: '16' },
    skills: { type: 'string', default: '5' },
    'sample-seconds': { type: 'string', default: '10' },
  },
});
const positive = (name: keyof typeof flags) => positiveInteger(name, flags[name]);
const config = {
  minutes: positive('minutes'),
  tenants: positive('tenants'),
  clients: positive('clients'),
  skills: positive('skills'),
  sampleSeconds: positive('sample-seconds'),
};
const progress = (message: string) => process.stderr.write(`· ${message}\n`);

let bench: BenchDatabase | undefined;
let server: ServeProcess | undefined;

async function main(): Promise<boolean> {
  progress('starting PostgreSQL and migrating a fresh database');
  bench = await openBenchDatabase({});
  const database = bench;
  progress('starting skillhub serve');
  server = await startServe({ ownerUrl: database.ownerUrl, appUrl: database.appUrl });
  const serve = server;
  const documented = await readDocumentedStatuses(serve.url);
  progress(`signing up ${config.tenants} workspaces with ${config.skills} skills each`);
  const tenants: SoakTenant[] = [];
  for (let i = 0; i < config.tenants; i++)
    tenants.push(await createSoakTenant(serve.url, database, `soak-${i}`, config.skills));

  const owner = openRawPool({ connectionString: database.ownerUrl, max: 1 });
  const unsealed = async () => {
    const { rows } = await owner.query<{ n: string }>(
      'select (select count(*) from audit_logs) - (select count(*) from audit.seals) as n',
    );
    return Number(rows[0]?.n ?? 0);
  };
  try {
    progress(`soaking for ${config.minutes} min with ${config.clients} clients`);
    const started = Date.now();
    const deadline = started + config.minutes * 60_000;
    const samples: Sample[] = [];
    const sample = async () => {
      const entry = { minute: (Date.now() - started) / 60_000, rssMb: await serve.rssMb(), unsealed: await unsealed() };
      samples.push(entry);
      progress(`${entry.minute.toFixed(1)} min: RSS ${entry.rssMb.toFixed(1)} MB, ${entry.unsealed} unsealed events`);
    };
    await sample();
    let sampling = Promise.resolve();
    const timer = setInterval(() => {
      sampling = sampling.then(sample).catch((error: unknown) => {
        progress(`sampling failed: ${String(error)}`);
      });
    }, config.sampleSeconds * 1000);
    const figures = await runSoakClients(serve.url, tenants, documented, config.clients, deadline);
    clearInterval(timer);
    await sampling;
    await sample();

    progress('load stopped; waiting for the sealer to drain the backlog');
    const stopped = performance.now();
    let drainSeconds = Number.POSITIVE_INFINITY;
    while (performance.now() - stopped < 60_000) {
      if ((await unsealed()) === 0) {
        drainSeconds = (performance.now() - stopped) / 1000;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    progress('verifying every audit chain');
    const verdict = await verifyAuditChain(database.ownerUrl);
    const shutdownMs = await serve.stop();
    return printReport({
      ...config,
      figures,
      samples,
      drainSeconds,
      chains: {
        intact: verdict.intact,
        chains: verdict.chains.length,
        events: verdict.events,
        broken: verdict.chains.filter((c) => !c.intact).map((c) => c.chain),
      },
      shutdownMs,
    });
  } finally {
    await owner.end();
  }
}

async function cleanUp(): Promise<void> {
  server?.kill();
  await bench?.close().catch((error: unknown) => progress(`cleaning up failed: ${String(error)}`));
}

process.once('SIGINT', () => {
  progress('interrupted; stopping the server and removing the database');
  void cleanUp().finally(() => process.exit(130));
});

try {
  const passed = await main();
  if (!passed) process.stderr.write(`skillhub serve said:\n${server?.output() ?? ''}\n`);
  process.exitCode = passed ? 0 : 1;
} catch (error) {
  process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  if (server) process.stderr.write(`skillhub serve said:\n${server.output()}\n`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
