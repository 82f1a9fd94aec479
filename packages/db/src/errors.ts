/** Error codes raised by the foundation; the API maps them to HTTP statuses. */
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
} as const;
export type DbErrorCode = (typeof DbErrorCode)[keyof typeof DbErrorCode];

export class DbError extends Error {
  readonly code: DbErrorCode;

  constructor(code: DbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DbError';
    this.code = code;
  }
}
