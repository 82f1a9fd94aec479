/**
 * A data subject: a person whose personal values the ledger holds,
 * encrypted under a key of their own (migration 0046). Named by an account
 * of the workspace (`user`, a user id) or, for a person with no account
 * there (a failed sign-in with an unknown address, an invitee), by an email
 * address (`email`). The database names a subject `user:<uuid>` or
 * `email:<HMAC-SHA256 of the address>`, so no subject id shows an address.
 * Retention and legal hold name subjects the same way.
 */
export type SubjectKind = 'user' | 'email';

export interface Subject {
  kind: SubjectKind;
  /** A user id (uuid) or an email address. */
  value: string;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// One @ with something either side, no spaces or controls; at most 254 characters (RFC 5321's path limit).
const email = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+$/u;

/**
 * Reads a subject as a person types it: a user id, an email address, or
 * either prefixed `user:` / `email:`. Undefined for anything else (the
 * hashed form `email:<hex>` included: erasing needs the address itself, to
 * find the rows outside the ledger that hold it).
 *
 * @example parseSubject('Alice@Example.com') // { kind: 'email', value: 'alice@example.com' }
 */
export function parseSubject(text: string): Subject | undefined {
  const trimmed = text.trim();
  const [prefix, rest] = trimmed.includes(':')
    ? [trimmed.slice(0, trimmed.indexOf(':')), trimmed.slice(trimmed.indexOf(':') + 1)]
    : ['', trimmed];
  if ((prefix === '' || prefix === 'user') && uuid.test(rest)) return { kind: 'user', value: rest.toLowerCase() };
  if ((prefix === '' || prefix === 'email') && rest.length <= 254 && email.test(rest)) {
    return { kind: 'email', value: rest.toLowerCase() };
  }
  return undefined;
}
