import { sameTenant, sql, type TenantTx } from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';

/** A workspace's retention policy and the deployment's bounds on it. */
export interface RetentionPolicy {
  /** Days of audit events the workspace asked to keep; null: forever. */
  keepDays: number | null;
  /** What retention applies: keepDays within the bounds; null when nothing is ever removed. */
  effectiveDays: number | null;
  minDays: number;
  maxDays: number | null;
}

/** The bounds applied to a stored policy, as audit.retention_plan applies them. */
export function effectiveDays(keepDays: number | null, config: AppConfig): number | null {
  if (keepDays === null) return null;
  const atLeast = Math.max(keepDays, config.retention.minDays);
  return config.retention.maxDays === null ? atLeast : Math.min(atLeast, config.retention.maxDays);
}

/** The current workspace's policy (inside `withTenant`; a workspace without a settings row keeps everything). */
export async function readRetentionPolicy(tx: TenantTx, config: AppConfig): Promise<RetentionPolicy> {
  const { rows } = await tx.execute<{ days: number | null }>(
    sql`select audit_retention_days as days from site_settings where ${sameTenant('site_settings')} limit 1`,
  );
  const keepDays = rows[0]?.days ?? null;
  return {
    keepDays,
    effectiveDays: effectiveDays(keepDays, config),
    minDays: config.retention.minDays,
    maxDays: config.retention.maxDays,
  };
}
