/**
 * A readable `jsonl` event printed the way PostgreSQL prints its canonical
 * text (a jsonb array: ", " between elements, `"key": value` with keys in
 * jsonb's order, shorter first, then bytewise). When that text is the
 * line's canonical text, character for character, the readable event says
 * exactly what the canonical text says, and neither needs parsing again:
 * the bundle check compares one string instead of parsing the canonical
 * text and walking both. Anything this does not print as jsonb would
 * (a number JavaScript writes otherwise, such as 1e+21 or 1.50; a key
 * beyond ASCII, whose order in UTF-8 and UTF-16 may differ) gives
 * `undefined` or a different text, and the caller compares field by field.
 */
import { fieldsOf } from './canonical-event.ts';

/** The canonical text the readable event would have, or undefined when it cannot be printed so. */
export function canonicalTextOf(readable: Record<string, unknown>): string | undefined {
  const fields = fieldsOf(readable);
  if (Object.keys(readable).length !== fields.length) return undefined;
  let text = '[';
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as string;
    if (!Object.hasOwn(readable, field)) return undefined;
    const value = jsonb(readable[field]);
    if (value === undefined) return undefined;
    text += i === 0 ? value : `, ${value}`;
  }
  return `${text}]`;
}

const asciiOnly = /^[\x20-\x7e]*$/;

function jsonb(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return Array.isArray(value) ? array(value) : object(value as Record<string, unknown>);
    default:
      return undefined;
  }
}

function array(values: unknown[]): string | undefined {
  let text = '[';
  for (let i = 0; i < values.length; i++) {
    const element = jsonb(values[i]);
    if (element === undefined) return undefined;
    text += i === 0 ? element : `, ${element}`;
  }
  return `${text}]`;
}

function object(record: Record<string, unknown>): string | undefined {
  const keys = Object.keys(record);
  // Events read from a canonical text keep jsonb's key order; sort only when they do not.
  let ordered = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (!asciiOnly.test(key)) return undefined;
    if (ordered && i > 0 && !jsonbKeyOrder(keys[i - 1] as string, key)) ordered = false;
  }
  if (!ordered) keys.sort((a, b) => (a === b ? 0 : jsonbKeyOrder(a, b) ? -1 : 1));
  let text = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const value = jsonb(record[key]);
    if (value === undefined) return undefined;
    text += `${i === 0 ? '' : ', '}${JSON.stringify(key)}: ${value}`;
  }
  return `${text}}`;
}

/** Whether ASCII key `a` comes before `b` in jsonb: shorter first, then bytewise. */
const jsonbKeyOrder = (a: string, b: string): boolean => a.length < b.length || (a.length === b.length && a < b);
