/**
 * Whether a readable `jsonl` event is its canonical text, printed: the
 * canonical text is a jsonb array (", " between elements, `"key": value`
 * in objects), and the readable event holds the same values under the
 * canonical field names. When the readable values, printed compactly by
 * `JSON.stringify`, are the canonical text without the space jsonb puts
 * after each comma and colon, both texts parse to the same values, so the
 * readable event says exactly what the canonical text says and neither
 * needs parsing again: the bundle check compares one string with another,
 * character by character, instead of parsing the canonical text and walking
 * both. `JSON.stringify` escapes strings as jsonb does (`\"`, `\\`, `\n`…,
 * `\u00xx` for other control characters), so escaped text agrees too.
 * Anything printed otherwise (a number JavaScript writes differently, such
 * as 1e+21 or 1.50; object keys out of jsonb's order) gives `false`, and
 * the caller compares field by field.
 */
import { fieldsOf } from './canonical-event.ts';

const quote = 0x22;
const backslash = 0x5c;
const comma = 0x2c;
const colon = 0x3a;
const space = 0x20;
const n = 0x6e;

/** True only when the readable event's fields, in canonical order, print as `canonical` (jsonb's spacing). */
export function readableIsCanonical(readable: Record<string, unknown>, canonical: string): boolean {
  const fields = fieldsOf(readable);
  const keys = Object.keys(readable);
  if (keys.length !== fields.length) return false;
  const values = new Array<unknown>(fields.length);
  for (let i = 0; i < fields.length; i++) {
    if (keys[i] !== fields[i]) return false;
    values[i] = readable[keys[i] as string];
  }
  const compact = JSON.stringify(values);
  const equal = spacedEquals(compact, canonical);
  // JSON.stringify prints a non-finite number (a readable 1e999) as null: equal text then proves nothing.
  return equal === 'equal' || (equal === 'equal-with-null' && !holdsNonFinite(values));
}

/**
 * Whether `spaced` is `compact` (a JSON text as `JSON.stringify` prints it)
 * with one space after every comma and colon outside strings; and whether
 * a `null` appeared outside strings along the way.
 */
function spacedEquals(compact: string, spaced: string): 'equal' | 'equal-with-null' | 'different' {
  let j = 0;
  let inString = false;
  let sawNull = false;
  for (let i = 0; i < compact.length; i++, j++) {
    const c = compact.charCodeAt(i);
    if (spaced.charCodeAt(j) !== c) return 'different';
    if (inString) {
      if (c === backslash) {
        // The escaped character: compared, and never the end of the string.
        i++;
        j++;
        if (spaced.charCodeAt(j) !== compact.charCodeAt(i)) return 'different';
      } else if (c === quote) inString = false;
    } else if (c === quote) inString = true;
    else if (c === comma || c === colon) {
      j++;
      if (spaced.charCodeAt(j) !== space) return 'different';
    } else if (c === n) sawNull = true;
  }
  if (j !== spaced.length) return 'different';
  return sawNull ? 'equal-with-null' : 'equal';
}

function holdsNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(holdsNonFinite);
  for (const key in value)
    if (Object.hasOwn(value, key) && holdsNonFinite((value as Record<string, unknown>)[key])) return true;
  return false;
}
