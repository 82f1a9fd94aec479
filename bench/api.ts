/**
 * What the Skillhub API costs over HTTP: a skill list, a skill read and a
 * rating write against the real server (runtime role, RLS, withTenant,
 * audit) and against a minimal baseline server that answers the same
 * requests from the same tables as the owner, with none of that; both in
 * child processes, on the same PostgreSQL, in the same run, interleaved.
 * Usage: npm run bench:api -- [--tenants N] [--skills N] [--seconds N] [--rounds N] [--scenarios list,read,rate]
 *   [--split] (instead of the scenarios: where a skill read's CPU goes, layer by layer)
 *   [--varied-statements N] (the product's pool first runs N distinct statements, as after varied traffic)
 *   [--db-delay-ms N] (both servers reach PostgreSQL through a proxy holding each chunk N ms each way)
 */

import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openRawPool, type RawPool } from '@skillhub/db/bench';
import { checkResponses } from './api/check-responses.ts';
import { type LoadedCatalog, loadCatalog } from './api/load-catalog.ts';
import { measureRun, type RunFigures, type Target } from './api/measure-run.ts';
import { printScenario, printSummary } from './api/print-report.ts';
import { runLoad } from './api/run-load.ts';
import { type Scenario, scenarios, splitScenarios } from './api/scenarios.ts';
import { type ServerProcess, spawnServer } from './api/spawn-server.ts';
import { printSplit, type SplitLayer } from './api/split-report.ts';
import { openUsageCounters } from './api/usage-counters.ts';
import { type BenchDatabase, openBenchDatabase } from './lib/bench-database.ts';
import { positiveInteger } from './lib/positive-integer.ts';
import { prewarm } from './tenant-context/buffer-stats.ts';

const { values: flags } = parseArgs({
  options: {
    tenants: { type: 'string', default: '1000' },
    skills: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    scenarios: { type: 'string', default: 'list,read,rate' },
    split: { type: 'boolean', default: false },
    'varied-statements': { type: 'string', default: '0' },
    'db-delay-ms': { type: 'string', default: '0' },
  },
});
const positive = (name: Exclude<keyof typeof flags, 'scenarios' | 'split' | 'varied-statements' | 'db-delay-ms'>) =>
  positiveInteger(name, flags[name]);
const variedStatements = Number(flags['varied-statements']);
if (!Number.isInteger(variedStatements) || variedStatements < 0 || variedStatements > 1000) {
  throw new Error('--varied-statements: a whole number from 0 to 1000');
}
const dbDelayMs = Number(flags['db-delay-ms']);
if (!Number.isInteger(dbDelayMs) || dbDelayMs < 0 || dbDelayMs > 100) {
  throw new Error('--db-delay-ms: a whole number of milliseconds from 0 to 100');
}
const chosenScenarios = flags.scenarios.split(',');
for (const key of chosenScenarios) {
  if (!['list', 'read', 'rate'].includes(key)) throw new Error(`--scenarios: "${key}" is none of list, read, rate`);
}
const config = {
  tenants: positive('tenants'),
  skillsPerTenant: positive('skills'),
  seconds: positive('seconds'),
  rounds: positive('rounds'),
  warmupSeconds: positive('warmup'),
  connections: positive('connections'),
  /** Both servers' pool size: the product's default (Database.open). */
  poolSize: 10,
};
const readAim = 0.85;
const progress = (message: string) => process.stderr.write(`· ${message}\n`);
const n = (x: number) => x.toLocaleString('en-US');
const loadAverage = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');

async function main(): Promise<void> {
  const started = Date.now();
  progress('starting PostgreSQL and migrating a fresh database');
  const bench = await openBenchDatabase({
    shared_buffers: '2GB',
    max_wal_size: '8GB',
    shared_preload_libraries: 'pg_stat_statements',
  });
  try {
    const setup = openRawPool({ connectionString: bench.ownerUrl, max: 1 });
    const loaded = await loadCatalog(setup, {
      tenants: config.tenants,
      skillsPerTenant: config.skillsPerTenant,
      onProgress: progress,
    }).finally(() => setup.end());
    await measure(bench, loaded, started);
  } finally {
    await bench.close();
  }
}

async function measure(bench: BenchDatabase, loaded: LoadedCatalog, started: number): Promise<void> {
  const owner = openRawPool({ connectionString: bench.ownerUrl, max: 2 });
  const servers: ServerProcess[] = [];
  let network: Awaited<ReturnType<typeof startDelayProxy>> | null = null;
  try {
    const warmed = await prewarm(owner, ['public.skills']);
    const counters = await openUsageCounters(owner);
    network = dbDelayMs > 0 ? await startDelayProxy(bench.ownerUrl) : null;
    const reach = network ? network.through : (url: string) => url;
    progress('starting the two servers');
    const product = await spawnServer('./skills-server.ts', {
      BENCH_APP_URL: reach(bench.appUrl),
      BENCH_CONTEXT_KEY: bench.contextKey,
      ...(flags.split ? { BENCH_SPLIT: '1' } : {}),
      BENCH_VARIED_STATEMENTS: String(variedStatements),
      BENCH_TENANT_ID: loaded.tenants[0]?.id ?? '',
    });
    servers.push(product);
    const baseline = await spawnServer(
      './baseline-server.ts',
      { BENCH_OWNER_URL: reach(bench.ownerUrl), BENCH_POOL_SIZE: String(config.poolSize) },
      { type: 'credentials', tenants: loaded.tenants },
    );
    servers.push(baseline);
    const role = (url: string) => decodeURIComponent(new URL(url).username);
    const targets: Target[] = [
      { label: 'Skillhub API', server: product, role: role(bench.appUrl) },
      { label: 'baseline', server: baseline, role: role(bench.ownerUrl) },
    ];
    const all = scenarios(loaded.tenants, config.skillsPerTenant).filter((s) => chosenScenarios.includes(s.key));
    await checkResponses(all, { product: product.url, baseline: baseline.url });
    await printHeader(owner, bench, loaded, warmed, counters);
    if (network) {
      console.log(
        `  both servers reach PostgreSQL through a proxy holding each chunk ${dbDelayMs} ms each way (api/delay-proxy.ts): \`select 1\` round trip ${network.roundTripMs.direct.toFixed(2)} ms direct, ${network.roundTripMs.proxied.toFixed(2)} ms through it (medians of 200)`,
      );
    }
    if (flags.split) {
      await measureSplit(targets, splitScenarios(loaded.tenants, config.skillsPerTenant), counters);
      console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s; load average now ${loadAverage()}`);
      return;
    }

    const summary: { title: string; ratio: number; aim: number | null }[] = [];
    for (const scenario of all) {
      progress(scenario.title);
      for (const target of targets) {
        await runLoad(target.server.url, scenario, { seconds: config.warmupSeconds, connections: config.connections });
        await target.server.settle();
      }
      const runs: RunFigures[][] = [[], []];
      for (let round = 0; round < config.rounds; round++) {
        progress(`  round ${round + 1}/${config.rounds}`);
        // Alternate which server goes first, so neither always follows the other's leftovers.
        for (const index of round % 2 === 0 ? [0, 1] : [1, 0]) {
          const target = targets[index];
          if (!target) continue;
          const figures = await measureRun(
            target,
            scenario,
            { seconds: config.seconds, connections: config.connections },
            counters,
          );
          runs[index]?.push(figures);
        }
      }
      const { ratio } = printScenario({ title: scenario.title, product: runs[0] ?? [], baseline: runs[1] ?? [] });
      summary.push({ title: scenario.title, ratio, aim: scenario.key === 'rate' ? null : readAim });
    }
    printSummary(summary);
    console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s; load average now ${loadAverage()}`);
  } finally {
    for (const server of servers) await server.stop();
    await network?.proxy.stop();
    await owner.end();
  }
}

/**
 * `--db-delay-ms`: the proxy both servers reach PostgreSQL through (stopped after them), how to rewrite a
 * connection URL to go through it, and the round trip it adds, measured.
 */
async function startDelayProxy(ownerUrl: string) {
  const target = new URL(ownerUrl);
  const proxy = await spawnServer('./delay-proxy.ts', {
    BENCH_PROXY_TARGET: `${target.hostname}:${target.port || '5432'}`,
    BENCH_PROXY_DELAY_MS: String(dbDelayMs),
  });
  const proxyPort = new URL(proxy.url).port;
  const through = (url: string) => {
    const rewritten = new URL(url);
    rewritten.hostname = '127.0.0.1';
    rewritten.port = proxyPort;
    return rewritten.toString();
  };
  const roundTrip = async (url: string) => {
    const pool = openRawPool({ connectionString: url, max: 1 });
    try {
      const times: number[] = [];
      for (let i = 0; i < 200; i++) {
        const start = performance.now();
        await pool.query('select 1');
        times.push(performance.now() - start);
      }
      return times.sort((a, b) => a - b)[100] ?? 0;
    } finally {
      await pool.end();
    }
  };
  return {
    proxy,
    through,
    roundTripMs: { direct: await roundTrip(ownerUrl), proxied: await roundTrip(through(ownerUrl)) },
  };
}

/**
 * `--split`: the read and the layers under it, each warmed up, then measured in interleaved rounds on the
 * product and (where it has the layer: not the tenant transaction) on the baseline.
 */
async function measureSplit(
  targets: Target[],
  layers: Scenario[],
  counters: Awaited<ReturnType<typeof openUsageCounters>>,
): Promise<void> {
  const [product, baseline] = targets;
  if (!product || !baseline) throw new Error('two servers expected');
  const onBaseline = (layer: Scenario) => layer.key !== 'transaction';
  const results: SplitLayer[] = layers.map((layer) => ({
    title: layer.title,
    product: [],
    baseline: onBaseline(layer) ? [] : null,
  }));
  for (const layer of layers) {
    for (const target of onBaseline(layer) ? targets : [product]) {
      await runLoad(target.server.url, layer, { seconds: config.warmupSeconds, connections: config.connections });
    }
  }
  const options = { seconds: config.seconds, connections: config.connections };
  for (let round = 0; round < config.rounds; round++) {
    progress(`round ${round + 1}/${config.rounds}`);
    for (const [i, layer] of layers.entries()) {
      const result = results[i];
      if (!result) continue;
      result.product.push(await measureRun(product, layer, options, counters));
      if (result.baseline) result.baseline.push(await measureRun(baseline, layer, options, counters));
    }
  }
  printSplit(results);
}

async function printHeader(
  owner: RawPool,
  bench: BenchDatabase,
  loaded: LoadedCatalog,
  warmed: boolean,
  counters: { statementsAvailable: boolean; postgresVisible: boolean },
): Promise<void> {
  const { rows } = await owner.query<Record<string, string>>(
    `select current_setting('server_version') as version, current_setting('shared_buffers') as shared_buffers,
            current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit,
            pg_size_pretty(pg_total_relation_size('public.skills')) as skills_size`,
  );
  const s = rows[0] ?? {};
  const skills = config.tenants * config.skillsPerTenant;
  console.log('API benchmark: the Skillhub API vs a minimal baseline server, same PostgreSQL, same run');
  console.log(
    `  PostgreSQL ${s.version} (${bench.where}); shared_buffers ${s.shared_buffers}, fsync ${s.fsync}, synchronous_commit ${s.synchronous_commit}`,
  );
  console.log(
    `  Node ${process.version}, ${os.cpus().length} CPUs; ${n(config.tenants)} tenants × ${n(config.skillsPerTenant)} skills = ${n(skills)} skills (${s.skills_size} with indexes${warmed ? ', prewarmed' : ''}), one user, API key and session per tenant; loaded in ${loaded.seconds.toFixed(0)} s`,
  );
  console.log(
    `  each server in its own child process, pool of ${config.poolSize} connections; autocannon in this process, ${config.connections} keep-alive connections, no pipelining`,
  );
  console.log(
    `  ${config.rounds} interleaved rounds of ${config.seconds} s per server and scenario (order alternating), after ${config.warmupSeconds} s of warm-up each; figures are medians across rounds`,
  );
  console.log(
    '  Skillhub API: createApp + startServer, runtime role (RLS), Database.open defaults, background audit sealer as in `skillhub serve`, pino silent; change capture on skills, ratings, api_keys, users',
  );
  console.log(
    '  baseline: Hono on @hono/node-server, owner (superuser) connections that ignore RLS, autocommit statements, `where tenant_id = $1`, credentials from an in-memory map; no tenant context, no audit or security writes',
  );
  console.log(
    '  baseline rating write: rows go to bench_ratings (copy of ratings: same columns, indexes and foreign keys; no triggers, no RLS); the skill totals update on skills runs with session_replication_role = replica, so skills change capture does not fire (its keys do not change, so no foreign key check is skipped)',
  );
  console.log(
    `  per-request columns: statements = top-level statements (round trips) ${counters.statementsAvailable ? 'from pg_stat_statements' : '(pg_stat_statements unavailable: n/a)'}, PG exec = their execution time without BEGIN/COMMIT; PG CPU = all of PostgreSQL's processes ${counters.postgresVisible ? '(from /proc)' : '(not visible from here: n/a)'}`,
  );
  console.log(`  load average before measuring (1, 5, 15 min): ${loadAverage()}`);
}

await main();
