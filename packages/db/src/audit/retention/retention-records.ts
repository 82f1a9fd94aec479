import { sql } from 'drizzle-orm';
import { requireScope } from '../../identity/current-tx.ts';

/** A signed retention record of the current workspace, as stored. */
export interface RetentionRecord {
  startLeaf: number;
  endLeaf: number;
  removedAt: Date;
  keepDays: number;
  cutoff: Date;
  checkpointSize: number;
  eventsRemoved: number;
  /** 8 hex digits: the signing key's id. */
  keyId: string;
  /** The signed note, exactly as signed: check it with the published checkpoint keys. */
  note: string;
}

interface RecordRow extends Record<string, unknown> {
  start_leaf: string;
  end_leaf: string;
  removed_at: Date;
  keep_days: number;
  cutoff: Date;
  checkpoint_size: string;
  events_removed: string;
  key_id: string;
  note: string;
}

/** The current workspace's retention records, oldest range first (inside `withTenant`). */
export async function listRetentionRecords(): Promise<RetentionRecord[]> {
  const { tx } = requireScope('listRetentionRecords');
  const { rows } = await tx.execute<RecordRow>(
    sql`select start_leaf, end_leaf, removed_at, keep_days, cutoff, checkpoint_size, events_removed, key_id, note
        from audit.retention_records order by start_leaf`,
  );
  return rows.map((row) => ({
    startLeaf: Number(row.start_leaf),
    endLeaf: Number(row.end_leaf),
    removedAt: new Date(row.removed_at),
    keepDays: row.keep_days,
    cutoff: new Date(row.cutoff),
    checkpointSize: Number(row.checkpoint_size),
    eventsRemoved: Number(row.events_removed),
    keyId: row.key_id,
    note: row.note,
  }));
}
