/** What a request came back with: a status, or 0 when nothing answered (refused, reset, timed out). */
export interface Answer {
  status: number;
  body: unknown;
  ms: number;
  /** Why nothing answered. */
  failure?: string;
  setCookie?: string[];
}

/** One JSON request over real HTTP, bounded by `timeoutMs`; never throws. */
export async function send(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; cookie?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = performance.now();
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.cookie) headers.cookie = options.cookie;
  try {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return {
      status: response.status,
      body,
      ms: performance.now() - started,
      setCookie: response.headers.getSetCookie(),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { status: 0, body: null, ms: performance.now() - started, failure: cause ?? (error as Error).name };
  }
}

/** The `name=value` pairs of Set-Cookie headers, as a Cookie header. */
export const cookieFrom = (setCookie: string[] = []) => setCookie.map((c) => c.split(';')[0]).join('; ');
