import { sameTenant, sql, type TenantTx } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { findSkill } from './find-skill.ts';
import type { UsagePeriod } from './usage-periods.ts';

const dayMs = 86_400_000;

export interface UsageStatsInput {
  period: UsagePeriod;
  /** Default: 30 days before `to`. */
  from?: Date | undefined;
  /** Default: now. */
  to?: Date | undefined;
}

/** Uses of the skill `ref` per period in [from, to), with totals by source; at most two years. */
export async function getUsageStats(tx: TenantTx, ref: string, input: UsageStatsInput) {
  const { period } = input;
  const to = input.to ?? new Date();
  const from = input.from ?? new Date(to.getTime() - 30 * dayMs);
  if (from >= to || to.getTime() - from.getTime() > 731 * dayMs) {
    throw new AppError('VALIDATION_FAILED', 'The usage range must run forwards and span at most two years.');
  }
  const skillId = (await findSkill(tx, ref)).id;
  const buckets = await tx.execute<{ bucket: Date; uses: number }>(sql`
    select date_trunc(${period}, occurred_at) as bucket, count(*)::int as uses
    from usage_events
    where ${sameTenant('usage_events')} and skill_id = ${skillId} and occurred_at >= ${from.toISOString()} and occurred_at < ${to.toISOString()}
    group by 1 order by 1`);
  const sources = await tx.execute<{ source: string; uses: number }>(sql`
    select source, count(*)::int as uses from usage_events
    where ${sameTenant('usage_events')} and skill_id = ${skillId} and occurred_at >= ${from.toISOString()} and occurred_at < ${to.toISOString()}
    group by 1 order by 2 desc`);
  return {
    period,
    from: from.toISOString(),
    to: to.toISOString(),
    total: buckets.rows.reduce((sum, b) => sum + b.uses, 0),
    buckets: buckets.rows.map((b) => ({ start: new Date(b.bucket).toISOString(), uses: b.uses })),
    bySource: sources.rows,
  };
}
