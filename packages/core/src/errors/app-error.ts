/** Every error a client can be shown, by machine-readable code. */
export const AppErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  /** A mailed link's token that is unknown, used, revoked or expired (`details.reason` says which). */
  INVALID_TOKEN: 'INVALID_TOKEN',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  THROTTLED: 'THROTTLED',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;
export type AppErrorCode = (typeof AppErrorCode)[keyof typeof AppErrorCode];

/** The row a NOT_FOUND was about: checked (never shown) for another tenant's ownership. */
export interface NotFoundProbe {
  table: string;
  id: string;
}

/** What a FORBIDDEN refused, recorded as permission_denied once the request's transaction has ended. */
export type Denial = Record<string, unknown>;

export interface AppErrorOptions {
  cause?: unknown;
  details?: unknown;
  probe?: NotFoundProbe;
  denial?: Denial;
  /** For THROTTLED: when to try again (the API sends it as Retry-After). */
  retryAfterSeconds?: number;
}

/**
 * The one error type use cases throw. Its code decides the HTTP status (in
 * the API's error handler only); its message is shown to the caller as is.
 *
 * @example
 * throw new AppError('NOT_FOUND', 'No such skill.', { probe: { table: 'skills', id } });
 */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly details: unknown;
  readonly probe: NotFoundProbe | undefined;
  readonly denial: Denial | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: AppErrorCode, message: string, options?: AppErrorOptions) {
    super(message, { cause: options?.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options?.details;
    this.probe = options?.probe;
    this.denial = options?.denial;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}
