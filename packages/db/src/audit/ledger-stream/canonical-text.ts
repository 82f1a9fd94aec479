/**
 * An event's canonical text (`audit.canonical_text`, migration 0030: the
 * text sealing hashed) as one SQL expression that PostgreSQL evaluates
 * cheaply and prints as is. Verification once streamed it; it now builds
 * the text in Node from the stored columns (`canonical-text-builder.ts`),
 * and this expression is the benchmark's floor: what printing the texts in
 * PostgreSQL costs. `audit.canonical_text` builds a jsonb array of 18
 * values and prints it: that rebuilds every jsonb value into a new one
 * first. This expression prints each value as JSON on its own and joins
 * them as jsonb prints an array ("[", ", " between, "]").
 *
 * Byte-identical because each element is printed by the same code jsonb
 * uses: a jsonb value (metadata, old and new record, and changed fields
 * through to_jsonb) is printed by jsonb's output function, which prints a
 * nested value as it prints a value on its own; a string goes through
 * to_json, whose escaping (escape_json) is the one jsonb's output uses for
 * its strings; seq is an int8, printed as its digits by both; created_at
 * is the same to_char text, which holds no character JSON escapes.
 * `canonical-text.test.ts` compares the two over every kind of event, every
 * chain and hostile values.
 *
 * An event with a personal-data envelope (migration 0046) appends two more
 * elements, the envelope (jsonb) and the subject id; an event without one
 * prints the 18 it always did.
 */
export function canonicalTextSql(alias: string): string {
  const e = alias;
  const string = (column: string) => `coalesce(pg_catalog.to_json(${column})::text, 'null')`;
  const jsonb = (column: string) => `coalesce(${column}::text, 'null')`;
  const elements = [
    string(`${e}.id`),
    string(`${e}.txid::text`),
    `${e}.seq::text`,
    // The system chain's '' prints as null (migration 0070).
    string(`nullif(${e}.tenant_id, '')`),
    string(`${e}.actor_type`),
    string(`${e}.actor_id`),
    string(`${e}.action`),
    string(`${e}.resource_type`),
    string(`${e}.resource_id`),
    // inet's cast to text keeps the /32 that its output function drops: the canonical text has the cast.
    string(`${e}.ip_address::text`),
    string(`${e}.request_id`),
    jsonb(`${e}.metadata`),
    string(`${e}.operation::text`),
    string(`${e}.table_name`),
    jsonb(`${e}.old_record`),
    jsonb(`${e}.new_record`),
    jsonb(`pg_catalog.to_jsonb(${e}.changed_fields)`),
    `'"' || pg_catalog.to_char(${e}.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"'`,
  ];
  const sealed = `case when ${e}.personal is null then '' else ', ' || ${e}.personal::text || ', ' || ${string(`${e}.subject_id`)} end`;
  return `'[' || ${elements.join(` || ', ' || `)} || ${sealed} || ']'`;
}
