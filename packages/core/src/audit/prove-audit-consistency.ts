import { tenantConsistencyProof } from '@skillhub/db';

export interface AuditConsistencyProofView {
  from: number;
  to: number;
  /** RFC 9162 §2.1.4 consistency proof, standard base64. */
  proof: string[];
}

/**
 * The consistency proof between two sizes of the current tenant's audit
 * tree: whoever holds a checkpoint of size `from` checks with it that the
 * tree of size `to` only appended. Inside `withTenant`; VALIDATION_FAILED
 * unless 0 < from ≤ to ≤ the sealed size.
 */
export async function proveAuditConsistency(from: number, to: number): Promise<AuditConsistencyProofView> {
  const proof = await tenantConsistencyProof(from, to);
  return { from, to, proof: proof.map((hash) => hash.toString('base64')) };
}
