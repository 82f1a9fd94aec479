import type { SiteSettings, SiteSettingsUpdate, Visibility } from '../api/types.ts';

/** The settings document as the form's text fields (empty number: the default). */
export interface SettingsForm extends Record<string, string> {
  displayName: string;
  logoUrl: string;
  defaultVisibility: Visibility;
  maxFailuresPerEmail: string;
  maxFailuresPerDevice: string;
  maxFailuresPerIp: string;
  sharedIpAccounts: string;
  windowMinutes: string;
  idleTimeoutMinutes: string;
  absoluteTimeoutHours: string;
  blockedIps: string;
  blockedEmails: string;
  allowedIps: string;
  /** 'true' or 'false': a checkbox. */
  joinByDomain: string;
}

/** The number fields: empty means the default, which GET /settings/effective reports with the value in force. */
export type NumberName =
  | 'maxFailuresPerEmail'
  | 'maxFailuresPerDevice'
  | 'maxFailuresPerIp'
  | 'sharedIpAccounts'
  | 'windowMinutes'
  | 'idleTimeoutMinutes'
  | 'absoluteTimeoutHours';

/** Where each form field sits in the settings document: the path the API names when it refuses one. */
export const settingsPaths = {
  maxFailuresPerEmail: 'throttle.maxFailuresPerEmail',
  maxFailuresPerDevice: 'throttle.maxFailuresPerDevice',
  maxFailuresPerIp: 'throttle.maxFailuresPerIp',
  sharedIpAccounts: 'throttle.sharedIpAccounts',
  windowMinutes: 'throttle.windowMinutes',
  idleTimeoutMinutes: 'sessions.idleTimeoutMinutes',
  absoluteTimeoutHours: 'sessions.absoluteTimeoutHours',
  blockedIps: 'blocklist.ips',
  blockedEmails: 'blocklist.emails',
  allowedIps: 'allowlist.ips',
} as const;

const text = (value: number | undefined) => (value === undefined ? '' : String(value));
const lines = (list: string[] | undefined) => (list ?? []).join('\n');

export function toForm(settings: SiteSettings): SettingsForm {
  return {
    displayName: settings.displayName,
    logoUrl: settings.logoUrl ?? '',
    defaultVisibility: settings.defaultVisibility,
    maxFailuresPerEmail: text(settings.throttle?.maxFailuresPerEmail),
    maxFailuresPerDevice: text(settings.throttle?.maxFailuresPerDevice),
    maxFailuresPerIp: text(settings.throttle?.maxFailuresPerIp),
    sharedIpAccounts: text(settings.throttle?.sharedIpAccounts),
    windowMinutes: text(settings.throttle?.windowMinutes),
    idleTimeoutMinutes: text(settings.sessions?.idleTimeoutMinutes),
    absoluteTimeoutHours: text(settings.sessions?.absoluteTimeoutHours),
    blockedIps: lines(settings.blocklist?.ips),
    blockedEmails: lines(settings.blocklist?.emails),
    allowedIps: lines(settings.allowlist?.ips),
    joinByDomain: String(settings.signUp?.joinByDomain ?? false),
  };
}

/** Numbers left empty are left out, so the server applies its default; PUT replaces the whole document. */
export function fromForm(form: SettingsForm): SiteSettingsUpdate {
  const number = (value: string) => (value.trim() === '' ? undefined : Number(value));
  const list = (value: string) =>
    value
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  const compact = <T extends object>(object: T) =>
    Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
  return {
    displayName: form.displayName,
    logoUrl: form.logoUrl.trim() || null,
    defaultVisibility: form.defaultVisibility,
    throttle: compact({
      maxFailuresPerEmail: number(form.maxFailuresPerEmail),
      maxFailuresPerDevice: number(form.maxFailuresPerDevice),
      maxFailuresPerIp: number(form.maxFailuresPerIp),
      sharedIpAccounts: number(form.sharedIpAccounts),
      windowMinutes: number(form.windowMinutes),
    }),
    sessions: compact({
      idleTimeoutMinutes: number(form.idleTimeoutMinutes),
      absoluteTimeoutHours: number(form.absoluteTimeoutHours),
    }),
    blocklist: { ips: list(form.blockedIps), emails: list(form.blockedEmails) },
    allowlist: { ips: list(form.allowedIps) },
    signUp: { joinByDomain: form.joinByDomain === 'true' },
  };
}
