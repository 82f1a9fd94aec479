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

/** Commander argument parser for a whole number of at least 1. */
export const parsePositiveInteger = (value: string): number => parseWholeNumber(value, 1);

/** Commander argument parser for a whole number of at least 0 (a leaf index). */
export const parseNonNegativeInteger = (value: string): number => parseWholeNumber(value, 0);

function parseWholeNumber(value: string, least: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < least) {
    throw new InvalidArgumentError(`expected a whole number of at least ${least}.`);
  }
  return number;
}

/** Commander argument parser for an email address (the API's own rules apply when it is stored). */
export function parseEmail(value: string): string {
  const email = value.trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new InvalidArgumentError('expected an email address such as ada@example.com.');
  }
  return email;
}

/** Commander argument parser for a display name: 1 to 100 characters once trimmed. */
export function parseDisplayName(value: string): string {
  const name = value.trim();
  if (name.length < 1 || name.length > 100) throw new InvalidArgumentError('expected 1 to 100 characters.');
  return name;
}

/** Commander argument parser for a comma-separated list: `a,b , c` is `['a', 'b', 'c']`. */
export function parseList(value: string): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list such as a,b.');
  return [...new Set(items)];
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Commander argument parser for a UUID. */
export function parseUuid(value: string): string {
  if (!uuidPattern.test(value)) throw new InvalidArgumentError('expected a UUID (32 hex digits as 8-4-4-4-12).');
  return value.toLowerCase();
}
