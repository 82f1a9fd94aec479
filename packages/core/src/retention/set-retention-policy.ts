import { recordAuditEvent, sql, type TenantTx } from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';
import { AppError } from '../errors/app-error.ts';
import { type RetentionPolicy, readRetentionPolicy } from './retention-policy.ts';

/**
 * Sets how many days the current workspace keeps its audit events (null:
 * forever). A number outside the deployment's bounds is refused with
 * VALIDATION_FAILED, never clamped silently: below the minimum would let a
 * taken-over admin account empty the ledger. The change is captured with
 * the settings row and recorded as `audit.retention_policy_changed`.
 */
export async function setRetentionPolicy(
  tx: TenantTx,
  config: AppConfig,
  keepDays: number | null,
): Promise<RetentionPolicy> {
  const { minDays, maxDays } = config.retention;
  if (keepDays !== null) {
    if (!Number.isInteger(keepDays) || keepDays < minDays || (maxDays !== null && keepDays > maxDays)) {
      const range = maxDays === null ? `at least ${minDays}` : `from ${minDays} to ${maxDays}`;
      throw new AppError('VALIDATION_FAILED', `Audit events are kept for a whole number of days ${range}.`, {
        details: { field: 'keepDays', minDays, maxDays },
      });
    }
  } else if (maxDays !== null) {
    throw new AppError('VALIDATION_FAILED', `This deployment keeps audit events for at most ${maxDays} days.`, {
      details: { field: 'keepDays', minDays, maxDays },
    });
  }
  const before = await readRetentionPolicy(tx, config);
  if (before.keepDays === keepDays) return before;
  await tx.execute(
    sql`insert into site_settings (audit_retention_days) values (${keepDays})
        on conflict (tenant_id) do update set audit_retention_days = excluded.audit_retention_days,
          updated_at = excluded.updated_at`,
  );
  await recordAuditEvent({
    action: 'audit.retention_policy_changed',
    resourceType: 'site_settings',
    metadata: { from: before.keepDays, to: keepDays, minDays, maxDays },
  });
  return readRetentionPolicy(tx, config);
}
