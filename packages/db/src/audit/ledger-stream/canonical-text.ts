import type { CopyRow } from './copy-rows.ts';

/**
 * An event's canonical text (`audit.canonical_text`, migration 0030: the
 * text sealing hashed) built in Node from its columns, so verification
 * hashes in Node instead of asking PostgreSQL to rebuild a jsonb array per
 * event. The columns are read as PostgreSQL writes them for the canonical
 * array; `canonicalColumns(alias)` is the select list, `canonicalText(row,
 * at)` joins the 18 texts read from `row[at]` on.
 *
 * Byte-identical because each element is either copied verbatim from
 * jsonb's own output (metadata, old and new record, changed fields through
 * to_jsonb: `jsonb_build_array` embeds a jsonb as it is and prints it as
 * jsonb_out does) or is a number (seq, an int8's digits) or a string
 * escaped as PostgreSQL's escape_json does: `"` and `\`, \b \f \n \r \t,
 * other control characters as \u00xx in lower case, everything else as
 * is, which is what JSON.stringify does for any well-formed string (text
 * holds no lone surrogates). The elements are joined by ", " as jsonb
 * prints an array. `canonical-text.test.ts` compares it with stored leaf
 * hashes over every kind of event and hostile values.
 */
export function canonicalColumns(alias: string): string {
  const e = alias;
  return [
    `${e}.id`,
    `${e}.txid::text`,
    `${e}.seq`,
    `${e}.tenant_id`,
    `${e}.actor_type`,
    `${e}.actor_id`,
    `${e}.action`,
    `${e}.resource_type`,
    `${e}.resource_id`,
    // inet's cast to text keeps the /32 that its output function drops: the canonical text has the cast.
    `${e}.ip_address::text`,
    `${e}.request_id`,
    `${e}.metadata`,
    `${e}.operation::text`,
    `${e}.table_name`,
    `${e}.old_record`,
    `${e}.new_record`,
    `pg_catalog.to_jsonb(${e}.changed_fields)`,
    `pg_catalog.to_char(${e}.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  ].join(', ');
}

/** How each canonical column enters the array: a JSON string, a number, or jsonb text copied as it is. */
const kinds = 'ssnssssssssjssjjjs';

/** The number of columns `canonicalColumns` selects. */
export const canonicalColumnCount = 18;

/** The canonical text of the event whose 18 columns start at `row[at]`. */
export function canonicalText(row: CopyRow, at: number): string {
  let text = '[';
  for (let i = 0; i < canonicalColumnCount; i++) {
    const value = row[at + i];
    if (i > 0) text += ', ';
    if (value === null || value === undefined) text += 'null';
    else if (kinds.charCodeAt(i) === 0x73 /* s */) text += JSON.stringify(value);
    else text += value;
  }
  return `${text}]`;
}
