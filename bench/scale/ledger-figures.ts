import type { RawPool } from '@skillhub/db/bench';

/** Bytes of each table with its indexes and TOAST, and the rows it holds. */
export interface TableSize {
  table: string;
  rows: number;
  bytes: number;
}

/** pg_total_relation_size (heap, TOAST and every index) and the exact row count of each table. */
export async function tableSizes(owner: RawPool, tables: string[]): Promise<TableSize[]> {
  const sizes: TableSize[] = [];
  for (const table of tables) {
    const { rows } = await owner.query<{ rows: string; bytes: string }>(
      `select (select count(*) from ${table}) as rows, pg_total_relation_size($1::regclass) as bytes`,
      [table],
    );
    sizes.push({ table, rows: Number(rows[0]?.rows ?? 0), bytes: Number(rows[0]?.bytes ?? 0) });
  }
  return sizes;
}

/** Tenants whose chains verification checks: every `step`-th, so they are spread over the load. */
export const spreadSample = (ids: string[], count: number): string[] =>
  ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / count)) === 0).slice(0, count);
