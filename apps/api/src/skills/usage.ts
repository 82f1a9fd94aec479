import { sql, type TenantTx, usageEvents } from '@skillhub/db';
import type { RequestAuth } from '../app-env.ts';

export const usagePeriods = ['hour', 'day', 'week', 'month'] as const;
export type UsagePeriod = (typeof usagePeriods)[number];

/**
 * Records one use of a skill by the calling user or API key (an agent
 * fetching it, say), now, or at `occurredAt` for a use that happened
 * earlier (loading past usage).
 */
export async function recordUsage(tx: TenantTx, auth: RequestAuth, skillId: string, source: string, occurredAt?: Date) {
  const [event] = await tx
    .insert(usageEvents)
    .values({ skillId, userId: auth.userId, apiKeyId: auth.apiKeyId, source, ...(occurredAt && { occurredAt }) })
    .returning({ id: usageEvents.id, occurredAt: usageEvents.occurredAt });
  return event;
}

/** Uses per period in [from, to), with totals by source. */
export async function usageStats(tx: TenantTx, skillId: string, period: UsagePeriod, from: Date, to: Date) {
  const buckets = await tx.execute<{ bucket: Date; uses: number }>(sql`
    select date_trunc(${period}, occurred_at) as bucket, count(*)::int as uses
    from usage_events
    where skill_id = ${skillId} and occurred_at >= ${from.toISOString()} and occurred_at < ${to.toISOString()}
    group by 1 order by 1`);
  const sources = await tx.execute<{ source: string; uses: number }>(sql`
    select source, count(*)::int as uses from usage_events
    where skill_id = ${skillId} and occurred_at >= ${from.toISOString()} and occurred_at < ${to.toISOString()}
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
