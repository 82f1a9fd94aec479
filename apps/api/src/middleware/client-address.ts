import { getConnInfo } from '@hono/node-server/conninfo';
import type { AppConfig } from '@skillhub/core';
import type { Context } from 'hono';

/** The caller's IP: the socket's, or the first X-Forwarded-For hop behind a trusted proxy. */
export function clientIp(c: Context, config: AppConfig): string | null {
  if (config.trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    const address = getConnInfo(c).remote.address ?? null;
    return address?.startsWith('::ffff:') ? address.slice(7) : address;
  } catch {
    return null;
  }
}

/** `acme` for `acme.<baseDomain>` (any port); null for the bare domain or another host. */
export function subdomainOf(host: string | undefined, baseDomain: string): string | null {
  const name = host?.toLowerCase().replace(/:\d+$/, '');
  if (!name?.endsWith(`.${baseDomain}`)) return null;
  const label = name.slice(0, -(baseDomain.length + 1));
  return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(label) ? label : null;
}
