import { sql } from 'drizzle-orm';
import { requireScope } from '../../identity/current-tx.ts';
import { sameTenant } from '../../tenant-context/same-tenant.ts';
import type { ChainQuery } from '../verify-chain.ts';
import { inclusionRanges } from './rfc9162.ts';
import { StoredTree } from './stored-tree.ts';

/** One leaf of a bundle: the event's canonical text and its inclusion proof. */
export interface BundleLeaf {
  leafIndex: number;
  canonical: string;
  /** RFC 9162 audit path to the bundle's checkpoint, from the leaf upward. */
  proof: Buffer[];
}

const fetchSize = 1_000;
// Kept hashes are dropped past this many leaves, so memory stays flat over any tree.
const forgetEvery = 65_536;

/**
 * Streams the current tenant's leaves 0..treeSize-1 in order, each with its
 * canonical text and its inclusion proof in the tree of `treeSize` leaves,
 * `fetchSize` at a time, waiting for `onBatch` before reading on. Proofs come
 * from stored nodes, each tile read once. An event deleted behind the
 * ledger's back is left out, and the bundle's verifier names it removed.
 * Inside `withTenant`, whose transaction holds the cursor. Returns the leaves sent.
 */
export async function streamTenantBundle(
  treeSize: number,
  onBatch: (leaves: BundleLeaf[]) => Promise<void>,
): Promise<number> {
  const { tenantId, tx } = requireScope('streamTenantBundle');
  const query: ChainQuery = async <R extends Record<string, unknown>>(statement: ReturnType<typeof sql>) =>
    (await tx.execute(statement)).rows as R[];
  const tree = new StoredTree(query, tenantId, { tilesPerRead: 64 });
  // The row cast to audit_logs: Citus sends a routed query naming the shard, whose row type no function takes.
  await query(sql`declare bundle_leaves no scroll cursor for
    select s.position - 1 as leaf_index, audit.canonical_text(row(l.*)::audit_logs) as canonical
    from audit.seals s join audit_logs l on l.id = s.event_id
    where s.chain = ${tenantId} and ${sameTenant('l')} and s.position <= ${treeSize}
    order by s.position`);
  let sent = 0;
  let sinceForget = 0;
  for (;;) {
    const rows = await query<{ leaf_index: string; canonical: string }>(
      sql`fetch ${sql.raw(String(fetchSize))} from bundle_leaves`,
    );
    if (rows.length === 0) break;
    const leaves: BundleLeaf[] = [];
    for (const row of rows) {
      const leafIndex = Number(row.leaf_index);
      leaves.push({
        leafIndex,
        canonical: row.canonical,
        proof: await tree.hashRanges(inclusionRanges(leafIndex, treeSize)),
      });
    }
    await onBatch(leaves);
    sent += leaves.length;
    sinceForget += leaves.length;
    if (sinceForget >= forgetEvery) {
      tree.forget();
      sinceForget = 0;
    }
  }
  await query(sql`close bundle_leaves`);
  return sent;
}
