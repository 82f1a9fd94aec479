/**
 * Checks that the readable part of a bundle line says what its canonical
 * text says, so editing what a person reads (an actor, an action, a time)
 * is caught even though only the canonical text is hashed.
 */
import { type CanonicalEvent, type canonicalFields, fieldsOf } from './canonical-event.ts';
import { jsonEqual } from './json-equal.ts';

/** The formats of the readable part of a bundle's events. */
export type EventsFormat = 'jsonl' | 'ocsf';

/**
 * The readable fields that disagree with the canonical event, each as a short
 * sentence; empty when all agree.
 *
 * - `jsonl`: the event must carry exactly the 18 canonical fields by name
 *   (20 with a personal-data envelope: `personal` and `subject_id`),
 *   each equal to the canonical value (numbers and ids may be written as
 *   text, an address with or without its /32 or /128 prefix length);
 * - `ocsf`: every field the OCSF mapping copies from the event (ids, tenant,
 *   action, actor, address, request, resource, times, and the original event
 *   under `unmapped`) must agree when present; derived fields (class,
 *   severity, status) are not compared.
 */
export function readableDisagreements(format: EventsFormat, readable: unknown, canonical: CanonicalEvent): string[] {
  if (typeof readable !== 'object' || readable === null || Array.isArray(readable)) {
    return ['the readable event is not an object'];
  }
  return format === 'jsonl'
    ? jsonlDisagreements(readable as Record<string, unknown>, canonical)
    : ocsfDisagreements(readable as Record<string, unknown>, canonical);
}

const sameValue = (field: string, readable: unknown, canonical: unknown): boolean => {
  if (jsonEqual(readable, canonical)) return true;
  if (field === 'ip_address') return hostOf(readable) !== undefined && hostOf(readable) === hostOf(canonical);
  // Identifiers and counters may travel as text (bigint seq, txid) or as numbers.
  if (field === 'seq' || field === 'txid') {
    return (
      (typeof readable === 'string' || typeof readable === 'number') &&
      (typeof canonical === 'string' || typeof canonical === 'number') &&
      String(readable) === String(canonical)
    );
  }
  return false;
};

/** `1.2.3.4/32` and `1.2.3.4` are the same host; other prefix lengths are kept. */
function hostOf(address: unknown): string | undefined {
  if (typeof address !== 'string') return undefined;
  return address.replace(/\/(32|128)$/, '');
}

const show = (value: unknown) => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

function jsonlDisagreements(readable: Record<string, unknown>, canonical: CanonicalEvent): string[] {
  const out: string[] = [];
  const fields = fieldsOf(canonical);
  const said = canonical as Record<string, unknown>;
  for (const field of fields) {
    if (!Object.hasOwn(readable, field)) out.push(`the readable event lacks ${field}`);
    else if (!sameValue(field, readable[field], said[field])) {
      out.push(`${field} reads ${show(readable[field])} but the canonical text says ${show(said[field])}`);
    }
  }
  const known = new Set<string>(fields);
  for (const field of Object.keys(readable)) {
    if (!known.has(field)) out.push(`the readable event adds ${field}, which the canonical text does not hold`);
  }
  return out;
}

/** The camelCase names under which OCSF's `unmapped` carries the event (core's AuditEventView). */
const unmappedNames: Partial<Record<(typeof canonicalFields)[number], string>> = {
  id: 'id',
  tenant_id: 'tenantId',
  actor_type: 'actorType',
  actor_id: 'actorId',
  action: 'action',
  resource_type: 'resourceType',
  resource_id: 'resourceId',
  ip_address: 'ipAddress',
  request_id: 'requestId',
  metadata: 'metadata',
  operation: 'operation',
  table_name: 'tableName',
  old_record: 'oldRecord',
  new_record: 'newRecord',
  changed_fields: 'changedFields',
  created_at: 'createdAt',
};

function ocsfDisagreements(readable: Record<string, unknown>, canonical: CanonicalEvent): string[] {
  const out: string[] = [];
  const time = typeof canonical.created_at === 'string' ? Date.parse(canonical.created_at) : Number.NaN;
  // [path in the OCSF object, canonical field, expected value]; absent paths are skipped.
  const copies: [string[], string, unknown][] = [
    [['metadata', 'uid'], 'id', canonical.id],
    [['metadata', 'tenant_uid'], 'tenant_id', canonical.tenant_id],
    [['metadata', 'correlation_uid'], 'request_id', canonical.request_id ?? undefined],
    [['metadata', 'logged_time'], 'created_at', time],
    [['time'], 'created_at', time],
    [['message'], 'action', canonical.action],
    [['api', 'operation'], 'action', canonical.action],
    [['api', 'request', 'uid'], 'request_id', canonical.request_id ?? undefined],
    [['actor', 'user', 'uid'], 'actor_id', canonical.actor_id ?? undefined],
    [['src_endpoint', 'ip'], 'ip_address', canonical.ip_address ?? undefined],
  ];
  for (const [path, field, expected] of copies) {
    const { found, value } = at(readable, path);
    if (found && !sameValue(field, value, expected)) {
      out.push(`${path.join('.')} reads ${show(value)} but the canonical ${field} is ${show(expected)}`);
    }
  }
  const resources = readable.resources;
  if (Array.isArray(resources) && resources.length > 0) {
    const first = resources[0] as Record<string, unknown> | undefined;
    if (first?.type !== undefined && first.type !== canonical.resource_type) {
      out.push(
        `resources[0].type reads ${show(first.type)} but the canonical resource_type is ${show(canonical.resource_type)}`,
      );
    }
    if (first?.uid !== undefined && first.uid !== canonical.resource_id) {
      out.push(
        `resources[0].uid reads ${show(first.uid)} but the canonical resource_id is ${show(canonical.resource_id)}`,
      );
    }
  }
  const unmapped = readable.unmapped;
  if (typeof unmapped === 'object' && unmapped !== null) {
    const record = unmapped as Record<string, unknown>;
    for (const [field, name] of Object.entries(unmappedNames)) {
      if (name === undefined || !Object.hasOwn(record, name)) continue;
      const expected = canonical[field as keyof CanonicalEvent];
      if (!sameValue(field, record[name], expected)) {
        out.push(`unmapped.${name} reads ${show(record[name])} but the canonical ${field} is ${show(expected)}`);
      }
    }
  }
  return out;
}

function at(object: Record<string, unknown>, path: string[]): { found: boolean; value: unknown } {
  let current: unknown = object;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key))
      return { found: false, value: undefined };
    current = (current as Record<string, unknown>)[key];
  }
  return { found: true, value: current };
}
