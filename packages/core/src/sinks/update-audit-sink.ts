import { recordAuditEvent, sql, type TenantTx } from '@skillhub/db';
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

/** Changes a sink's name, URL, format or whether it delivers; recorded like every admin change. */
export async function updateAuditSink(
  tx: TenantTx,
  policy: { allowPrivateNetwork: boolean },
  id: string,
  input: UpdateAuditSinkInput,
): Promise<AuditSinkView> {
  await findAuditSink(tx, id);
  const url = input.url === undefined ? undefined : checkSinkUrl(input.url, policy.allowPrivateNetwork);
  const changes = [
    input.name !== undefined && sql`name = ${input.name}`,
    url !== undefined && sql`url = ${url}`,
    input.format !== undefined && sql`format = ${input.format}`,
  ].filter((change) => change !== false);
  if (changes.length > 0) {
    await tx.execute(sql`update audit_sinks set ${sql.join(changes, sql`, `)}, updated_at = now() where id = ${id}`);
  }
  if (input.enabled === false) {
    await tx.execute(sql`update audit_sink_cursors
        set paused_at = coalesce(paused_at, now()), paused_reason = coalesce(paused_reason, 'paused by an admin'),
            lease_token = null, leased_until = null
      where sink_id = ${id}`);
  } else if (input.enabled === true) {
    await tx.execute(sql`update audit_sink_cursors
        set paused_at = null, paused_reason = null, failures = 0, failing_since = null, next_attempt_at = now()
      where sink_id = ${id}`);
  }
  await recordAuditEvent({
    action: 'audit_sink.updated',
    resourceType: 'audit_sink',
    resourceId: id,
    metadata: { ...input, ...(url !== undefined && { url }) },
  });
  return await findAuditSink(tx, id);
}
