import {
  type LegalHold,
  listLegalHolds,
  listRetentionRecords,
  type RetentionRecord,
  type TenantTx,
} from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';
import { type RetentionPolicy, readRetentionPolicy } from './retention-policy.ts';

/** The current workspace's retention, as its admins see it. */
export interface RetentionState {
  policy: RetentionPolicy;
  /** Active first, newest first. */
  holds: LegalHold[];
  /** Oldest range first; each note is the signed record, to check with the checkpoint keys. */
  records: RetentionRecord[];
}

/** The policy, the legal holds and the signed retention records (inside `withTenant`; reading records nothing). */
export async function readRetentionState(tx: TenantTx, config: AppConfig): Promise<RetentionState> {
  return {
    policy: await readRetentionPolicy(tx, config),
    holds: await listLegalHolds(),
    records: await listRetentionRecords(),
  };
}
