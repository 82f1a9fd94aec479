import { sql } from 'drizzle-orm';
import { classifyDatabaseError } from '../../classify-database-error.ts';
import { DbError, type DbErrorCode } from '../../errors.ts';
import { currentScope } from '../../tenant-context/context-store.ts';
import type { Subject } from './subject.ts';

/** What erasing a subject reaches (a dry run) or reached, in the caller's workspace. */
export interface ErasureReport {
  /** The subject erased: `user:<id>` for a member (named by id or address), else `email:<hmac>`. */
  subject: string;
  /** Every subject id whose key goes: a member's account and the address it had. */
  subjects: string[];
  dryRun: boolean;
  /** Whether the person has an account here, and whether it is still active (which refuses erasure). */
  account: 'none' | 'active' | 'deactivated';
  /** Ledger events whose envelope holds values of these subjects. */
  events: number;
  /** The fields those envelopes hold, as `part.name` (`new_record.email`, `ip_address`). */
  fields: string[];
  /** Events written before envelopes existed that name the person in clear: erasure cannot reach them. */
  eventsInClear: number;
  /** Security events (the throttle's projection) still holding the person's address or IP. */
  securityEvents: number;
  sessions: number;
  /** Keys held for these subjects. */
  keys: number;
}

// SQLSTATEs audit.erase_subject raises on purpose (migration 0047).
const refusals: Record<string, DbErrorCode> = {
  '42501': 'ERASURE_FORBIDDEN',
  '22023': 'INVALID_INPUT',
  P0002: 'SUBJECT_NOT_FOUND',
  '55006': 'SUBJECT_STILL_ACTIVE',
  // A legal hold keeps the person's data (migration 0049).
  '55000': 'SUBJECT_ON_LEGAL_HOLD',
};

/**
 * Erases a data subject in the current `withTenant` transaction through
 * `audit.erase_subject` (migration 0047): destroys their keys, so every
 * ledger envelope sealed under them becomes unreadable while the chain and
 * the tree still verify; anonymizes a deactivated member's row, deletes
 * their sessions and redacts their security events; records
 * `subject.erased` (subject id and counts, never the values). With
 * `dryRun`, reports the same counts and changes nothing. The workspace is
 * the transaction's verified tenant: another workspace's subject is never
 * reached, whatever id is named.
 *
 * @example
 * await db.withTenant(tenantId, actor, () => eraseSubject({ kind: 'user', value: userId }, { dryRun: true }));
 */
export async function eraseSubject(subject: Subject, options: { dryRun: boolean }): Promise<ErasureReport> {
  const scope = currentScope();
  if (!scope) throw new DbError('NO_TENANT_CONTEXT', 'erasing a subject must run inside withTenant');
  try {
    const { rows } = await scope.tx.execute<{ report: ErasureReport }>(
      sql`select audit.erase_subject(${subject.kind}, ${subject.value}, ${options.dryRun}) as report`,
    );
    const report = rows[0]?.report;
    if (!report) throw new DbError('SUBJECT_NOT_FOUND', 'no report');
    return report;
  } catch (error) {
    // Drizzle wraps the driver's error (its message names the query); the refusal is the driver's.
    const driver = ((error as { cause?: unknown }).cause ?? error) as { code?: unknown; message?: unknown };
    const code = typeof driver.code === 'string' ? refusals[driver.code] : undefined;
    if (code) throw new DbError(code, String(driver.message), { cause: error });
    throw classifyDatabaseError(error) ?? error;
  }
}
