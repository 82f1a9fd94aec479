import { type CheckpointKey, parseVerifierKey } from '@skillhub/db';
import { listCheckpointKeys } from '../audit/list-checkpoint-keys.ts';
import type { AppConfig } from '../config/app-config.ts';

/** The keys retention records must be signed by: the checkpoint keys, current and retired. */
export const retentionKeys = (config: AppConfig): CheckpointKey[] =>
  listCheckpointKeys(config).map((key) => parseVerifierKey(key.vkey));
