import { randomUUID } from 'node:crypto';
import { recordAuditEvent, sql, type TenantTx } from '@skillhub/db';
import type { SecretKeyRing } from '../crypto/secret-box.ts';
import type { AuditSinkView } from './audit-sink-view.ts';
import { findAuditSink } from './find-audit-sink.ts';
import type { SinkFormat } from './sink-payload.ts';
import { newSigningSecret, sealSigningSecret } from './sink-secret.ts';
import { checkSinkUrl } from './sink-url.ts';

export interface CreateAuditSinkInput {
  name: string;
  url: string;
  format: SinkFormat;
  /** The first leaf index to deliver (default 0: the whole trail, then everything sealed from now on). */
  fromLeaf?: number | undefined;
  createdBy: string | null;
}

/**
 * Adds a webhook sink. Its signing secret is made here, stored sealed
 * (AES-256-GCM, bound to the sink) and returned only in this answer: the
 * receiver's verifier needs it, and nobody can read it back later. The
 * change record redacts it; the audit event names the sink, URL and format.
 */
export async function createAuditSink(
  tx: TenantTx,
  ring: SecretKeyRing,
  policy: { allowPrivateNetwork: boolean },
  input: CreateAuditSinkInput,
): Promise<AuditSinkView & { signingSecret: string }> {
  const url = checkSinkUrl(input.url, policy.allowPrivateNetwork);
  const { rows } = await tx.execute<{ tenant: string }>(sql`select (platform.verified_context()).tenant_id as tenant`);
  const tenantId = rows[0]?.tenant ?? '';
  const id = randomUUID();
  const secret = newSigningSecret();
  await tx.execute(sql`insert into audit_sinks (id, name, url, format, signing_secret, created_by)
    values (${id}, ${input.name}, ${url}, ${input.format}, ${sealSigningSecret(ring, { tenantId, id }, secret)},
            ${input.createdBy})`);
  await tx.execute(sql`insert into audit_sink_cursors (tenant_id, sink_id, delivered_through)
    values (${tenantId}, ${id}, ${(input.fromLeaf ?? 0) - 1})`);
  await recordAuditEvent({
    action: 'audit_sink.created',
    resourceType: 'audit_sink',
    resourceId: id,
    metadata: { name: input.name, url, format: input.format, fromLeaf: input.fromLeaf ?? 0 },
  });
  return { ...(await findAuditSink(tx, id)), signingSecret: secret };
}
