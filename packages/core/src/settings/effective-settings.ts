import type { TenantTx } from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';
import { readSiteSettings } from './read-site-settings.ts';

/**
 * What the login throttle uses when a workspace sets nothing: the defaults
 * written into platform.should_block_login (migration 0021). Kept here so
 * that the console shows them from the API instead of its own copy.
 */
export const throttleDefaults = {
  maxFailuresPerEmail: 5,
  maxFailuresPerDevice: 10,
  maxFailuresPerIp: 10,
  sharedIpAccounts: 5,
  windowMinutes: 15,
} as const;

/** One number setting: what is in force, what applies when the workspace sets nothing, and whether it set one. */
export interface EffectiveSetting {
  /** Where it sits in the settings document (`throttle.windowMinutes`), as PUT /settings takes it. */
  path: string;
  value: number;
  default: number;
  isDefault: boolean;
}

/**
 * The workspace's throttle and session numbers as they are in force, each
 * with its default (the throttle's from the database function, the
 * session lifetimes from this server's configuration). For admins: runs in
 * the caller's withTenant transaction.
 */
export async function readEffectiveSettings(tx: TenantTx, config: AppConfig): Promise<EffectiveSetting[]> {
  const settings = await readSiteSettings(tx);
  const sessionDefaults = {
    idleTimeoutMinutes: config.idleTimeoutMinutes,
    absoluteTimeoutHours: config.absoluteTimeoutHours,
  };
  const section = <K extends string>(name: string, stored: Partial<Record<K, number>>, defaults: Record<K, number>) =>
    (Object.entries(defaults) as [K, number][]).map(([key, fallback]) => {
      const value = stored[key];
      return {
        path: `${name}.${key}`,
        value: value ?? fallback,
        default: fallback,
        isDefault: value === undefined,
      };
    });
  return [
    ...section('throttle', settings.throttle, throttleDefaults),
    ...section('sessions', settings.sessions, sessionDefaults),
  ];
}
