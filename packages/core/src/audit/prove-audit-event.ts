import { tenantInclusionProof } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { type AuditCheckpointView, checkpointView } from './audit-checkpoint-view.ts';

export interface AuditInclusionProofView {
  leaf_index: number;
  tree_size: number;
  /** The event's canonical text, the leaf input (leaf hash = SHA-256(0x00 ‖ its UTF-8 bytes)). */
  canonical: string;
  /** RFC 9162 audit path, from the leaf upward, standard base64. */
  proof: string[];
  checkpoint: AuditCheckpointView;
}

/**
 * The inclusion proof of one of the current tenant's audit events in its
 * tree at a signed checkpoint (`treeSize`, default the latest). Inside
 * `withTenant`: another tenant's event is NOT_FOUND like a missing one,
 * and carries the probe the API records in that tenant once the answer
 * has gone out; an event sealed after that checkpoint is VALIDATION_FAILED.
 */
export async function proveAuditEvent(eventId: string, treeSize?: number): Promise<AuditInclusionProofView> {
  const proof = await tenantInclusionProof(eventId, treeSize);
  if (!proof) {
    throw new AppError(
      'NOT_FOUND',
      treeSize === undefined
        ? 'No such sealed audit event, or no signed checkpoint yet.'
        : `No such sealed audit event, or no signed checkpoint of size ${treeSize}.`,
      { probe: { table: 'audit_logs', id: eventId } },
    );
  }
  return {
    leaf_index: proof.leafIndex,
    tree_size: proof.treeSize,
    canonical: proof.canonical,
    proof: proof.proof.map((hash) => hash.toString('base64')),
    checkpoint: checkpointView(proof.checkpoint),
  };
}
