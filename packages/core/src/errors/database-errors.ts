import { classifyDatabaseError, type DbErrorCode } from '@skillhub/db';
import { AppError, type AppErrorCode } from './app-error.ts';

/** What each foundation error means to a client: a known database error is never a 500 of ours. */
const appErrorByDbCode: Record<DbErrorCode, [AppErrorCode, string]> = {
  UNIQUE_VIOLATION: ['CONFLICT', 'That already exists.'],
  FOREIGN_KEY_VIOLATION: ['CONFLICT', 'That refers to something that does not exist, or is still referred to.'],
  CONSTRAINT_VIOLATION: ['VALIDATION_FAILED', 'A value is outside what is allowed.'],
  INVALID_VALUE: [
    'VALIDATION_FAILED',
    'A value cannot be stored: text with a NUL byte, an impossible date or a number out of range.',
  ],
  INVALID_INPUT: ['VALIDATION_FAILED', 'A value is not valid.'],
  INVALID_TENANT_ID: ['NOT_FOUND', 'No such workspace.'],
  TENANT_NOT_FOUND: ['NOT_FOUND', 'No such workspace.'],
  TENANT_SLUG_TAKEN: ['CONFLICT', 'That workspace address is taken.'],
  INVALID_SIGNING_KEY: ['VALIDATION_FAILED', 'The signing key is not an Ed25519 private key.'],
  AUDIT_TREE_BROKEN: [
    'CONFLICT',
    'This workspace’s audit tree no longer matches its sealed history; an operator should run skillhub audit verify --full.',
  ],
  SUBJECT_NOT_FOUND: ['NOT_FOUND', 'This workspace holds no personal data of that subject.'],
  SUBJECT_STILL_ACTIVE: [
    'CONFLICT',
    'That person is still an active member of this workspace; deactivate them first, then erase.',
  ],
  SUBJECT_ON_LEGAL_HOLD: ['CONFLICT', 'A legal hold keeps this person’s data; release the hold before erasing them.'],
  ERASURE_FORBIDDEN: ['FORBIDDEN', 'Only a workspace owner or admin may erase a person’s data.'],
  TRANSIENT_CONFLICT: ['UNAVAILABLE', 'The database was busy with a conflicting change; try again.'],
  STATEMENT_TIMEOUT: ['UNAVAILABLE', 'The database took too long to answer; try again.'],
  DATABASE_UNREACHABLE: ['UNAVAILABLE', 'The server is busy or its database is unreachable; try again shortly.'],
  EMBEDDED_POSTGRES_FAILED: ['UNAVAILABLE', 'The database is not running.'],
  // Faults of the deployment or the code, not of the request: a 500 with the request id.
  NO_TENANT_CONTEXT: ['INTERNAL', 'Something went wrong on our side.'],
  TENANT_MISMATCH: ['INTERNAL', 'Something went wrong on our side.'],
  UNSAFE_RUNTIME_ROLE: ['INTERNAL', 'Something went wrong on our side.'],
  MIGRATION_FAILED: ['INTERNAL', 'Something went wrong on our side.'],
  MIGRATION_MODIFIED: ['INTERNAL', 'Something went wrong on our side.'],
  INVALID_CONTEXT_KEY: ['INTERNAL', 'Something went wrong on our side.'],
  UNROUTED_TENANT_QUERY: ['INTERNAL', 'Something went wrong on our side.'],
};

/**
 * Any thrown value as an AppError when its meaning is known: an AppError as
 * it is, a database error by its code (the database's own message stays in
 * `cause`, never shown). Undefined for anything else, which is a bug.
 */
export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const dbError = classifyDatabaseError(error);
  if (!dbError) return undefined;
  const [code, message] = appErrorByDbCode[dbError.code];
  return code === 'INTERNAL' ? undefined : new AppError(code, message, { cause: dbError });
}

/** True when `error` is a unique violation (of `constraint`, when named): for a use case's own CONFLICT message. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const dbError = classifyDatabaseError(error);
  return dbError?.code === 'UNIQUE_VIOLATION' && (constraint === undefined || dbError.constraint === constraint);
}
