import { visibilities } from '@skillhub/db';
import { z } from 'zod';
import { isCidr } from './ip-range.ts';

/** Longest allow- or blocklist. */
export const maxListEntries = 1_000;

const IpRange = z
  .string()
  .max(64)
  .refine(isCidr, 'an IPv4 or IPv6 address or CIDR range with no bits set past its prefix (10.0.0.0/8)');
// Hostname labels only: the throttle matches '@domain' with LIKE, where `_` and `%` would be wildcards.
const domainRule = /^@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const EmailRule = z
  .string()
  .max(254)
  .refine((value) => domainRule.test(value) || z.email().safeParse(value).success, "an email address or '@domain'");
const IpList = z.array(IpRange).max(maxListEntries);

/**
 * The login throttle's numbers; what is left out takes the default of
 * platform.should_block_login (5 per email, 10 per IP, doubled for an IP
 * shared by 5 accounts, over 15 minutes; 10 per known device, whose
 * browser is exempt from the per-email block).
 */
export const Throttle = z.strictObject({
  maxFailuresPerEmail: z.number().int().min(1).max(1_000).optional(),
  maxFailuresPerDevice: z.number().int().min(1).max(1_000).optional(),
  maxFailuresPerIp: z.number().int().min(1).max(10_000).optional(),
  sharedIpAccounts: z.number().int().min(1).max(1_000).optional(),
  windowMinutes: z.number().int().min(1).max(1_440).optional(),
});

/** Session lifetimes; what is left out takes the server's configuration. */
export const Sessions = z.strictObject({
  idleTimeoutMinutes: z
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 60)
    .optional(),
  absoluteTimeoutHours: z
    .number()
    .int()
    .min(1)
    .max(90 * 24)
    .optional(),
});

/**
 * Who may join without an invitation: with `joinByDomain`, a person who
 * proves an address at the workspace's domain (set by the platform
 * operator) by the link mailed at sign-up becomes a member. Off by default;
 * platform.joinable_workspace reads it there.
 */
export const SignUp = z.strictObject({ joinByDomain: z.boolean().default(false) });

export const Blocklist = z.strictObject({
  ips: IpList.default([]),
  emails: z.array(EmailRule).max(maxListEntries).default([]),
});
export const Allowlist = z.strictObject({ ips: IpList.default([]) });

/**
 * A workspace's settings, as PUT /settings replaces them and GET returns
 * them. `throttle`, `sessions`, `blocklist`, `allowlist` and `signUp` are stored
 * under those keys in site_settings.settings, exactly where
 * platform.should_block_login and the session code read them.
 */
export const SiteSettingsDocument = z
  .strictObject({
    displayName: z.string().trim().min(1).max(100),
    logoUrl: z.httpUrl().max(2_048).nullable().default(null),
    defaultVisibility: z.enum(visibilities),
    throttle: Throttle.default({}),
    sessions: Sessions.default({}),
    blocklist: Blocklist.default({ ips: [], emails: [] }),
    allowlist: Allowlist.default({ ips: [] }),
    signUp: SignUp.default({ joinByDomain: false }),
  })
  .meta({ id: 'SiteSettings' });
export type SiteSettingsDocument = z.infer<typeof SiteSettingsDocument>;

/** The keys of site_settings.settings this document owns; others found there are kept as they are. */
export const settingsKeys = ['throttle', 'sessions', 'blocklist', 'allowlist', 'signUp'] as const;

/** The dotted paths whose values differ between two documents (lists compare as a whole). */
export function changedKeys(before: SiteSettingsDocument, after: SiteSettingsDocument): string[] {
  const leaves = (document: SiteSettingsDocument) => {
    const flat = new Map<string, string>();
    for (const [key, value] of Object.entries(document)) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const [inner, leaf] of Object.entries(value)) flat.set(`${key}.${inner}`, JSON.stringify(leaf));
      } else {
        flat.set(key, JSON.stringify(value));
      }
    }
    return flat;
  };
  const [a, b] = [leaves(before), leaves(after)];
  return [...new Set([...a.keys(), ...b.keys()])].filter((key) => a.get(key) !== b.get(key)).sort();
}
