import { sameTenant, siteSettings, type TenantTx } from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';

export interface SessionLimits {
  idleTimeoutMinutes: number;
  absoluteTimeoutHours: number;
}

/** The tenant's session timeouts (site settings), falling back to the server's. */
export async function sessionLimits(tx: TenantTx, config: AppConfig): Promise<SessionLimits> {
  const [row] = await tx
    .select({ settings: siteSettings.settings })
    .from(siteSettings)
    .where(sameTenant(siteSettings.tenantId))
    .limit(1);
  const sessions = (row?.settings?.sessions ?? {}) as Partial<SessionLimits>;
  const positive = (value: unknown, fallback: number) =>
    typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
  return {
    idleTimeoutMinutes: positive(sessions.idleTimeoutMinutes, config.idleTimeoutMinutes),
    absoluteTimeoutHours: positive(sessions.absoluteTimeoutHours, config.absoluteTimeoutHours),
  };
}
