import type { RawPool } from '@skillhub/db/bench';
import type { Variant } from '../lib/interleaved-rounds.ts';
import { emailOf, ipOf, type Population } from './load-events.ts';

/** One sign-in attempt to check: a known user, in their tenant, from a random client IP. */
export function pickAttempt(population: Population): [email: string, ip: string, tenantId: string] {
  const user = Math.floor(Math.random() * population.emails);
  const tenantId = population.tenantIds[user % population.tenantIds.length] ?? '';
  return [emailOf(user), ipOf(Math.floor(Math.random() * population.ips)), tenantId];
}

const call = {
  name: 'should_block_login',
  text: 'select blocked, reason, failures from platform.should_block_login($1, $2::inet, $3)',
};

/** One round-trip per op, as the owner (it names the tenant), through a prepared statement. */
export function throttleVariant(key: string, label: string, app: RawPool, population: Population): Variant {
  return {
    key,
    label,
    run: async () => {
      const { rowCount } = await app.query({ ...call, values: pickAttempt(population) });
      if (rowCount !== 1) throw new Error(`should_block_login returned ${rowCount} rows`);
    },
  };
}

/**
 * Microseconds per call inside PostgreSQL: `calls` calls with random
 * attempts in one statement, timed by EXPLAIN ANALYZE, so the figure holds
 * no round trip, parsing or driver time.
 */
export async function serverMicrosPerCall(app: RawPool, population: Population, calls: number): Promise<number> {
  const attempts = Array.from({ length: calls }, () => pickAttempt(population));
  const { rows } = await app.query<{ 'QUERY PLAN': [{ 'Execution Time': number }] }>(
    `explain (analyze, timing off, format json)
     select (platform.should_block_login(a.email, a.ip::inet, a.tenant)).blocked
     from unnest($1::text[], $2::text[], $3::text[]) as a (email, ip, tenant)`,
    [attempts.map((a) => a[0]), attempts.map((a) => a[1]), attempts.map((a) => a[2])],
  );
  const ms = rows[0]?.['QUERY PLAN'][0]['Execution Time'];
  if (ms === undefined) throw new Error('no execution time');
  return (ms * 1000) / calls;
}

/** {@link serverMicrosPerCall} for each pool in turn, `rounds` times, the order rotating each round. */
export async function serverMicrosInRounds(
  pools: [key: string, pool: RawPool][],
  population: Population,
  options: { calls: number; rounds: number },
): Promise<Map<string, number[]>> {
  const figures = new Map<string, number[]>(pools.map(([key]) => [key, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < pools.length; k++) {
      const [key, pool] = pools[(k + round) % pools.length] as [string, RawPool];
      figures.get(key)?.push(await serverMicrosPerCall(pool, population, options.calls));
    }
  }
  return figures;
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const scans = (node: PlanNode): string[] => [
  ...(node['Index Name'] ? [`${node['Node Type']} using ${node['Index Name']}`] : []),
  ...(node['Node Type'] === 'Seq Scan' ? ['Seq Scan'] : []),
  ...(node.Plans ?? []).flatMap(scans),
];

/**
 * The scans behind the throttle's three questions (the statements inside
 * should_block_login, with one attempt's values), as the owner.
 */
export async function describeQuestions(owner: RawPool, population: Population): Promise<string[]> {
  const [email, ip, tenantId] = pickAttempt(population);
  const questions: [string, string, unknown[]][] = [
    [
      'failures for the email',
      `select count(*) from (select e.created_at from security_events e
         where e.event_type = 'login_failed' and e.tenant_id = $1 and e.email = $2
           and e.created_at > now() - interval '15 minutes' order by e.created_at desc limit 5) f`,
      [tenantId, email],
    ],
    [
      'accounts seen from the IP',
      `select count(distinct s.email) from (select e.email from security_events e
         where e.event_type = 'login_success' and e.ip_address = $1::inet
           and e.created_at > now() - interval '24 hours' order by e.created_at desc limit 500) s`,
      [ip],
    ],
    [
      'failures from the IP',
      `select count(*) from (select e.created_at from security_events e
         where e.event_type = 'login_failed' and e.ip_address = $1::inet
           and e.created_at > now() - interval '15 minutes' order by e.created_at desc limit 20) f`,
      [ip],
    ],
  ];
  const lines: string[] = [];
  for (const [title, text, params] of questions) {
    const { rows } = await owner.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (format json) ${text}`, params);
    const plan = rows[0]?.['QUERY PLAN'][0].Plan;
    lines.push(`${title}: ${plan ? scans(plan).join(', ') || 'no index' : '?'}`);
  }
  return lines;
}
