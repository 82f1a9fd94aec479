import { recordAuditEvent, type SQL, siteSettings, sql, type TenantTx } from '@skillhub/db';
import { findSiteSettings, toDocument } from './read-site-settings.ts';
import { changedKeys, type SiteSettingsDocument } from './site-settings-document.ts';

const unique = <T>(items: T[]) => [...new Set(items)];

/** Lists without duplicates; email rules lower-cased and trimmed, as the throttle compares them. */
function normalize(document: SiteSettingsDocument): SiteSettingsDocument {
  return {
    ...document,
    blocklist: {
      ips: unique(document.blocklist.ips),
      emails: unique(document.blocklist.emails.map((email) => email.trim().toLowerCase())),
    },
    allowlist: { ips: unique(document.allowlist.ips) },
  };
}

/**
 * Replaces the workspace's settings (inserting its row if it has none) and
 * records `settings.updated` with the dotted keys that changed. Sending
 * what is already stored changes nothing and records nothing. The row is
 * locked first, so concurrent updates each see the other's result.
 */
export async function updateSiteSettings(
  tx: TenantTx,
  input: SiteSettingsDocument,
): Promise<{ settings: SiteSettingsDocument; changed: string[] }> {
  const current = await findSiteSettings(tx, true);
  const next = normalize(input);
  const changed = changedKeys(toDocument(current), next);
  if (changed.length === 0) return { settings: next, changed };
  const { displayName, logoUrl, defaultVisibility, throttle, sessions, blocklist, allowlist, signUp } = next;
  const settings = { ...current?.settings, throttle, sessions, blocklist, allowlist, signUp };
  const values = { displayName, logoUrl, defaultVisibility, settings, updatedAt: sql`now()` as SQL<Date> };
  const [saved] = await tx
    .insert(siteSettings)
    .values(values)
    .onConflictDoUpdate({ target: siteSettings.tenantId, set: { ...values, updatedAt: sql`excluded.updated_at` } })
    .returning({ id: siteSettings.id });
  await recordAuditEvent({
    action: 'settings.updated',
    resourceType: 'site_settings',
    resourceId: saved?.id,
    metadata: { changed },
  });
  return { settings: next, changed };
}
