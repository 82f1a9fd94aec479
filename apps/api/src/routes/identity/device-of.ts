import { type DeviceInfo, sha256Hex } from '@skillhub/core';
import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.ts';

/**
 * What a new session records of the device: the fingerprint the client
 * offers (if well-formed) or one derived from its headers, its user agent,
 * and the location a trusted proxy reports.
 */
export function deviceOf(c: Context<AppEnv>): DeviceInfo {
  const userAgent = c.req.header('user-agent')?.slice(0, 500) ?? null;
  const offered = c.req.header('x-device-fingerprint');
  const fingerprint =
    offered && /^[\w-]{8,128}$/.test(offered)
      ? offered
      : sha256Hex(`${userAgent ?? ''}|${c.req.header('accept-language') ?? ''}`).slice(0, 32);
  const header = c.get('config').locationHeader;
  const location = header ? (c.req.header(header)?.slice(0, 64) ?? null) : null;
  return { fingerprint, userAgent, location };
}
