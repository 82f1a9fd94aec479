import {
  type BundleLeaf,
  type Database,
  listRetentionRecords,
  logSecurityEvent,
  readTenantCheckpoint,
  recordAuditEvent,
  sql,
  streamTenantBundle,
} from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import { AppError } from '../errors/app-error.ts';
import { type AuditCheckpointView, checkpointView } from './audit-checkpoint-view.ts';
import type { AuditEventView } from './audit-event-query.ts';
import { toOcsfEvent } from './ocsf-event.ts';

export const bundleEventFormats = ['jsonl', 'ocsf'] as const;
export type BundleEventFormat = (typeof bundleEventFormats)[number];

/** The fields of the canonical array (migration 0007's audit.event_hash), in order. */
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

export interface AuditBundle {
  eventsFormat: BundleEventFormat;
  /** The checkpoint the bundle proves against: the latest when the export starts. */
  checkpoint: AuditCheckpointView;
}

/** What an event with a personal-data envelope appends to the 18 (migration 0046). */
export const envelopeFields = ['personal', 'subject_id'] as const;

/**
 * The canonical text's fields by name: the bundle's readable form of an
 * event in JSON Lines. An event with an envelope reads as committed: its
 * personal values stay encrypted (`personal`), as the leaf hashes them; a
 * bundle never carries them in clear, so one exported before an erasure
 * holds nothing the erasure could not take back.
 */
export function canonicalRecord(canonical: string): Record<string, unknown> {
  const values = JSON.parse(canonical) as unknown[];
  const names = values.length > canonicalFields.length ? [...canonicalFields, ...envelopeFields] : canonicalFields;
  return Object.fromEntries(names.map((name, i) => [name, values[i] ?? null]));
}

const asView = (e: Record<string, unknown>): AuditEventView => ({
  id: e.id as string,
  tenantId: e.tenant_id as string,
  actorType: e.actor_type as string,
  actorId: e.actor_id as string | null,
  action: e.action as string,
  resourceType: e.resource_type as string | null,
  resourceId: e.resource_id as string | null,
  ipAddress: e.ip_address as string | null,
  requestId: e.request_id as string | null,
  metadata: (e.metadata ?? {}) as Record<string, unknown>,
  operation: e.operation as string | null,
  tableName: e.table_name as string | null,
  oldRecord: e.old_record as Record<string, unknown> | null,
  newRecord: e.new_record as Record<string, unknown> | null,
  changedFields: e.changed_fields as string[] | null,
  createdAt: e.created_at as string,
});

/**
 * Finds the checkpoint a bundle will prove against (NOT_FOUND before the
 * first one is signed) and puts the export on record (a `data_export`
 * security event and an `audit.exported` audit event) before any of it is
 * sent; then stream it with {@link streamAuditBundle}.
 */
export async function startAuditBundle(
  db: Database,
  auth: RequestAuth,
  eventsFormat: BundleEventFormat,
): Promise<AuditBundle> {
  return db.withTenant(auth.tenantId, auth.actor, async () => {
    const record = await readTenantCheckpoint();
    if (!record) throw new AppError('NOT_FOUND', 'This workspace’s audit tree has no signed checkpoint yet.');
    const details = { what: 'audit_events', format: 'bundle', events_format: eventsFormat, tree_size: record.treeSize };
    await logSecurityEvent({ type: 'data_export', severity: 'low', details });
    await recordAuditEvent({ action: 'audit.exported', resourceType: 'audit_log', metadata: details });
    return { eventsFormat, checkpoint: checkpointView(record) };
  });
}

/**
 * Writes the evidence bundle (JSON Lines: a header with the signed
 * checkpoint, one line per leaf 0..N-1 with its canonical text, inclusion
 * proof and readable form, an end line with the count), one batch at a
 * time, waiting for `write` before reading on, in one read-only snapshot.
 * Returns the events written.
 */
export async function streamAuditBundle(
  db: Database,
  auth: RequestAuth,
  bundle: AuditBundle,
  write: (chunk: string) => Promise<void>,
): Promise<number> {
  const { checkpoint, eventsFormat } = bundle;
  return db.withTenant(auth.tenantId, auth.actor, async (tx) => {
    await tx.execute(sql`set transaction read only`);
    // The leaves signed retention records removed: the verifier counts them removed by policy, not missing.
    const retention = (await listRetentionRecords())
      .filter((r) => r.endLeaf <= checkpoint.tree_size)
      .map((r) => r.note);
    await write(
      `${JSON.stringify({
        type: 'skillhub.evidence-bundle',
        version: 1,
        origin: checkpoint.origin,
        tree_size: checkpoint.tree_size,
        root_hash: checkpoint.root_hash,
        checkpoint: checkpoint.checkpoint,
        key_id: checkpoint.key_id,
        key_name: checkpoint.key_name,
        events_format: eventsFormat,
        complete: true,
        ...(retention.length > 0 && { retention }),
      })}\n`,
    );
    const line = (leaf: BundleLeaf) => {
      const record = canonicalRecord(leaf.canonical);
      return `${JSON.stringify({
        type: 'event',
        leaf_index: leaf.leafIndex,
        canonical: leaf.canonical,
        proof: leaf.proof.map((hash) => hash.toString('base64')),
        event: eventsFormat === 'ocsf' ? toOcsfEvent(asView(record)) : record,
      })}\n`;
    };
    const events = await streamTenantBundle(checkpoint.tree_size, (leaves) => write(leaves.map(line).join('')));
    await write(`${JSON.stringify({ type: 'end', events })}\n`);
    return events;
  });
}
