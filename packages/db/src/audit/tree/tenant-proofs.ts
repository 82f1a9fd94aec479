import { type SQL, sql } from 'drizzle-orm';
import { DbError } from '../../errors.ts';
import { requireScope } from '../../identity/current-tx.ts';
import { sameTenant } from '../../tenant-context/same-tenant.ts';
import type { ChainQuery } from '../verify-chain.ts';
import { consistencyRanges, inclusionRanges } from './rfc9162.ts';
import { StoredTree } from './stored-tree.ts';

/** A signed checkpoint of a tenant's tree, as recorded. */
export interface CheckpointRecord {
  treeSize: number;
  rootHash: Buffer;
  /** 8 hex digits. */
  keyId: string;
  /** The signed note, exactly as signed. */
  note: string;
  createdAt: Date;
}

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  /** The event's canonical text: the leaf input. */
  canonical: string;
  /** RFC 9162 audit path, from the leaf upward. */
  proof: Buffer[];
  checkpoint: CheckpointRecord;
}

interface CheckpointRow extends Record<string, unknown> {
  tree_size: string;
  root_hash: Buffer;
  key_id: string;
  note: string;
  created_at: Date;
}

const toRecord = (row: CheckpointRow): CheckpointRecord => ({
  treeSize: Number(row.tree_size),
  rootHash: row.root_hash,
  keyId: row.key_id,
  note: row.note,
  createdAt: new Date(row.created_at),
});

function tenantQuery(operation: string): { tenantId: string; query: ChainQuery } {
  const { tenantId, tx } = requireScope(operation);
  const query: ChainQuery = async <R extends Record<string, unknown>>(statement: SQL) =>
    (await tx.execute(statement)).rows as R[];
  return { tenantId, query };
}

/**
 * The current tenant's latest signed checkpoint, or the one at `treeSize`
 * (the newest signature when several keys signed it); null when there is
 * none. Inside `withTenant`: the row policy shows the tenant's own only.
 */
export async function readTenantCheckpoint(treeSize?: number): Promise<CheckpointRecord | null> {
  const { tenantId, query } = tenantQuery('readTenantCheckpoint');
  const [row] = await query<CheckpointRow>(
    sql`select tree_size, root_hash, key_id, note, created_at from audit.checkpoints
        where chain = ${tenantId} and (${treeSize ?? null}::bigint is null or tree_size = ${treeSize ?? null})
        order by tree_size desc, created_at desc limit 1`,
  );
  return row ? toRecord(row) : null;
}

/**
 * The inclusion proof of one of the current tenant's events in its tree at
 * a checkpointed size (default: the latest checkpoint), built from stored
 * nodes only. Null when the tenant has no such sealed event (another
 * tenant's event looks exactly like a missing one) or no such checkpoint;
 * INVALID_INPUT when the event was sealed after that checkpoint.
 */
export async function tenantInclusionProof(eventId: string, treeSize?: number): Promise<InclusionProof | null> {
  const { tenantId, query } = tenantQuery('tenantInclusionProof');
  // The row cast to audit_logs: Citus sends a routed query naming the shard, whose row type no function takes.
  const [leaf] = await query<{ leaf_index: string; canonical: string }>(
    sql`select s.position - 1 as leaf_index, audit.canonical_text(row(l.*)::audit_logs) as canonical
        from audit.seals s join audit_logs l on l.id = s.event_id
        where s.event_id = ${eventId} and s.chain = ${tenantId} and ${sameTenant('l')}`,
  );
  if (!leaf) return null;
  const checkpoint = await readTenantCheckpoint(treeSize);
  if (!checkpoint) return null;
  const leafIndex = Number(leaf.leaf_index);
  if (leafIndex >= checkpoint.treeSize) {
    throw new DbError(
      'INVALID_INPUT',
      `event ${eventId} is leaf ${leafIndex}, sealed after the checkpoint of size ${checkpoint.treeSize}`,
    );
  }
  const proof = await new StoredTree(query, tenantId).hashRanges(inclusionRanges(leafIndex, checkpoint.treeSize));
  return { leafIndex, treeSize: checkpoint.treeSize, canonical: leaf.canonical, proof, checkpoint };
}

/**
 * The consistency proof between the current tenant's tree at `from` and at
 * `to` leaves (RFC 9162 §2.1.4), from stored nodes; 0 < from ≤ to ≤ the
 * tree's sealed size, else INVALID_INPUT.
 */
export async function tenantConsistencyProof(from: number, to: number): Promise<Buffer[]> {
  const { tenantId, query } = tenantQuery('tenantConsistencyProof');
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from > 0 && from <= to)) {
    throw new DbError('INVALID_INPUT', `no consistency proof from ${from} to ${to}: 0 < from ≤ to`);
  }
  const [size] = await query<{ n: string | null }>(
    sql`select max(position) as n from audit.seals where chain = ${tenantId}`,
  );
  if (to > Number(size?.n ?? 0)) {
    throw new DbError('INVALID_INPUT', `the tree has ${Number(size?.n ?? 0)} leaves, fewer than ${to}`);
  }
  return new StoredTree(query, tenantId).hashRanges(consistencyRanges(from, to));
}
