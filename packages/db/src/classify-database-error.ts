import { DbError, type DbErrorCode } from './errors.ts';

interface DriverError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
  cause?: unknown;
}

// SQLSTATE classes (PostgreSQL, Appendix A) by what a caller can do about them.
const byState: Record<string, DbErrorCode> = {
  '23505': 'UNIQUE_VIOLATION',
  '23503': 'FOREIGN_KEY_VIOLATION',
  '23502': 'CONSTRAINT_VIOLATION',
  '23514': 'CONSTRAINT_VIOLATION',
  '23P01': 'CONSTRAINT_VIOLATION',
  '57014': 'STATEMENT_TIMEOUT',
  '25P03': 'STATEMENT_TIMEOUT',
  '40001': 'TRANSIENT_CONFLICT',
  '40P01': 'TRANSIENT_CONFLICT',
  '55P03': 'TRANSIENT_CONFLICT',
  '57P01': 'DATABASE_UNREACHABLE',
  '57P02': 'DATABASE_UNREACHABLE',
  '57P03': 'DATABASE_UNREACHABLE',
  '53300': 'DATABASE_UNREACHABLE',
  // Raised by the audit tree's functions (audit.subtree_hash, audit.record_checkpoint) over damaged history.
  XX001: 'AUDIT_TREE_BROKEN',
};
// Class 22 (data exception): bad text encoding, impossible dates, numbers out of range.
const dataException = /^22/;
// Class 08 (connection exception), the driver's own words for a lost connection, and a backend's whose
// postmaster died under it (a Citus coordinator killed mid-request answered its waiting statements with
// "postmaster was shut down, exiting", SQLSTATE XX000, which the server showed as a 500; found).
const connectionState = /^08/;
const lostConnection =
  /Connection terminated|terminating connection|ECONNREFUSED|ECONNRESET|Client has encountered a connection error|timeout exceeded when trying to connect|Cannot use a pool after calling end|postmaster was shut down|unexpected postmaster exit/i;

/**
 * What the database said, in its own words: Drizzle wraps the driver's error in one whose message is the
 * failed statement and its parameters, which belong in no log line or answer.
 */
export function databaseReason(error: unknown): string {
  const reason = (error as { cause?: unknown } | null)?.cause ?? error;
  return reason instanceof Error ? reason.message : String(reason);
}

/**
 * The foundation's reading of an error from the driver (or Drizzle's wrapper
 * around it): a {@link DbError} whose code says what the caller can do, with
 * the original as its cause. A DbError is returned as it is; anything that
 * did not come from the database gives undefined.
 */
export function classifyDatabaseError(error: unknown): DbError | undefined {
  if (error instanceof DbError) return error;
  if (typeof error !== 'object' || error === null) return undefined;
  const outer = error as DriverError;
  const driver = (typeof outer.cause === 'object' && outer.cause !== null ? outer.cause : outer) as DriverError;
  const state = typeof driver.code === 'string' ? driver.code : undefined;
  const message = typeof driver.message === 'string' ? driver.message : '';
  const code =
    (state && byState[state]) ??
    (state && dataException.test(state) ? 'INVALID_VALUE' : undefined) ??
    (state && connectionState.test(state) ? 'DATABASE_UNREACHABLE' : undefined) ??
    (lostConnection.test(message) ? 'DATABASE_UNREACHABLE' : undefined);
  if (!code) return undefined;
  const constraint = typeof driver.constraint === 'string' ? driver.constraint : undefined;
  return new DbError(code, message || code, { cause: error, constraint });
}
