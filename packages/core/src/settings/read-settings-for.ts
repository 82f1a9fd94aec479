import type { TenantTx } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import { readSiteSettings } from './read-site-settings.ts';
import type { SiteSettingsDocument } from './site-settings-document.ts';

/** What every caller of the workspace may see of its settings. */
export type PublicSiteSettings = Pick<SiteSettingsDocument, 'displayName' | 'logoUrl' | 'defaultVisibility'>;

/**
 * The workspace's settings as `auth` may see them: admins and owners get the
 * whole document; members and API keys only the display name, logo and
 * default visibility (the throttle, session lifetimes and IP and email lists
 * are for admins only). Runs in the caller's withTenant transaction.
 *
 * @example
 * const settings = await db.withTenant(auth.tenantId, auth.actor, (tx) => readSettingsFor(tx, auth));
 */
export async function readSettingsFor(
  tx: TenantTx,
  auth: RequestAuth,
): Promise<SiteSettingsDocument | PublicSiteSettings> {
  const settings = await readSiteSettings(tx);
  if (auth.role === 'admin' || auth.role === 'owner') return settings;
  const { displayName, logoUrl, defaultVisibility } = settings;
  return { displayName, logoUrl, defaultVisibility };
}
