import { type CheckpointRecord, type CheckpointSigner, parseCheckpointNote } from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';

/** A signed checkpoint as the API and the CLI show it (the shared contract's field names). */
export interface AuditCheckpointView {
  origin: string;
  tree_size: number;
  /** Standard base64. */
  root_hash: string;
  /** The whole signed note. */
  checkpoint: string;
  key_id: string;
  key_name: string;
  created_at: string;
}

/** The view of a recorded checkpoint; origin and key name read from its own note. */
export function checkpointView(record: CheckpointRecord): AuditCheckpointView {
  const note = parseCheckpointNote(record.note);
  const signature = note.signatures.find((s) => s.keyId.toString('hex') === record.keyId) ?? note.signatures[0];
  return {
    origin: note.origin,
    tree_size: record.treeSize,
    root_hash: record.rootHash.toString('base64'),
    checkpoint: record.note,
    key_id: record.keyId,
    key_name: signature?.name ?? '',
    created_at: record.createdAt.toISOString(),
  };
}

/** The signer the server's sealer uses: the deployment's name and current checkpoint key. */
export const checkpointSigner = (config: AppConfig): CheckpointSigner => ({
  deployment: config.auditOrigin,
  key: config.keys.checkpoints(config.auditOrigin).current,
});
