import type { Database } from '@skillhub/db';
import type { RawPool } from '@skillhub/db/bench';
import { type AppPool, inTenant } from '../audit/tenant-transaction.ts';
import { median, percentile, runInterleaved, type Variant } from '../lib/interleaved-rounds.ts';
import { formatRatio, formatTable, formatUs } from '../lib/print-table.ts';
import { describePlan } from '../tenant-context/describe-plan.ts';
import { type Population, skillListVariants, throttleVariants, timelineVariants } from './read-variants.ts';

export interface ReadContext {
  db: Database;
  /** The runtime role's raw pool, with the key its contexts are signed with. */
  app: AppPool;
  owner: RawPool;
  population: Population;
}

export interface ReadOptions {
  rounds: number;
  ops: number;
  warmup: number;
  /** How many events down a tenant's timeline the deep page starts. */
  depth: number;
  onProgress: (message: string) => void;
}

function printLatencies(title: string, results: { key: string; label: string; latenciesUs: number[] }[], base: string) {
  const baseline = median(results.find((r) => r.key === base)?.latenciesUs ?? []);
  console.log(`\n${title}`);
  console.log(
    formatTable([
      ['', 'median µs', 'p95 µs', `÷ ${base}`],
      ...results.map((r) => [
        r.label,
        formatUs(median(r.latenciesUs)),
        formatUs(percentile(r.latenciesUs, 95)),
        formatRatio(median(r.latenciesUs) / baseline),
      ]),
    ]),
  );
}

/**
 * Sections 3 and 4 of the report: the reads a tenant makes, each in
 * interleaved rounds against its baseline, and their plans under RLS.
 */
export async function measureReads(ctx: ReadContext, options: ReadOptions): Promise<void> {
  const rounds = (variants: Variant[], label: string) => {
    options.onProgress(label);
    return runInterleaved(variants, {
      rounds: options.rounds,
      opsPerRound: options.ops,
      warmupOps: options.warmup,
      onProgress: (m) => options.onProgress(`  ${label}: ${m}`),
    });
  };
  console.log(
    `\n3. reads, ${options.rounds} interleaved rounds × ${options.ops} per variant after ${options.warmup} warm-up, random tenant each, one connection each`,
  );
  const skillList = await rounds(skillListVariants(ctx.db, ctx.app, ctx.owner, ctx.population), 'skill list');
  printLatencies('skill list (first page of 20, newest first)', skillList, 'owner');
  const timelines = await timelineVariants(ctx.db, ctx.app, ctx.owner, ctx.population, options.depth);
  const timeline = await rounds(timelines, 'audit timeline');
  printLatencies("one tenant's audit timeline (50 a page)", timeline, 'first-owner');
  const medianOf = (key: string) => median(timeline.find((r) => r.key === key)?.latenciesUs ?? []);
  console.log(`  deep page, RLS ÷ owner: ${formatRatio(medianOf('deep') / medianOf('deep-owner'))}`);
  printLatencies('login throttle', await rounds(throttleVariants(ctx.owner, ctx.population), 'throttle'), 'floor');

  const ids = ctx.population.tenantIds;
  const tenantId = ids[Math.floor(ids.length / 2)] ?? '';
  console.log(`\n4. plans as the runtime role under RLS (tenant ${tenantId})`);
  await inTenant(ctx.app, tenantId, async (client) => {
    const skillsPlan = await describePlan(
      client,
      'select * from skills order by updated_at desc, id desc limit 21',
      [],
    );
    const deepPlan = await describePlan(
      client,
      `select * from audit_logs where (created_at, id) < (now() - interval '100 days', '00000000-0000-0000-0000-000000000000'::uuid)
       order by created_at desc, id desc limit 51`,
      [],
    );
    console.log(`  skill list: ${skillsPlan}\n  timeline, deep page: ${deepPlan}`);
  });
}
