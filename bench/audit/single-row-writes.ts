import type { RawPool } from '@skillhub/db/bench';
import { median, percentile, runInterleaved, type Variant } from '../lib/interleaved-rounds.ts';
import { type CaptureMode, captureLabels, setCaptureMode } from './capture-modes.ts';
import { type CaptureSplit, explainCapture } from './explain-capture.ts';
import { type AppPool, inTenant, walPosition, walSince } from './tenant-transaction.ts';

export type SingleRowOperation = 'insert' | 'update';

export interface SingleRowOptions {
  operation: SingleRowOperation;
  modes: CaptureMode[];
  tenantIds: string[];
  /** Skills each tenant already holds, named skill-1..skill-N (updates pick one). */
  skillsPerTenant: number;
  rounds: number;
  ops: number;
  warmup: number;
  explainSamples: number;
  onProgress?: (message: string) => void;
}

export interface WriteFigures {
  mode: CaptureMode;
  label: string;
  medianUs: number;
  p95Us: number;
  opsPerSec: number;
  walBytesPerOp: number;
  server: CaptureSplit;
}

export const singleRowTitles: Record<SingleRowOperation, string> = {
  insert: 'insert one skill',
  update: 'update one skill (description, rating_count, updated_at)',
};

let lastSeq = 0;
const pickTenant = (ids: string[]) => ids[Math.floor(Math.random() * ids.length)] ?? '';

/** The statement, as the runtime role sends it inside its tenant's transaction. */
function statementFor(operation: SingleRowOperation, skillsPerTenant: number): [string, unknown[]] {
  if (operation === 'insert') {
    const seq = ++lastSeq;
    return [
      `insert into skills (slug, name, description, content, tags) values ($1, $2, $3, $4, $5)`,
      [
        `written-${seq}`,
        `Written skill ${seq}`,
        'Written by the audit benchmark',
        'Step 1: read the brief. Step 2: write the skill.',
        ['bench'],
      ],
    ];
  }
  const row = 1 + Math.floor(Math.random() * skillsPerTenant);
  return [
    `update skills set description = $1, rating_count = rating_count + 1, updated_at = now() where slug = $2`,
    [`Revised by the audit benchmark (${++lastSeq})`, `skill-${row}`],
  ];
}

/**
 * One single-row write per transaction (BEGIN, tenant context, statement,
 * COMMIT; runtime role, RLS on) on `public.skills` in each capture mode,
 * interleaved in rounds; the mode is switched, untimed, before each round.
 * Also records the WAL each mode writes per transaction and, from explain
 * analyze, how long the statement and its capture trigger take inside
 * PostgreSQL.
 */
export async function measureSingleRowWrites(
  pools: { owner: RawPool; app: AppPool },
  options: SingleRowOptions,
): Promise<WriteFigures[]> {
  const { owner, app } = pools;
  const wal = new Map<CaptureMode, number[]>(options.modes.map((m) => [m, []]));
  let roundStart = '0/0';
  const variants: Variant[] = options.modes.map((mode) => ({
    key: mode,
    label: captureLabels[mode],
    before: async () => {
      await setCaptureMode(owner, 'public.skills', mode);
      roundStart = await walPosition(owner);
    },
    after: async () => void wal.get(mode)?.push(await walSince(owner, roundStart)),
    run: async () => {
      const [text, params] = statementFor(options.operation, options.skillsPerTenant);
      const written = await inTenant(
        app,
        pickTenant(options.tenantIds),
        async (c) => (await c.query(text, params)).rowCount,
      );
      if (written !== 1) throw new Error(`${options.operation} wrote ${written} rows, expected 1`);
    },
  }));
  const results = await runInterleaved(variants, {
    rounds: options.rounds,
    opsPerRound: options.ops,
    warmupOps: options.warmup,
    onProgress: (m) => options.onProgress?.(`  ${m}`),
  });
  const figures: WriteFigures[] = [];
  for (const mode of options.modes) {
    const result = results.find((r) => r.key === mode);
    if (!result) throw new Error(`no result for ${mode}`);
    await setCaptureMode(owner, 'public.skills', mode);
    const server = await explainCapture(
      app,
      pickTenant(options.tenantIds),
      () => statementFor(options.operation, options.skillsPerTenant),
      options.explainSamples,
    );
    // The first WAL figure is the warm-up pass (runInterleaved runs it first).
    const perRound = (wal.get(mode) ?? []).slice(1).map((bytes) => bytes / options.ops);
    figures.push({
      mode,
      label: captureLabels[mode],
      medianUs: median(result.latenciesUs),
      p95Us: percentile(result.latenciesUs, 95),
      opsPerSec: median(result.roundOpsPerSec),
      walBytesPerOp: median(perRound),
      server,
    });
  }
  return figures;
}
