/**
 * The canonical text of a ledger event, the exact text whose bytes are its
 * Merkle leaf: PostgreSQL's `jsonb_build_array(...)::text` of 18 fields
 * (migration 0007, `audit.event_hash`), or 20 for an event whose personal
 * values are sealed in an envelope (migration 0046): the envelope (per
 * subject: key id, field names, OpenPGP ciphertext) and the subject id
 * follow the 18. The leaf commits to the ciphertext, so an event verifies
 * whether or not its subject's key still exists.
 */

/** The canonical array's fields, in order, under the names the readable `jsonl` event uses. */
export const canonicalFields = [
  'id',
  'txid',
  'seq',
  'tenant_id',
  'actor_type',
  'actor_id',
  'action',
  'resource_type',
  'resource_id',
  'ip_address',
  'request_id',
  'metadata',
  'operation',
  'table_name',
  'old_record',
  'new_record',
  'changed_fields',
  'created_at',
] as const;

/** The two fields an event with a personal-data envelope appends, in order. */
export const envelopeFields = ['personal', 'subject_id'] as const;

/** A field name of the canonical array. */
export type CanonicalField = (typeof canonicalFields)[number];

/** A canonical event, read; `personal` and `subject_id` only when it has an envelope. */
export type CanonicalEvent = Record<CanonicalField, unknown> & {
  id: string;
  personal?: unknown;
  subject_id?: unknown;
};

/** The field names of a canonical event with or without an envelope, in order. */
export const fieldsOf = (event: { personal?: unknown }): readonly string[] =>
  event.personal === undefined ? canonicalFields : [...canonicalFields, ...envelopeFields];

/**
 * Reads a canonical text into named fields; `undefined` if it is not a JSON
 * array of 18 values (20 with an envelope, which must be an object) whose
 * first is the event id. The caller has already
 * checked (or will check) that the text hashes into the tree; this only
 * reads it.
 */
export function parseCanonicalEvent(canonical: string): CanonicalEvent | undefined {
  let values: unknown;
  try {
    values = JSON.parse(canonical);
  } catch {
    return undefined;
  }
  if (!Array.isArray(values) || typeof values[0] !== 'string') return undefined;
  const sealed = values.length === canonicalFields.length + envelopeFields.length;
  if (values.length !== canonicalFields.length && !sealed) return undefined;
  if (sealed && (typeof values[18] !== 'object' || values[18] === null || Array.isArray(values[18]))) return undefined;
  const event: Record<string, unknown> = {};
  const names = sealed ? [...canonicalFields, ...envelopeFields] : canonicalFields;
  for (let i = 0; i < names.length; i++) event[names[i] as string] = values[i];
  return event as CanonicalEvent;
}
