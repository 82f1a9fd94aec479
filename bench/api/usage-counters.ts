import { readdir, readFile } from 'node:fs/promises';
import type { RawPool } from '@skillhub/db/bench';

/** One statement's totals in pg_stat_statements. */
export interface StatementTotals {
  query: string;
  calls: number;
  execMs: number;
}

/** What one role's statements and the whole server did between two snapshots. */
export interface UsageSnapshot {
  /** By queryid; null when pg_stat_statements is not loaded. */
  statements: Map<string, StatementTotals> | null;
  auditSeq: number;
  /** CPU ticks per PostgreSQL process; null when the server's processes are not visible here. */
  postgresTicks: Map<number, number> | null;
}

// This module's own queries run as the owner, like the baseline's; a column alias marks them
// (pg_stat_statements keeps no leading comment).
const ticksPerSecond = 100;

/**
 * Reads the counters the report splits each run's cost with: statements
 * and their execution time per role (pg_stat_statements, top level only:
 * one call is one round trip), audit rows written (the ledger's sequence),
 * and CPU of the PostgreSQL server's processes (from /proc, when it runs
 * on this machine).
 */
export async function openUsageCounters(owner: RawPool) {
  let statementsAvailable = true;
  try {
    await owner.query('create extension if not exists pg_stat_statements');
    await owner.query('select count(*) as bench_probe from pg_stat_statements');
  } catch {
    statementsAvailable = false;
  }
  const postmaster = await postmasterPid(owner);

  const snapshot = async (role: string): Promise<UsageSnapshot> => {
    const [statements, audit, postgresTicks] = await Promise.all([
      statementsAvailable ? statementTotals(owner, role) : null,
      owner.query<{ bench_probe: string | null }>(
        `select pg_sequence_last_value(pg_get_serial_sequence('public.audit_logs', 'seq')) as bench_probe`,
      ),
      postmaster === null ? null : processTicks(postmaster),
    ]);
    return { statements, auditSeq: Number(audit.rows[0]?.bench_probe ?? 0), postgresTicks };
  };
  /** Waits (up to 3 s) until no statement of `role` is running: requests still in flight have finished. */
  const quiesce = async (role: string) => {
    for (let waited = 0; waited < 3000; waited += 50) {
      const { rows } = await owner.query<{ bench_probe: number }>(
        `select count(*)::int as bench_probe from pg_stat_activity
         where usename = $1 and state <> 'idle' and pid <> pg_backend_pid()`,
        [role],
      );
      if ((rows[0]?.bench_probe ?? 0) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { statementsAvailable, postgresVisible: postmaster !== null, snapshot, quiesce };
}

async function statementTotals(owner: RawPool, role: string): Promise<Map<string, StatementTotals>> {
  const { rows } = await owner.query<{ queryid: string; query: string; calls: string; ms: number }>(
    `select queryid::text, query, calls, total_exec_time as ms, true as bench_probe from pg_stat_statements
     where userid = $1::regrole and dbid = (select oid from pg_database where datname = current_database())
       and query not like '%bench_probe%' and toplevel`,
    [role],
  );
  return new Map(rows.map((r) => [r.queryid, { query: r.query, calls: Number(r.calls), execMs: r.ms }]));
}

/** What was done between `before` and `after`, statement by statement. */
export function statementDelta(before: UsageSnapshot, after: UsageSnapshot): StatementTotals[] | null {
  if (!before.statements || !after.statements) return null;
  const delta: StatementTotals[] = [];
  for (const [id, a] of after.statements) {
    const b = before.statements.get(id);
    const calls = a.calls - (b?.calls ?? 0);
    if (calls > 0) delta.push({ query: a.query, calls, execMs: a.execMs - (b?.execMs ?? 0) });
  }
  return delta.sort((x, y) => y.calls - x.calls || y.execMs - x.execMs);
}

/** CPU milliseconds the server's processes used between the snapshots (processes alive at the end). */
export function postgresCpuMs(before: UsageSnapshot, after: UsageSnapshot): number | null {
  if (!before.postgresTicks || !after.postgresTicks) return null;
  let ticks = 0;
  for (const [pid, t] of after.postgresTicks) ticks += t - (before.postgresTicks.get(pid) ?? 0);
  return (ticks * 1000) / ticksPerSecond;
}

/** The postmaster is the parent of our backend, if that process is visible in this machine's /proc. */
async function postmasterPid(owner: RawPool): Promise<number | null> {
  const { rows } = await owner.query<{ bench_probe: number }>('select pg_backend_pid() as bench_probe');
  try {
    const stat = await readStat(rows[0]?.bench_probe ?? 0);
    return stat?.comm === 'postgres' ? stat.ppid : null;
  } catch {
    return null;
  }
}

async function processTicks(postmaster: number): Promise<Map<number, number>> {
  const ticks = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = await readStat(pid).catch(() => null);
    if (stat && (pid === postmaster || stat.ppid === postmaster)) ticks.set(pid, stat.ticks);
  }
  return ticks;
}

async function readStat(pid: number): Promise<{ comm: string; ppid: number; ticks: number } | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  // "pid (comm) state ppid ..."; comm may hold spaces, so split after its closing parenthesis.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  // After comm: state(0) ppid(1) ... utime(11) stime(12).
  const ppid = Number(fields[1]);
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ppid) && Number.isFinite(ticks) ? { comm, ppid, ticks } : null;
}
