/**
 * The canonical text of a ledger event, the exact text whose bytes are its
 * Merkle leaf: PostgreSQL's `jsonb_build_array(...)::text` of 18 fields
 * (migration 0007, `audit.event_hash`).
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

/** A field name of the canonical array. */
export type CanonicalField = (typeof canonicalFields)[number];

/** A canonical event, read. */
export type CanonicalEvent = Record<CanonicalField, unknown> & { id: string };

/**
 * Reads a canonical text into named fields; `undefined` if it is not a JSON
 * array of 18 values whose first is the event id. The caller has already
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
  if (!Array.isArray(values) || values.length !== canonicalFields.length || typeof values[0] !== 'string') {
    return undefined;
  }
  const event = {} as Record<CanonicalField, unknown>;
  for (let i = 0; i < canonicalFields.length; i++) event[canonicalFields[i] as CanonicalField] = values[i];
  return event as CanonicalEvent;
}
