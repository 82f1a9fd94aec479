/** One field the API refused, and why, in words meant for the person who typed it. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** A refusal from the API (or no answer at all), with what the user needs to report it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
    /** For VALIDATION_FAILED: each refused field (`workspace.slug`), shown next to that field. */
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | undefined>;
interface ErrorBody {
  error?: { code?: string; message?: string; requestId?: string; details?: unknown };
}

const isFieldProblem = (value: unknown): value is FieldProblem =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as FieldProblem).path === 'string' &&
  typeof (value as FieldProblem).message === 'string';

/** The field list of a validation failure; other codes' details are not about fields. */
const fieldsOf = (details: unknown): FieldProblem[] => (Array.isArray(details) ? details.filter(isFieldProblem) : []);

const signedOutListeners = new Set<() => void>();

/** Called whenever the API answers 401: the session ended or expired. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/**
 * Calls the API on this origin. The session cookie is HttpOnly, so the
 * browser sends it (`credentials: 'same-origin'`) and no script ever reads
 * it. Resolves with the JSON body; rejects with an {@link ApiError} that
 * carries the server's message and request id.
 */
export async function api<T>(
  path: string,
  options: { method?: string; body?: unknown; query?: Query } = {},
): Promise<T> {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(options.body !== undefined && { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? null : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server could not be reached. Check that it is running.', null);
  }
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data as ErrorBody | null)?.error;
    if (response.status === 401) for (const listener of signedOutListeners) listener();
    throw new ApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `The server answered ${response.status} ${response.statusText}.`,
      error?.requestId ?? response.headers.get('x-request-id'),
      fieldsOf(error?.details),
    );
  }
  return data as T;
}
