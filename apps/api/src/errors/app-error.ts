/** Every error a client can be shown, by machine-readable code. */
export const AppErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
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

export const statusByCode = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  THROTTLED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const satisfies Record<AppErrorCode, number>;

/** The row a NOT_FOUND was about: checked (never shown) for another tenant's ownership. */
export interface NotFoundProbe {
  table: string;
  id: string;
}

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly details: unknown;
  readonly probe: NotFoundProbe | undefined;

  constructor(
    code: AppErrorCode,
    message: string,
    options?: { cause?: unknown; details?: unknown; probe?: NotFoundProbe },
  ) {
    super(message, { cause: options?.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options?.details;
    this.probe = options?.probe;
  }
}
