import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

/** A PostgreSQL vulnerability that lets a query see or write past row level security, and where it was fixed. */
export interface RlsCve {
  id: string;
  summary: string;
  /** First fixed release per major version, as server_version_num (e.g. 150010 for 15.10). */
  fixedIn: Record<number, number>;
}

/** The oldest major version the schema supports; older ones get no fixes. */
export const minimumMajor = 15;

/**
 * Known RLS vulnerabilities. The minors named are those that fixed the
 * later of the two (and its regressions); majors from 18 on ship fixed.
 */
export const rlsCves: readonly RlsCve[] = [
  {
    id: 'CVE-2023-2455',
    summary: 'row security policies disregard user ID changes after inlining SQL functions',
    fixedIn: { 15: 150003, 16: 160000, 17: 170000 },
  },
  {
    id: 'CVE-2024-10976',
    summary: 'row security below subqueries disregards user ID changes',
    fixedIn: { 15: 150010, 16: 160006, 17: 170002 },
  },
];

const formatVersion = (num: number) => `${Math.floor(num / 10000)}.${num % 10000}`;

/** The CVEs a server of this `server_version_num` is exposed to, or why it is unsupported; empty when fine. */
export function serverVersionProblems(versionNum: number): string[] {
  const major = Math.floor(versionNum / 10000);
  if (major < minimumMajor) {
    return [`PostgreSQL ${major} is older than ${minimumMajor}: unsupported, and without the RLS fixes`];
  }
  return rlsCves
    .filter((cve) => {
      const fixed = cve.fixedIn[major];
      return fixed !== undefined && versionNum < fixed;
    })
    .map((cve) => `${cve.id} (${cve.summary}) is fixed in ${formatVersion(cve.fixedIn[major] ?? 0)}`);
}

/** The server's version is at or above the minor releases that fixed the known RLS CVEs. */
export async function checkServerVersion(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<{ num: string; version: string }>(
    `select current_setting('server_version_num') as num, current_setting('server_version') as version`,
  );
  const num = Number(rows[0]?.num ?? 0);
  const problems = serverVersionProblems(num);
  return [
    checkResult(
      'server_version',
      `PostgreSQL ${rows[0]?.version ?? '?'}`,
      problems.length === 0
        ? null
        : {
            detail: problems.join('; '),
            fix: `upgrade to the latest minor release of PostgreSQL ${Math.max(Math.floor(num / 10000), minimumMajor)} or later`,
          },
      'error',
      'no known RLS vulnerability',
    ),
  ];
}
