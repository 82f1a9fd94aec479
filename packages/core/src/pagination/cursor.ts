import { type SQL, sql } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { isIsoInstant } from '../validation/iso-instant.ts';

/**
 * A timestamp column as ISO 8601 text with PostgreSQL's microseconds. Keyset
 * cursors carry this rather than a JavaScript Date: a Date keeps only
 * milliseconds, and a page boundary rounded down skips the rows that share
 * the millisecond.
 */
export const isoTimestamp = (column: { getSQL(): SQL }) =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const isoPattern = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/;
/** A UUID as PostgreSQL's uuid type reads it (hex digits in 8-4-4-4-12). */
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An opaque keyset cursor over (timestamp, id), newest first; `at` as {@link isoTimestamp} returns it. */
export const encodeCursor = (at: string, id: string): string =>
  Buffer.from(JSON.stringify([at, id])).toString('base64url');

/**
 * The (timestamp, id) a cursor names, or 400 for anything this server did
 * not hand out, including a well-formed cursor naming an instant that does
 * not exist (9999-99-99) or that PostgreSQL cannot hold (year 0).
 */
export function decodeCursor(cursor: string): { at: string; id: string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = null;
  }
  const [at, id] = Array.isArray(decoded) ? decoded : [];
  if (
    typeof at !== 'string' ||
    !isoPattern.test(at) ||
    !isIsoInstant(at) ||
    typeof id !== 'string' ||
    !uuidPattern.test(id)
  ) {
    throw new AppError('VALIDATION_FAILED', 'The cursor is not valid; start again without it.');
  }
  return { at, id };
}
