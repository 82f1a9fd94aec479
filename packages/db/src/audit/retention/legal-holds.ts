import { sql } from 'drizzle-orm';
import { requireScope } from '../../identity/current-tx.ts';

/** A legal hold on the current workspace (subject null) or on one subject of it. */
export interface LegalHold {
  id: string;
  /** A user id or a lower-cased email; null holds the whole workspace. */
  subject: string | null;
  reason: string;
  /** `<actor type>:<actor id>` of who placed it. */
  placedBy: string;
  placedAt: Date;
  releasedAt: Date | null;
  releasedBy: string | null;
  releaseReason: string | null;
}

interface HoldRow extends Record<string, unknown> {
  id: string;
  subject: string | null;
  reason: string;
  placed_by: string;
  placed_at: Date;
  released_at: Date | null;
  released_by: string | null;
  release_reason: string | null;
}

const toHold = (row: HoldRow): LegalHold => ({
  id: row.id,
  subject: row.subject,
  reason: row.reason,
  placedBy: row.placed_by,
  placedAt: new Date(row.placed_at),
  releasedAt: row.released_at ? new Date(row.released_at) : null,
  releasedBy: row.released_by,
  releaseReason: row.release_reason,
});

/**
 * Places a legal hold on the current workspace (inside `withTenant`), or on
 * one subject of it, through `audit.place_tenant_legal_hold` (the tenant
 * named, for a Citus cluster to run it on the tenant's node) and so
 * `audit.place_legal_hold`, which refuses callers that are not an owner,
 * an admin or a system actor and records `legal_hold.placed` with the
 * reason. Returns the hold.
 */
export async function placeLegalHold(subject: string | null, reason: string): Promise<LegalHold> {
  const { tx, tenantId } = requireScope('placeLegalHold');
  const placed = await tx.execute<{ id: string }>(
    sql`select audit.place_tenant_legal_hold(${tenantId}, ${subject}, ${reason}) as id`,
  );
  // A statement of its own: the one that placed the hold does not see its row.
  const { rows } = await tx.execute<HoldRow>(
    sql`select h.* from audit.legal_holds h where h.chain = ${tenantId} and h.id = ${placed.rows[0]?.id ?? null}::uuid`,
  );
  return toHold(rows[0] as HoldRow);
}

/** Releases an active hold of the current workspace, recording `legal_hold.released`; false when there is none. */
export async function releaseLegalHold(id: string, reason: string): Promise<boolean> {
  const { tx, tenantId } = requireScope('releaseLegalHold');
  const { rows } = await tx.execute<{ released: boolean }>(
    sql`select audit.release_tenant_legal_hold(${tenantId}, ${id}::uuid, ${reason}) as released`,
  );
  return rows[0]?.released === true;
}

/** The current workspace's holds, active first, newest first (the row policy shows its own only). */
export async function listLegalHolds(): Promise<LegalHold[]> {
  const { tx } = requireScope('listLegalHolds');
  const { rows } = await tx.execute<HoldRow>(
    sql`select id, subject, reason, placed_by, placed_at, released_at, released_by, release_reason
        from audit.legal_holds order by released_at is not null, placed_at desc limit 1000`,
  );
  return rows.map(toHold);
}
