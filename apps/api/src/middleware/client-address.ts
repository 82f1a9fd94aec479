import { isIP } from 'node:net';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import proxyaddr from 'proxy-addr';

const unmapped = (address: string) => (address.startsWith('::ffff:') ? address.slice(7) : address);

/**
 * How to find the caller's IP behind `trustedProxies` (proxy-addr's names
 * and CIDRs: `loopback`, `uniquelocal`, `10.0.0.0/8`): walking
 * X-Forwarded-For from the socket's peer leftwards, the first address that
 * is not a trusted proxy. Any client can write X-Forwarded-For; only the
 * hops our own proxies appended are believed, so a forged leftmost entry
 * never becomes the client. With no trusted proxies the header is ignored.
 * Throws at start on an entry proxy-addr does not understand.
 */
export function clientAddressOf(trustedProxies: string[]): (c: Context) => string | null {
  const trust = proxyaddr.compile(trustedProxies);
  return (c) => {
    const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
    const peer = incoming?.socket?.remoteAddress;
    if (!incoming || !peer) return null;
    const client = proxyaddr(incoming, trust);
    // A trusted hop can still pass on garbage it was handed; the peer is then the best we know.
    return unmapped(client && isIP(client) ? client : peer);
  };
}

/** `acme` for `acme.<baseDomain>` (any port); null for the bare domain or another host. */
export function subdomainOf(host: string | undefined, baseDomain: string): string | null {
  const name = host?.toLowerCase().replace(/:\d+$/, '');
  if (!name?.endsWith(`.${baseDomain}`)) return null;
  const label = name.slice(0, -(baseDomain.length + 1));
  return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(label) ? label : null;
}
