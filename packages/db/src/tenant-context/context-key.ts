import { DbError } from '../errors.ts';
import { openClient } from '../open-client.ts';

/**
 * The key `withTenant` signs each transaction's tenant context with
 * (HMAC-SHA256). It lives in `platform.context_keys`, which the runtime role
 * cannot read: only the server (given the key) and the owner hold it.
 */
export interface ContextKey {
  readonly id: number;
  readonly secret: Buffer;
}

const keyText = /^(\d{1,9}):([0-9a-f]{64})$/;

/** Reads a key written as `<id>:<64 hex digits>`, the form of SKILLHUB_CONTEXT_KEY and {@link readContextKey}. */
export function parseContextKey(text: string): ContextKey {
  const match = keyText.exec(text.trim().toLowerCase());
  if (!match) {
    throw new DbError(
      'INVALID_CONTEXT_KEY',
      'the tenant context key must be written as <id>:<64 hex digits> (see skillhub context-key)',
    );
  }
  return { id: Number(match[1]), secret: Buffer.from(match[2] ?? '', 'hex') };
}

/**
 * As the owner: the newest key that is not retired, written as
 * `<id>:<hex>`, to hand to `Database.open` (or to set as SKILLHUB_CONTEXT_KEY
 * where the server only has the runtime role's URL).
 *
 * @example
 * const db = await Database.open({ url: appUrl, contextKey: await readContextKey(ownerUrl) });
 */
export async function readContextKey(ownerUrl: string): Promise<string> {
  const client = await openClient(ownerUrl);
  try {
    const { rows } = await client.query<{ key: string }>(
      `select id || ':' || encode(secret, 'hex') as key from platform.context_keys
       where retired_at is null order by id desc limit 1`,
    );
    const key = rows[0]?.key;
    if (!key) {
      throw new DbError(
        'INVALID_CONTEXT_KEY',
        'platform.context_keys holds no active key: insert one (insert into platform.context_keys default values)',
      );
    }
    return key;
  } catch (error) {
    if (error instanceof DbError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new DbError(
      'INVALID_CONTEXT_KEY',
      `cannot read the tenant context key as the owner (${message}): run skillhub migrate, and connect as the role that owns the schema (a member of skillhub_system)`,
      { cause: error },
    );
  } finally {
    await client.end();
  }
}
