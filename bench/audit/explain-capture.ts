import type { RawPoolClient } from '@skillhub/db/bench';
import { median } from '../lib/interleaved-rounds.ts';
import { type AppPool, inTenant } from './tenant-transaction.ts';

interface ExplainOutput {
  'Execution Time': number;
  Triggers?: { 'Trigger Name': string; Time: number; Calls: number }[];
}

export interface CaptureSplit {
  /** Execution time of the statement, after-triggers included, µs. */
  executionUs: number;
  /** Time spent in the change-capture trigger(s), µs. */
  captureUs: number;
  /** Capture trigger calls per statement. */
  captureCalls: number;
}

const isCapture = (name: string) => name.startsWith('audit_capture_') || name === 'bench_row_audit';

async function explainOne(client: RawPoolClient, text: string, params: unknown[]): Promise<CaptureSplit> {
  const { rows } = await client.query<{ 'QUERY PLAN': ExplainOutput[] }>(
    `explain (analyze, format json) ${text}`,
    params,
  );
  const out = rows[0]?.['QUERY PLAN'][0];
  if (!out) throw new Error('explain returned nothing');
  const triggers = (out.Triggers ?? []).filter((t) => isCapture(t['Trigger Name']));
  return {
    executionUs: out['Execution Time'] * 1000,
    captureUs: triggers.reduce((sum, t) => sum + t.Time, 0) * 1000,
    captureCalls: triggers.reduce((sum, t) => sum + t.Calls, 0),
  };
}

/**
 * Where each statement's time goes inside PostgreSQL, with no round trip or
 * commit in the figure: `explain (analyze)` of the statements in order, in
 * one transaction of the runtime role under RLS that is then rolled back.
 * The capture trigger's own time comes from the plan's trigger section.
 */
export async function explainStatements(
  app: AppPool,
  tenantId: string,
  statements: [string, unknown[]][],
): Promise<CaptureSplit[]> {
  return inTenant(
    app,
    tenantId,
    async (client) => {
      const splits: CaptureSplit[] = [];
      for (const [text, params] of statements) splits.push(await explainOne(client, text, params));
      return splits;
    },
    { rollback: true },
  );
}

/** {@link explainStatements} of `samples` statements from `statement`; the medians. */
export async function explainCapture(
  app: AppPool,
  tenantId: string,
  statement: () => [string, unknown[]],
  samples: number,
): Promise<CaptureSplit> {
  const splits = await explainStatements(
    app,
    tenantId,
    Array.from({ length: samples }, () => statement()),
  );
  return {
    executionUs: median(splits.map((s) => s.executionUs)),
    captureUs: median(splits.map((s) => s.captureUs)),
    captureCalls: splits[0]?.captureCalls ?? 0,
  };
}
