/** Error codes raised by the foundation; `@skillhub/core` maps each to a client-facing code. */
export const DbErrorCode = {
  NO_TENANT_CONTEXT: 'NO_TENANT_CONTEXT',
  TENANT_MISMATCH: 'TENANT_MISMATCH',
  INVALID_TENANT_ID: 'INVALID_TENANT_ID',
  UNSAFE_RUNTIME_ROLE: 'UNSAFE_RUNTIME_ROLE',
  MIGRATION_FAILED: 'MIGRATION_FAILED',
  MIGRATION_MODIFIED: 'MIGRATION_MODIFIED',
  EMBEDDED_POSTGRES_FAILED: 'EMBEDDED_POSTGRES_FAILED',
  DATABASE_UNREACHABLE: 'DATABASE_UNREACHABLE',
  TENANT_NOT_FOUND: 'TENANT_NOT_FOUND',
  TENANT_SLUG_TAKEN: 'TENANT_SLUG_TAKEN',
  INVALID_INPUT: 'INVALID_INPUT',
  INVALID_SIGNING_KEY: 'INVALID_SIGNING_KEY',
  /** The tenant context key is malformed, unreadable, or not one this database verifies. */
  INVALID_CONTEXT_KEY: 'INVALID_CONTEXT_KEY',
  /** A unique constraint refused a row (`constraint` names it). */
  UNIQUE_VIOLATION: 'UNIQUE_VIOLATION',
  /** A foreign key refused a row, or a delete left references behind. */
  FOREIGN_KEY_VIOLATION: 'FOREIGN_KEY_VIOLATION',
  /** A check or not-null constraint refused a row. */
  CONSTRAINT_VIOLATION: 'CONSTRAINT_VIOLATION',
  /** A value PostgreSQL cannot take: a NUL byte in text, an impossible date, a number out of range. */
  INVALID_VALUE: 'INVALID_VALUE',
  /** A statement ran past its timeout or was cancelled. */
  STATEMENT_TIMEOUT: 'STATEMENT_TIMEOUT',
  /** A deadlock or serialization failure: the same work may succeed when tried again. */
  TRANSIENT_CONFLICT: 'TRANSIENT_CONFLICT',
  /** A chain's Merkle tree lacks stored nodes or no longer matches its checkpoint: sealed history was tampered with. */
  AUDIT_TREE_BROKEN: 'AUDIT_TREE_BROKEN',
  /** Erasure named a subject of whom the workspace holds nothing. */
  SUBJECT_NOT_FOUND: 'SUBJECT_NOT_FOUND',
  /** Erasure named a member who is still active in the workspace. */
  SUBJECT_STILL_ACTIVE: 'SUBJECT_STILL_ACTIVE',
  SUBJECT_ON_LEGAL_HOLD: 'SUBJECT_ON_LEGAL_HOLD',
  /** The caller may not erase subjects (not an owner or admin of the workspace). */
  ERASURE_FORBIDDEN: 'ERASURE_FORBIDDEN',
  /** Test-only (checkTenantRouting): a statement inside withTenant scans a tenant table without naming the tenant. */
  UNROUTED_TENANT_QUERY: 'UNROUTED_TENANT_QUERY',
} as const;
export type DbErrorCode = (typeof DbErrorCode)[keyof typeof DbErrorCode];

export class DbError extends Error {
  readonly code: DbErrorCode;
  /** The constraint behind a *_VIOLATION, when PostgreSQL named one. */
  readonly constraint: string | undefined;

  constructor(code: DbErrorCode, message: string, options?: { cause?: unknown; constraint?: string | undefined }) {
    super(message, { cause: options?.cause });
    this.name = 'DbError';
    this.code = code;
    this.constraint = options?.constraint;
  }
}
