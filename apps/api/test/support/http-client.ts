import http from 'node:http';

export interface HttpResponse<T = Record<string, unknown>> {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: T;
  text: string;
}

/**
 * A small real-HTTP client with a cookie jar, so tests can act as a browser
 * (session cookie), set any Host header (workspace subdomains) and read raw bodies.
 */
export class HttpClient {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    readonly defaults: { host?: string; headers?: Record<string, string> } = {},
  ) {}

  /** A client with the same server but its own cookie jar and defaults. */
  fork(defaults: { host?: string; headers?: Record<string, string> } = {}): HttpClient {
    return new HttpClient(this.baseUrl, defaults);
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; headers?: Record<string, string>; host?: string } = {},
  ): Promise<HttpResponse<T>> {
    const url = new URL(path, this.baseUrl);
    const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const headers: Record<string, string> = {
      ...this.defaults.headers,
      ...options.headers,
      host: options.host ?? this.defaults.host ?? url.host,
    };
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          for (const cookie of res.headers['set-cookie'] ?? []) {
            const [pair = ''] = cookie.split(';');
            const [name = '', ...value] = pair.split('=');
            const expired = /max-age=0|expires=thu, 01 jan 1970/i.test(cookie);
            if (expired || value.join('=') === '') this.cookies.delete(name);
            else this.cookies.set(name, value.join('='));
          }
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body as T, text });
        });
      });
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  get = <T = Record<string, unknown>>(path: string, options?: { headers?: Record<string, string>; host?: string }) =>
    this.request<T>('GET', path, options);
  post = <T = Record<string, unknown>>(
    path: string,
    body?: unknown,
    options?: { headers?: Record<string, string>; host?: string },
  ) => this.request<T>('POST', path, { ...options, body: body ?? {} });
  patch = <T = Record<string, unknown>>(path: string, body?: unknown) => this.request<T>('PATCH', path, { body });
  delete = <T = Record<string, unknown>>(path: string, options?: { headers?: Record<string, string> }) =>
    this.request<T>('DELETE', path, options);
}
