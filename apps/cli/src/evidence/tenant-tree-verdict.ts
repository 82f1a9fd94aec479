import {
  type CheckpointKey,
  emptyRoot,
  readTenantCheckpoint,
  type TreeVerdict,
  tenantConsistencyProof,
  verifyTenantTree,
} from '@skillhub/db';
import type { CheckpointCheck, TrustedCheckpoint } from './checkpoint-trust.ts';

/**
 * The verdict on the current tenant's tree (inside `withTenant`), as one
 * line: its latest checkpoint must verify and extend `saved` (a
 * consistency proof; the same size with another root, or a smaller tree,
 * is a fork), then the events appended since `saved` (all of them when it
 * is null) are hashed and must give the latest root, their stored leaves
 * and interior nodes included. A line starting with `BROKEN` is a failure.
 */
export async function tenantTreeVerdict(
  saved: TrustedCheckpoint | null,
  checkSigned: CheckpointCheck,
  retentionKeys: readonly CheckpointKey[],
): Promise<string> {
  const verify = await import('@skillhub/verify');
  const record = await readTenantCheckpoint();
  if (!record) return saved ? 'BROKEN: truncated — the tree has no checkpoint any more' : 'no sealed events';
  const latest = await checkSigned(record.note);
  if (typeof latest === 'string') return `BROKEN: the latest checkpoint does not verify (${latest})`;
  const from = saved ?? { treeSize: 0, rootHash: emptyRoot() };
  if (latest.treeSize < from.treeSize) {
    return `BROKEN: fork — the tree has ${latest.treeSize} leaves, fewer than the saved checkpoint's ${from.treeSize}`;
  }
  if (latest.treeSize === from.treeSize && !latest.rootHash.equals(from.rootHash)) {
    return `BROKEN: fork — two checkpoints of size ${from.treeSize} with different roots`;
  }
  if (from.treeSize > 0 && latest.treeSize > from.treeSize) {
    const proof = await tenantConsistencyProof(from.treeSize, latest.treeSize).catch(() => null);
    const consistent =
      proof &&
      (await verify.verifyConsistency(
        verify.nodeHasher,
        from.treeSize,
        latest.treeSize,
        proof,
        from.rootHash,
        latest.rootHash,
      ));
    if (!consistent?.ok) {
      return `BROKEN: fork — the tree of size ${latest.treeSize} does not extend the saved one of size ${from.treeSize} (the consistency proof fails)`;
    }
  }
  return verdictLine(await verifyTenantTree(from, latest, undefined, retentionKeys), from.treeSize, latest);
}

function verdictLine(verdict: TreeVerdict, fromSize: number, latest: TrustedCheckpoint): string {
  if (!verdict.intact) {
    const b = verdict.break;
    const where = b?.leafIndex != null ? ` at leaf ${b.leafIndex}` : '';
    return `BROKEN${where}: ${b?.kind} — ${b?.detail}`;
  }
  const since = fromSize > 0 ? ` appended since size ${fromSize}` : '';
  const removed = verdict.removed > 0 ? `, ${verdict.removed} removed by policy under signed retention records` : '';
  return `intact: ${verdict.checked} event${verdict.checked === 1 ? '' : 's'}${since} checked${removed}; tree size ${latest.treeSize}, root ${latest.rootHash.toString('base64')}`;
}
