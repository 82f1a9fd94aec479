import type { RawPool } from '@skillhub/db/bench';
import { median } from '../lib/interleaved-rounds.ts';
import { type CaptureMode, captureLabels, emptyLedger, setCaptureMode } from './capture-modes.ts';
import { type CaptureSplit, explainStatements } from './explain-capture.ts';
import { type AppPool, inTenant, walPosition, walSince } from './tenant-transaction.ts';

export interface BulkOptions {
  /** A tenant with no other skills: the bulk statements touch only its rows. */
  tenantId: string;
  modes: CaptureMode[];
  rows: number;
  rounds: number;
  /** Rows of the explain analyze pass that splits out the capture trigger's time (smaller: it is not timed). */
  explainRows: number;
  onProgress?: (message: string) => void;
}

export interface BulkStepFigures {
  medianMs: number;
  walMb: number;
  server: CaptureSplit;
}

export interface BulkFigures {
  mode: CaptureMode;
  label: string;
  insert: BulkStepFigures;
  update: BulkStepFigures;
}

// Rows shaped like real skills (a few hundred bytes of text each).
const insertSql = `insert into skills (slug, name, description, content, tags, visibility)
  select 'bulk-' || g, 'Bulk skill ' || g, 'What bulk skill ' || g || ' is for, in one sentence.',
         repeat('Step ' || g || ': do the next thing carefully. ', 4), array['bench', 'topic-' || (g % 10)],
         (array['private', 'internal', 'public'])[1 + g % 3]
  from generate_series(1, $1::int) g`;
// Row level security narrows it to the tenant's rows: all of them bulk rows.
const updateSql = `update skills set description = description || ' (revised)', rating_count = rating_count + 1,
  updated_at = now()`;

/**
 * Puts the bulk tenant back to no rows and the ledger back to empty, then
 * vacuums and checkpoints, so every round starts from the same state and no
 * checkpoint lands inside a timed statement by chance.
 */
async function reset(owner: RawPool, tenantId: string): Promise<void> {
  await setCaptureMode(owner, 'public.skills', 'none');
  await owner.query('delete from skills where tenant_id = $1', [tenantId]);
  await emptyLedger(owner);
  await owner.query('vacuum skills');
  await owner.query('checkpoint');
}

async function ledgerCount(owner: RawPool): Promise<number> {
  const { rows } = await owner.query<{ n: string }>('select count(*) as n from audit_logs');
  return Number(rows[0]?.n ?? 0);
}

async function timed(app: AppPool, owner: RawPool, tenantId: string, text: string, params: unknown[], rows: number) {
  const lsn = await walPosition(owner);
  const start = process.hrtime.bigint();
  const written = await inTenant(app, tenantId, async (c) => (await c.query(text, params)).rowCount);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (written !== rows) throw new Error(`bulk statement wrote ${written} rows, expected ${rows}`);
  return { ms, wal: await walSince(owner, lsn) };
}

/**
 * A bulk INSERT of `rows` skills and a bulk UPDATE of all of them, each its
 * own transaction as the runtime role under RLS, in each capture mode,
 * interleaved in rounds (order rotating). A smaller untimed pass warms up
 * first. Checks that the ledger got one record per row in the capturing modes.
 */
export async function measureBulkWrites(pools: { owner: RawPool; app: AppPool }, options: BulkOptions) {
  const { owner, app } = pools;
  const { tenantId, rows, modes } = options;
  const times = new Map(modes.map((m) => [m, { insert: [] as number[], update: [] as number[] }]));
  const wal = new Map(modes.map((m) => [m, { insert: [] as number[], update: [] as number[] }]));
  const pass = async (mode: CaptureMode, n: number) => {
    await reset(owner, tenantId);
    await setCaptureMode(owner, 'public.skills', mode);
    const insert = await timed(app, owner, tenantId, insertSql, [n], n);
    const update = await timed(app, owner, tenantId, updateSql, [], n);
    const recorded = await ledgerCount(owner);
    const expected = mode === 'none' ? 0 : 2 * n;
    if (recorded !== expected) throw new Error(`${mode}: the ledger holds ${recorded} records, expected ${expected}`);
    return { insert, update };
  };
  for (const mode of modes) await pass(mode, Math.max(1, Math.floor(rows / 10)));
  for (let round = 0; round < options.rounds; round++) {
    options.onProgress?.(`  round ${round + 1}/${options.rounds}`);
    for (let k = 0; k < modes.length; k++) {
      const mode = modes[(k + round) % modes.length] ?? 'none';
      const { insert, update } = await pass(mode, rows);
      times.get(mode)?.insert.push(insert.ms);
      times.get(mode)?.update.push(update.ms);
      wal.get(mode)?.insert.push(insert.wal);
      wal.get(mode)?.update.push(update.wal);
    }
  }
  options.onProgress?.(
    `  explain analyze of each bulk statement at ${options.explainRows.toLocaleString('en-US')} rows`,
  );
  const figures: BulkFigures[] = [];
  for (const mode of modes) {
    await reset(owner, tenantId);
    await setCaptureMode(owner, 'public.skills', mode);
    // Insert and update explained in one rolled-back transaction: the update needs the inserted rows.
    const statements: [string, unknown[]][] = [
      [insertSql, [options.explainRows]],
      [updateSql, []],
    ];
    const [insertSplit, updateSplit] = await explainStatements(app, tenantId, statements);
    if (!insertSplit || !updateSplit) throw new Error('explain returned nothing');
    const t = times.get(mode);
    const w = wal.get(mode);
    figures.push({
      mode,
      label: captureLabels[mode],
      insert: { medianMs: median(t?.insert ?? []), walMb: median(w?.insert ?? []) / 2 ** 20, server: insertSplit },
      update: { medianMs: median(t?.update ?? []), walMb: median(w?.update ?? []) / 2 ** 20, server: updateSplit },
    });
  }
  await reset(owner, tenantId);
  return figures;
}
