import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { parseContextKey, type SelftestCheck } from '@skillhub/db';

/** What the self-test records in the system chain: the run's summary, signed. */
export interface SelftestSummary {
  kind: 'isolation_selftest';
  version: string;
  run: string;
  startedAt: string;
  durationMs: number;
  checks: number;
  held: number;
  failed: number;
  noted: number;
  failedChecks: string[];
  canaries: string[];
  /** SHA-256 of the canonical JSON of every check (the `checks` of `--json`), so the full report can be matched. */
  reportSha256: string;
}

export interface SelftestSignature {
  alg: 'HMAC-SHA256';
  kdf: 'HKDF-SHA256';
  info: string;
  keyId: string;
  value: string;
}

const info = 'skillhub isolation selftest result v1';

/** JSON with object keys sorted at every level: one byte string per value, to sign and to hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const reportDigest = (checks: SelftestCheck[]) =>
  createHash('sha256').update(canonicalJson(checks)).digest('hex');

/**
 * A key of its own for results, derived (HKDF-SHA256) from the tenant
 * context key the deployment already holds, so the runtime role, which
 * cannot read that key, cannot forge a result, and the owner can check one.
 */
const resultKey = (contextKey: string) =>
  Buffer.from(hkdfSync('sha256', parseContextKey(contextKey).secret, Buffer.alloc(0), info, 32));

export function signSummary(summary: SelftestSummary, contextKey: string): SelftestSignature {
  const value = createHmac('sha256', resultKey(contextKey)).update(canonicalJson(summary)).digest('hex');
  return { alg: 'HMAC-SHA256', kdf: 'HKDF-SHA256', info, keyId: String(parseContextKey(contextKey).id), value };
}

/** True when `signature` is the one `contextKey` gives `summary` (compared in constant time). */
export function verifySummary(summary: unknown, signature: SelftestSignature, contextKey: string): boolean {
  if (signature.alg !== 'HMAC-SHA256' || signature.kdf !== 'HKDF-SHA256' || signature.info !== info) return false;
  const expected = createHmac('sha256', resultKey(contextKey)).update(canonicalJson(summary)).digest();
  const given = Buffer.from(signature.value, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
