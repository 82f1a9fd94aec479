import { recordAuditEvent, sameTenant, sql, type TenantTx } from '@skillhub/db';
import type { AuditSinkView } from './audit-sink-view.ts';
import { findAuditSink } from './find-audit-sink.ts';
import type { SinkFormat } from './sink-payload.ts';
import { checkSinkUrl } from './sink-url.ts';

export interface UpdateAuditSinkInput {
  name?: string | undefined;
  url?: string | undefined;
  format?: SinkFormat | undefined;
  /** false pauses delivery; true resumes a paused sink at once (its failures forgotten). */
  enabled?: boolean | undefined;
}

/**
 * Changes a sink's name, URL, format or whether it delivers; recorded like
 * every admin change, with only the fields that changed. A request that
 * changes nothing records nothing.
 */
export async function updateAuditSink(
  tx: TenantTx,
  policy: { allowPrivateNetwork: boolean },
  id: string,
  input: UpdateAuditSinkInput,
): Promise<AuditSinkView> {
  const current = await findAuditSink(tx, id);
  const url = input.url === undefined ? undefined : checkSinkUrl(input.url, policy.allowPrivateNetwork);
  // Only what differs from the sink as it stands is a change.
  const name = input.name !== current.name ? input.name : undefined;
  const newUrl = url !== current.url ? url : undefined;
  const format = input.format !== current.format ? input.format : undefined;
  const enabled = enabledChange(current, input.enabled);
  const changes = [
    name !== undefined && sql`name = ${name}`,
    newUrl !== undefined && sql`url = ${newUrl}`,
    format !== undefined && sql`format = ${format}`,
  ].filter((change) => change !== false);
  if (changes.length > 0) {
    await tx.execute(
      sql`update audit_sinks set ${sql.join(changes, sql`, `)}, updated_at = now() where ${sameTenant('audit_sinks')} and id = ${id}`,
    );
  }
  if (enabled === false) {
    await tx.execute(sql`update audit_sink_cursors
        set paused_at = coalesce(paused_at, now()), paused_reason = coalesce(paused_reason, 'paused by an admin'),
            lease_token = null, leased_until = null
      where ${sameTenant('audit_sink_cursors')} and sink_id = ${id}`);
  } else if (enabled === true) {
    await tx.execute(sql`update audit_sink_cursors
        set paused_at = null, paused_reason = null, failures = 0, failing_since = null, next_attempt_at = now()
      where ${sameTenant('audit_sink_cursors')} and sink_id = ${id}`);
  }
  // A request that changes nothing (no field, or each field as it already is) records nothing: the ledger holds changes.
  if (changes.length === 0 && enabled === undefined) return current;
  await recordAuditEvent({
    action: 'audit_sink.updated',
    resourceType: 'audit_sink',
    resourceId: id,
    metadata: {
      ...(name !== undefined && { name }),
      ...(newUrl !== undefined && { url: newUrl }),
      ...(format !== undefined && { format }),
      ...(enabled !== undefined && { enabled }),
    },
  });
  return await findAuditSink(tx, id);
}

/** false pauses a sink that delivers; true resumes one that is paused or failing; anything else changes nothing. */
function enabledChange(current: AuditSinkView, enabled: boolean | undefined): boolean | undefined {
  if (enabled === false) return current.pausedAt === null ? false : undefined;
  if (enabled === true) return current.pausedAt !== null || current.failures > 0 ? true : undefined;
  return undefined;
}
