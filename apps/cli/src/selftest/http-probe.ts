import http from 'node:http';
import https from 'node:https';

export interface ProbeAnswer {
  status: number;
  text: string;
  /** The JSON body, or null when the body is not JSON. */
  json: unknown;
  /** The `name=value` pairs of its Set-Cookie headers, as a Cookie header. */
  cookie: string;
}

export interface ProbeRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** A Host header other than the URL's (fetch does not let a caller set one). */
  host?: string;
}

/**
 * One HTTP request to the server under test, through node:http so the Host
 * header can name another workspace. A connection failure or a timeout
 * rejects: the self-test cannot judge a server it cannot reach.
 */
export function probe(baseUrl: string, request: ProbeRequest, timeoutMs = 15_000): Promise<ProbeAnswer> {
  const url = new URL(request.path, baseUrl);
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  const headers: Record<string, string> = {
    accept: 'application/json',
    host: request.host ?? url.host,
    ...(body !== undefined && {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    }),
    ...request.headers,
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: request.method, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {}
        const cookie = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
        resolve({ status: res.statusCode ?? 0, text, json, cookie });
      });
    });
    req.on('timeout', () =>
      req.destroy(new Error(`${request.method} ${request.path} did not answer within ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The error code of a JSON error answer (`{"error":{"code"}}`), or null. */
export const errorCodeOf = (answer: ProbeAnswer): string | null => {
  const code = (answer.json as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' ? code : null;
};

/** Signs a canary user in over HTTP, as a person would; returns the session cookie. */
export async function signInCookie(
  baseUrl: string,
  credentials: { workspace: string; email: string; password: string },
): Promise<string> {
  const answer = await probe(baseUrl, { method: 'POST', path: '/auth/sign-in', body: credentials });
  if (answer.status !== 200 || !answer.cookie) {
    throw new Error(
      `canary sign-in to ${credentials.workspace} answered ${answer.status} ${errorCodeOf(answer) ?? ''}`,
    );
  }
  return answer.cookie;
}
