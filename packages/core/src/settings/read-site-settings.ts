import { sameTenant, siteSettings, type TenantTx } from '@skillhub/db';
import {
  Allowlist,
  Blocklist,
  Sessions,
  SignUp,
  type SiteSettingsDocument,
  settingsKeys,
  Throttle,
} from './site-settings-document.ts';

export type SiteSettingsRow = typeof siteSettings.$inferSelect;

const sections = { throttle: Throttle, sessions: Sessions, blocklist: Blocklist, allowlist: Allowlist, signUp: SignUp };

/**
 * A settings row as a document. A section stored in a shape this version
 * does not accept (written by hand, say) reads as its defaults rather than
 * failing the request.
 */
export function toDocument(row: SiteSettingsRow | undefined): SiteSettingsDocument {
  const stored = row?.settings ?? {};
  const parsed = Object.fromEntries(
    settingsKeys.map((key) => {
      const result = sections[key].safeParse(stored[key] ?? {});
      return [key, result.success ? result.data : sections[key].parse({})];
    }),
  ) as Pick<SiteSettingsDocument, (typeof settingsKeys)[number]>;
  return {
    displayName: row?.displayName ?? 'Skillhub',
    logoUrl: row?.logoUrl ?? null,
    defaultVisibility: row?.defaultVisibility ?? 'internal',
    ...parsed,
  };
}

/** The workspace's settings row (one per tenant; the row policy picks the caller's), locked when `forUpdate`. */
export async function findSiteSettings(tx: TenantTx, forUpdate = false): Promise<SiteSettingsRow | undefined> {
  const query = tx.select().from(siteSettings).where(sameTenant(siteSettings.tenantId)).limit(1);
  const [row] = await (forUpdate ? query.for('update') : query);
  return row;
}

/** The workspace's settings, with defaults where nothing is stored. */
export async function readSiteSettings(tx: TenantTx): Promise<SiteSettingsDocument> {
  return toDocument(await findSiteSettings(tx));
}
