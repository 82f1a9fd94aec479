import pg from 'pg';
import { DbError } from './errors.ts';

const connectTimeoutMs = 15_000;

/**
 * Connects one client. A connection that cannot be made becomes a
 * DATABASE_UNREACHABLE error whose message says where, as whom and why,
 * without the password, so a CLI can print it as it is.
 */
export async function openClient(url: string): Promise<pg.Client> {
  if (!/^(postgres|postgresql|socket):\/\//.test(url) && !url.startsWith('/')) {
    throw new DbError('INVALID_INPUT', 'the database URL is not a postgres:// connection string');
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  // A server that goes away later fails the running query; it must not crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw connectionFailure(error, url);
  }
  return client;
}

/** DATABASE_UNREACHABLE with a one-line reason for a failed connection attempt. */
export function connectionFailure(error: unknown, url: string): DbError {
  return new DbError('DATABASE_UNREACHABLE', `cannot connect to ${describeTarget(url)}: ${describeReason(error)}`, {
    cause: error,
  });
}

function describeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username ? ` as ${decodeURIComponent(parsed.username)}` : '';
    return `PostgreSQL at ${parsed.hostname || 'localhost'}:${parsed.port || 5432}${user}`;
  } catch {
    return 'PostgreSQL';
  }
}

function describeReason(error: unknown): string {
  const failure = error as { code?: string; message?: string; errors?: { code?: string }[] };
  // Node reports a refused dual-stack connect as an AggregateError with an empty message.
  const code = failure.code ?? failure.errors?.[0]?.code;
  const message = failure.message || String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the server running and listening there?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found (${message})`;
    case 'ETIMEDOUT':
      return 'timed out';
    case '28P01':
      return `${message} (check the password in the connection string)`;
    default:
      return /timeout/i.test(message) ? 'timed out' : message;
  }
}
