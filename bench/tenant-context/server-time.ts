import type { RawPool, RawPoolClient } from '@skillhub/db/bench';
import { inTransaction } from '../lib/in-transaction.ts';
import { median } from '../lib/interleaved-rounds.ts';

interface ExplainOutput {
  'Planning Time': number;
  'Execution Time': number;
}

export interface ServerTimeSide {
  pool: RawPool;
  /** Runs once after BEGIN, e.g. to set the tenant context. */
  prepare?: (client: RawPoolClient) => Promise<void>;
  /** Runs before and after each of this side's rounds, outside its transaction (e.g. swapping a policy). */
  before?: () => Promise<void>;
  after?: () => Promise<void>;
  statement: () => [string, unknown[]];
}

/**
 * What PostgreSQL itself spends planning and executing one statement, with
 * no round trip and no client in the figure: `explain (analyze)` of each
 * side's statement, `samples` times, interleaved in `rounds`, inside
 * transactions that are rolled back (so inserts leave nothing behind).
 * Returns the medians in microseconds, per side.
 */
export async function serverTimes(
  sides: ServerTimeSide[],
  options: { samples: number; rounds: number },
): Promise<{ planningUs: number; executionUs: number }[]> {
  const planning: number[][] = sides.map(() => []);
  const execution: number[][] = sides.map(() => []);
  const perRound = Math.ceil(options.samples / options.rounds);
  for (let round = 0; round < options.rounds; round++) {
    for (const [i, side] of sides.entries()) {
      await side.before?.();
      await inTransaction(
        side.pool,
        async (client) => {
          await side.prepare?.(client);
          for (let k = 0; k < perRound; k++) {
            const [text, params] = side.statement();
            const { rows } = await client.query<{ 'QUERY PLAN': ExplainOutput[] }>(
              `explain (analyze, timing off, summary on, format json) ${text}`,
              params,
            );
            const out = rows[0]?.['QUERY PLAN'][0];
            if (!out) throw new Error('explain returned nothing');
            planning[i]?.push(out['Planning Time'] * 1000);
            execution[i]?.push(out['Execution Time'] * 1000);
          }
        },
        { rollback: true },
      );
      await side.after?.();
    }
  }
  return sides.map((_, i) => ({ planningUs: median(planning[i] ?? []), executionUs: median(execution[i] ?? []) }));
}
