import { sql } from 'drizzle-orm';
import type { TenantTx } from '../tenant-context/context-store.ts';

/** What one statement did: the rows it returned or touched, or the SQLSTATE it was refused with. */
export type Attempt = { rows: number; values: unknown[] } | { refused: string };

/**
 * Runs one statement inside a savepoint, so a refusal (the expected answer
 * to most attacks) leaves the surrounding transaction usable for the next.
 */
export async function attempt(tx: TenantTx, statement: string): Promise<Attempt> {
  await tx.execute(sql.raw('savepoint selftest_attempt'));
  try {
    const result = await tx.execute<Record<string, unknown>>(sql.raw(statement));
    await tx.execute(sql.raw('release savepoint selftest_attempt'));
    return { rows: result.rowCount ?? result.rows.length, values: result.rows.map((r) => Object.values(r)[0]) };
  } catch (error) {
    await tx.execute(sql.raw('rollback to savepoint selftest_attempt'));
    return { refused: sqlStateOf(error) };
  }
}

export const sqlStateOf = (error: unknown): string => {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  const code = e.cause?.code ?? e.code;
  return typeof code === 'string' ? code : 'error';
};

/** A literal for SQL built here from values the self-test made itself (ids, slugs, contexts). */
export const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** Rolls back whatever `fn` did in the tenant transaction by failing it on purpose. */
export class RollBack extends Error {}
