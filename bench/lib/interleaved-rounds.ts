/** One way of doing an operation; `run` performs it once, and throws if the result is wrong. */
export interface Variant {
  key: string;
  label: string;
  run: () => Promise<void>;
  /** Runs before each of this variant's rounds, untimed (e.g. attaching a trigger). */
  before?: () => Promise<void>;
  /** Runs after each of this variant's rounds, untimed. */
  after?: () => Promise<void>;
}

export interface VariantResult {
  key: string;
  label: string;
  /** Every timed operation's latency, in microseconds. */
  latenciesUs: number[];
  /** Operations per second of each round (sequential, one connection). */
  roundOpsPerSec: number[];
}

export interface RoundOptions {
  rounds: number;
  opsPerRound: number;
  warmupOps: number;
  onProgress?: (message: string) => void;
}

/**
 * Runs every variant for `rounds` rounds, interleaved, so that machine noise
 * (another process, a checkpoint, autovacuum) falls on all of them alike.
 * The order rotates each round, so no variant always runs first or last.
 * A warm-up pass of `warmupOps` per variant runs first and is discarded.
 */
export async function runInterleaved(variants: Variant[], options: RoundOptions): Promise<VariantResult[]> {
  const results = variants.map((v) => ({
    key: v.key,
    label: v.label,
    latenciesUs: [] as number[],
    roundOpsPerSec: [] as number[],
  }));
  for (const variant of variants) await runRound(variant, options.warmupOps);
  for (let round = 0; round < options.rounds; round++) {
    options.onProgress?.(`round ${round + 1}/${options.rounds}`);
    for (let k = 0; k < variants.length; k++) {
      const index = (k + round) % variants.length;
      const variant = variants[index];
      const result = results[index];
      if (!variant || !result) continue;
      const { latenciesUs, elapsedMs } = await runRound(variant, options.opsPerRound);
      result.latenciesUs.push(...latenciesUs);
      result.roundOpsPerSec.push((options.opsPerRound * 1000) / elapsedMs);
    }
  }
  return results;
}

async function runRound(variant: Variant, ops: number): Promise<{ latenciesUs: number[]; elapsedMs: number }> {
  await variant.before?.();
  const latenciesUs = new Array<number>(ops);
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) {
    const t0 = process.hrtime.bigint();
    await variant.run();
    latenciesUs[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  await variant.after?.();
  return { latenciesUs, elapsedMs };
}

/** The p-th percentile (0–100) by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export const median = (values: number[]): number => percentile(values, 50);
