import type { ChainHead } from '@skillhub/db';
import { InvalidArgumentError } from 'commander';

/** Commander argument parser for an ISO 8601 date or timestamp. */
export function parseIsoDate(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError('expected an ISO 8601 date such as 2025-01-31 or 2025-01-31T12:00:00Z.');
  }
  return date;
}

/** Commander argument parser for a chain head printed by an earlier verify: `POSITION:HASH`. */
export function parseChainHead(value: string): ChainHead {
  const match = /^(\d+):([0-9a-f]{64})$/i.exec(value);
  if (!match || Number(match[1]) < 1) {
    throw new InvalidArgumentError('expected POSITION:HASH as printed by audit verify (a position and 64 hex digits).');
  }
  return { position: Number(match[1]), hash: (match[2] ?? '').toLowerCase() };
}
