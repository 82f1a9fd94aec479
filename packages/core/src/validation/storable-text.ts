// NUL, or half of a UTF-16 surrogate pair. PostgreSQL refuses NUL in text
// and jsonb ("invalid byte sequence", "unsupported Unicode escape") and a
// lone surrogate in jsonb; in text, node-postgres silently stores it as
// U+FFFD, which is not what was sent either.
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when PostgreSQL stores `text` as it is (no NUL, no lone surrogate). */
export const isStorableText = (text: string): boolean => !text.includes('\u0000') && !loneSurrogate.test(text);

/**
 * Where the first string PostgreSQL would refuse sits in a parsed JSON
 * value (object keys included), as a dotted path under `root`; null when
 * there is none. Walks without recursion, so no nesting depth overflows it.
 *
 * @example
 * findUnstorableText({ tags: ['ok', 'a\u0000b'] }, 'body'); // 'body.tags.1'
 */
export function findUnstorableText(value: unknown, root: string): string | null {
  const pending: [unknown, string][] = [[value, root]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, path] = next;
    if (typeof item === 'string') {
      if (!isStorableText(item)) return path;
    } else if (Array.isArray(item)) {
      for (const [index, element] of item.entries()) pending.push([element, `${path}.${index}`]);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, element] of Object.entries(item)) {
        if (!isStorableText(key)) return `${path} (a key)`;
        pending.push([element, `${path}.${key}`]);
      }
    }
  }
  return null;
}
