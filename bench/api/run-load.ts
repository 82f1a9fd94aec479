import autocannon from 'autocannon';
import type { Scenario } from './scenarios.ts';

export interface LoadResult {
  /** Completed 2xx responses. */
  ok: number;
  /** Requests sent, including those still in flight when the time was up (the server did their work too). */
  sent: number;
  seconds: number;
  /** Latency of every 2xx response, in milliseconds (autocannon's own histogram rounds to whole ms). */
  latenciesMs: number[];
  /** Count per non-2xx status, plus connection errors under 'error'. */
  failures: Record<string, number>;
}

/**
 * Keep-alive load for `seconds` over `connections` connections, one
 * request in flight on each (no pipelining), every request built afresh.
 */
export function runLoad(url: string, scenario: Scenario, options: { seconds: number; connections: number }) {
  return new Promise<LoadResult>((resolve, reject) => {
    const latenciesMs: number[] = [];
    const failures: Record<string, number> = {};
    const instance = autocannon(
      {
        url,
        connections: options.connections,
        pipelining: 1,
        duration: options.seconds,
        requests: [{ setupRequest: (request) => ({ ...request, ...scenario.next() }) }],
      },
      (error, result) => {
        if (error) return reject(error);
        if (result.errors > 0) failures.error = result.errors;
        resolve({
          ok: latenciesMs.length,
          sent: result.requests.sent,
          seconds: result.duration,
          latenciesMs,
          failures,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTime);
      else failures[statusCode] = (failures[statusCode] ?? 0) + 1;
    });
  });
}
