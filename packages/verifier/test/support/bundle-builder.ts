/**
 * Evidence bundles built for the tests and the benchmark the way the
 * contract describes them, with the independent level tree and a node:crypto
 * key, so the verifier is checked against evidence it had no part in making.
 */
import { randomUUID } from 'node:crypto';
import { LevelTree, leafHash } from './reference-tree.ts';
import { signCheckpoint, type TestSigner } from './signing.ts';

/** PostgreSQL's jsonb text: `, ` and `: ` separators, object keys ordered by length, then bytewise. */
export function jsonbText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((key) => `${JSON.stringify(key)}: ${jsonbText((value as Record<string, unknown>)[key])}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** The readable `jsonl` fields of an event, in canonical order. */
export type ReadableEvent = Record<string, unknown>;

/** A plausible ledger event: a skill update by a user, with its row change. */
export function sampleEvent(tenantId: string, seq: number, id: string = randomUUID()): ReadableEvent {
  const created = new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString().replace('Z', '123Z');
  return {
    id,
    txid: String(1000 + seq),
    seq,
    tenant_id: tenantId,
    actor_type: 'user',
    actor_id: `user-${seq % 17}`,
    action: 'skill.updated',
    resource_type: 'skill',
    resource_id: `skill-${seq % 101}`,
    ip_address: '203.0.113.7/32',
    request_id: `req-${seq}`,
    metadata: { slug: `skill-${seq % 101}`, source: 'api' },
    operation: 'UPDATE',
    table_name: 'skills',
    old_record: { id: `skill-${seq % 101}`, title: 'Draft', version: seq },
    new_record: { id: `skill-${seq % 101}`, title: 'Reviewed', version: seq + 1 },
    changed_fields: ['title', 'version'],
    created_at: created,
  };
}

/** The canonical text of a readable event (the 18 fields as a jsonb array). */
export function canonicalText(event: ReadableEvent): string {
  return jsonbText([
    event.id,
    event.txid,
    event.seq,
    event.tenant_id,
    event.actor_type,
    event.actor_id,
    event.action,
    event.resource_type,
    event.resource_id,
    event.ip_address,
    event.request_id,
    event.metadata,
    event.operation,
    event.table_name,
    event.old_record,
    event.new_record,
    event.changed_fields,
    event.created_at,
  ]);
}

/** A bundle as its lines (without newlines), with what built it. */
export interface BuiltBundle {
  lines: string[];
  events: ReadableEvent[];
  tree: LevelTree;
  origin: string;
  checkpoint: string;
}

/** A bundle of `count` events of one tenant, signed by `signer`; `only` keeps a subset of leaves (an incomplete bundle). */
export function buildBundle(
  signer: TestSigner,
  count: number,
  options: {
    tenantId?: string;
    only?: (leafIndex: number) => boolean;
    /** Changes the sample event of a leaf before it is sealed (its canonical text follows). */
    shape?: (event: ReadableEvent, leafIndex: number) => void;
  } = {},
): BuiltBundle {
  const tenantId = options.tenantId ?? 'tenant-a';
  const origin = `${signer.keyName}/audit/${tenantId}`;
  const events = Array.from({ length: count }, (_, i) => {
    const event = sampleEvent(tenantId, i + 1);
    options.shape?.(event, i);
    return event;
  });
  const canonicals = events.map(canonicalText);
  const tree = new LevelTree(canonicals.map((text) => leafHash(text)));
  const checkpoint = signCheckpoint(origin, count, tree.root, signer);
  const included = events.map((_, i) => i).filter((i) => options.only?.(i) ?? true);
  const lines = [
    JSON.stringify({
      type: 'skillhub.evidence-bundle',
      version: 1,
      origin,
      tree_size: count,
      root_hash: tree.root.toString('base64'),
      checkpoint,
      key_id: signer.keyId,
      key_name: signer.keyName,
      events_format: 'jsonl',
      complete: included.length === count,
    }),
    ...included.map((i) =>
      JSON.stringify({
        type: 'event',
        leaf_index: i,
        canonical: canonicals[i],
        proof: tree.proof(i).map((hash) => hash.toString('base64')),
        event: events[i],
      }),
    ),
    JSON.stringify({ type: 'end', events: included.length }),
  ];
  return { lines, events, tree, origin, checkpoint };
}
