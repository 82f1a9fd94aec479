import { percentile } from '../lib/interleaved-rounds.ts';
import { runLoad } from './run-load.ts';
import type { Scenario } from './scenarios.ts';
import type { ServerProcess } from './spawn-server.ts';
import { postgresCpuMs, statementDelta, type UsageSnapshot } from './usage-counters.ts';

/** One timed run of one scenario against one server, and what it cost per request. */
export interface RunFigures {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Per request; null where the counter is unavailable. */
  statements: number | null;
  transactions: number | null;
  pgExecUs: number | null;
  auditRows: number;
  serverCpuUs: number;
  postgresCpuUs: number | null;
  loadGeneratorCpuUs: number;
  /** Non-2xx responses by status, and connection errors under 'error'. */
  failures: Record<string, number>;
  /** Statement by statement, for the report's breakdown. */
  statementMix: StatementShare[] | null;
}

/** A statement's calls per request and mean execution time. */
export interface StatementShare {
  query: string;
  perRequest: number;
  meanUs: number;
}

export interface Target {
  label: string;
  server: ServerProcess;
  /** The database role its queries run as. */
  role: string;
}

const transactionControl = /^\s*(begin|commit|rollback)\b/i;
/** A few failures are reported, not fatal (a rare race can fail a request); more mean a broken setup. */
const maxFailedShare = 0.001;

/**
 * Runs `scenario` against `target` for `seconds` after a second of untimed
 * load, between counter snapshots. A handful of failed responses is
 * reported; more fail the run. The server settles afterwards (untimed), so
 * background work a run leaves behind does not land on the next one.
 */
export async function measureRun(
  target: Target,
  scenario: Scenario,
  options: { seconds: number; connections: number },
  counters: { snapshot: (role: string) => Promise<UsageSnapshot>; quiesce: (role: string) => Promise<void> },
): Promise<RunFigures> {
  // Untimed: the pools' connections closed while the other server had its turn (pg's idle timeout)
  // and are opened again here, as on a server that never stopped taking traffic (the settle first
  // gives the product's new connections their varied statements again, under --varied-statements).
  await target.server.settle();
  await runLoad(target.server.url, scenario, { ...options, seconds: 1 });
  await counters.quiesce(target.role);
  const before = await counters.snapshot(target.role);
  const serverCpuBefore = await target.server.cpuUs();
  const loadCpuBefore = process.cpuUsage();
  const load = await runLoad(target.server.url, scenario, options);
  const loadCpu = process.cpuUsage(loadCpuBefore);
  // Requests in flight when the time ran out still finish on the server; count their work in.
  await counters.quiesce(target.role);
  const serverCpu = (await target.server.cpuUs()) - serverCpuBefore;
  const after = await counters.snapshot(target.role);
  await target.server.settle();
  const failed = Object.values(load.failures).reduce((sum, x) => sum + x, 0);
  if (failed > Math.max(3, maxFailedShare * load.sent)) {
    throw new Error(`${target.label}, ${scenario.title}: failed responses ${JSON.stringify(load.failures)}`);
  }
  const n = Math.max(1, load.sent);
  const mix = statementDelta(before, after);
  const pgCpuMs = postgresCpuMs(before, after);
  return {
    requestsPerSec: load.ok / load.seconds,
    p50Ms: percentile(load.latenciesMs, 50),
    p99Ms: percentile(load.latenciesMs, 99),
    requests: load.ok,
    failures: load.failures,
    statements: mix && mix.reduce((sum, s) => sum + s.calls, 0) / n,
    transactions: mix && mix.filter((s) => /^\s*commit\b/i.test(s.query)).reduce((sum, s) => sum + s.calls, 0) / n,
    pgExecUs: mix && (mix.reduce((sum, s) => sum + (transactionControl.test(s.query) ? 0 : s.execMs), 0) * 1000) / n,
    auditRows: (after.auditSeq - before.auditSeq) / n,
    serverCpuUs: serverCpu / n,
    postgresCpuUs: pgCpuMs === null ? null : (pgCpuMs * 1000) / n,
    loadGeneratorCpuUs: (loadCpu.user + loadCpu.system) / n,
    statementMix:
      mix?.map((s) => ({ query: s.query, perRequest: s.calls / n, meanUs: (s.execMs * 1000) / s.calls })) ?? null,
  };
}
