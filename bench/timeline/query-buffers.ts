import type { RawPool } from '@skillhub/db/bench';
import { median } from '../lib/interleaved-rounds.ts';

interface PlanNode {
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
}

/**
 * The median shared buffers (hit + read) one query touches while it runs,
 * from EXPLAIN (ANALYZE, BUFFERS) over `samples` parameter sets: pages, which
 * a busy machine does not distort as it does wall time. Planning's own
 * buffers (the catalog) are left out.
 */
export async function medianBuffers(
  owner: RawPool,
  text: string,
  params: () => unknown[],
  samples: number,
): Promise<number> {
  const counts: number[] = [];
  for (let i = 0; i < samples; i++) {
    const { rows } = await owner.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      `explain (analyze, buffers, format json) ${text}`,
      params(),
    );
    const plan = rows[0]?.['QUERY PLAN'][0]?.Plan ?? {};
    counts.push((plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0));
  }
  return median(counts);
}
