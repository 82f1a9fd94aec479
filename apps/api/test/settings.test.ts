import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { maxBodyBytes } from '../src/create-app.ts';
import { apiKeyClient, countAuditEvents, countSecurityEvents } from './support/audit.ts';
import type { HttpClient } from './support/http-client.ts';
import { errorOf, inviteUser, securityEventsOf, signIn } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

interface Settings extends Record<string, unknown> {
  displayName: string;
  logoUrl: string | null;
  defaultVisibility: string;
  throttle?: Record<string, number>;
  sessions?: Record<string, number>;
  blocklist?: { ips: string[]; emails: string[] };
  allowlist?: { ips: string[] };
  changed?: string[];
}

let t: TestServer;
let acme: SignedUpUser;
let globex: SignedUpUser;
let member: SignedUpUser;

beforeAll(async () => {
  t = await startTestServer();
  acme = await signUpOwner(t, 'acme');
  globex = await signUpOwner(t, 'globex');
  member = await inviteUser(t, acme, 'acme', 'member@acme.test');
});
afterAll(() => t.close());

const put = (client: HttpClient, body: unknown) => client.request<Settings>('PUT', '/settings', { body });
const storedRow = async (tenantId: string) =>
  (
    await t.testDb.ownerQuery(
      'select display_name, logo_url, default_visibility, settings, updated_at from site_settings where tenant_id = $1',
      [tenantId],
    )
  ).rows[0];

const fullDocument = {
  displayName: 'Acme Skills',
  logoUrl: 'https://cdn.acme.test/logo.png',
  defaultVisibility: 'private',
  throttle: { maxFailuresPerEmail: 4, maxFailuresPerIp: 20, sharedIpAccounts: 8, windowMinutes: 30 },
  sessions: { idleTimeoutMinutes: 60, absoluteTimeoutHours: 24 },
  blocklist: { ips: ['198.51.100.0/24', '2001:db8::/32'], emails: ['mallory@evil.test', '@spam.test'] },
  allowlist: { ips: ['203.0.113.7'] },
  signUp: { joinByDomain: true },
};

/** Every dotted key of the document, sorted: what `changed` names when all of them change. */
const everyKey = [
  'allowlist.ips',
  'blocklist.emails',
  'blocklist.ips',
  'defaultVisibility',
  'displayName',
  'logoUrl',
  'sessions.absoluteTimeoutHours',
  'sessions.idleTimeoutMinutes',
  'signUp.joinByDomain',
  'throttle.maxFailuresPerEmail',
  'throttle.maxFailuresPerIp',
  'throttle.sharedIpAccounts',
  'throttle.windowMinutes',
];

describe('GET /settings', () => {
  test('an admin sees every section, with defaults where nothing is stored', async () => {
    const response = await acme.client.get<Settings>('/settings');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      displayName: 'acme',
      logoUrl: null,
      defaultVisibility: 'internal',
      throttle: {},
      sessions: {},
      blocklist: { ips: [], emails: [] },
      allowlist: { ips: [] },
      signUp: { joinByDomain: false },
    });
  });

  test('a member and an API key see the name, logo and default visibility only', async () => {
    const expected = { displayName: 'acme', logoUrl: null, defaultVisibility: 'internal' };
    expect((await member.client.get('/settings')).body).toEqual(expected);
    const key = await apiKeyClient(t, acme, ['skills:read']);
    expect((await key.get('/settings')).body).toEqual(expected);
  });

  test('without credentials: 401', async () => {
    expect(errorOf(await t.client.get('/settings'))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });
});

describe('PUT /settings', () => {
  test('an admin replaces the settings: stored where the throttle reads them, one audit event naming what changed', async () => {
    const before = await countAuditEvents(t, acme.tenantId, 'settings.updated');
    const response = await put(acme.client, fullDocument);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ...fullDocument,
      changed: everyKey,
    });
    expect((await acme.client.get('/settings')).body).toEqual(fullDocument);
    expect(await storedRow(acme.tenantId)).toMatchObject({
      display_name: 'Acme Skills',
      logo_url: 'https://cdn.acme.test/logo.png',
      default_visibility: 'private',
      settings: {
        throttle: fullDocument.throttle,
        sessions: fullDocument.sessions,
        blocklist: fullDocument.blocklist,
        allowlist: fullDocument.allowlist,
        signUp: fullDocument.signUp,
      },
    });
    expect(await countAuditEvents(t, acme.tenantId, 'settings.updated')).toBe(before + 1);
    const { rows } = await t.testDb.ownerQuery<{ actor_id: string; metadata: { changed: string[] } }>(
      `select actor_id, metadata from audit_logs where tenant_id = $1 and action = 'settings.updated' order by seq desc limit 1`,
      [acme.tenantId],
    );
    expect(rows[0]).toMatchObject({ actor_id: acme.userId, metadata: { changed: response.body.changed } });
  });

  test('sections left out return to their defaults; sending what is stored changes and records nothing', async () => {
    const response = await put(acme.client, { displayName: 'Acme Skills', defaultVisibility: 'private' });
    expect(response.body.changed).toEqual(
      everyKey.filter((key) => !['defaultVisibility', 'displayName'].includes(key)),
    );
    const events = await countAuditEvents(t, acme.tenantId, 'settings.updated');
    const row = await storedRow(acme.tenantId);
    const again = await put(acme.client, { displayName: 'Acme Skills', defaultVisibility: 'private' });
    expect(again.status).toBe(200);
    expect(again.body.changed).toEqual([]);
    expect(await countAuditEvents(t, acme.tenantId, 'settings.updated')).toBe(events);
    expect(await storedRow(acme.tenantId)).toEqual(row);
  });

  test('lists are stored without duplicates, email rules lower-cased', async () => {
    const response = await put(acme.client, {
      displayName: 'Acme',
      defaultVisibility: 'internal',
      blocklist: { ips: ['192.0.2.1', '192.0.2.1'], emails: ['Eve@Evil.Test', 'eve@evil.test', '@SPAM.test'] },
    });
    expect(response.body.blocklist).toEqual({ ips: ['192.0.2.1'], emails: ['eve@evil.test', '@spam.test'] });
  });

  test('a member is refused with 403 and permission_denied; an API key too; nothing changes', async () => {
    const row = await storedRow(acme.tenantId);
    const denied = await countSecurityEvents(t, acme.tenantId, 'permission_denied');
    expect(errorOf(await put(member.client, fullDocument))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const key = await apiKeyClient(t, acme, ['skills:read', 'skills:write', 'usage:write', 'audit:read']);
    expect(errorOf(await put(key, fullDocument))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const events = await securityEventsOf(t, acme.tenantId, 'permission_denied');
    expect(events).toHaveLength(denied + 2);
    expect(events.at(-2)).toMatchObject({ user_id: member.userId, details: { path: '/settings' } });
    expect(await storedRow(acme.tenantId)).toEqual(row);
  });

  test('without credentials: 401', async () => {
    expect(errorOf(await put(t.client, fullDocument))).toMatchObject({ status: 401 });
  });

  test('malformed or oversized settings: 400 (413 past the body limit), nothing written', async () => {
    const row = await storedRow(acme.tenantId);
    const events = await countAuditEvents(t, acme.tenantId);
    const base = { displayName: 'Acme', defaultVisibility: 'internal' };
    const cases: [string, unknown][] = [
      ['unknown top-level field', { ...base, theme: 'dark' }],
      ['unknown nested field', { ...base, throttle: { maxFailuresPerEmail: 3, lockoutMinutes: 5 } }],
      ['tenant forged', { ...base, tenantId: globex.tenantId }],
      ['missing display name', { defaultVisibility: 'internal' }],
      ['display name too long', { ...base, displayName: 'x'.repeat(101) }],
      ['blank display name', { ...base, displayName: '   ' }],
      ['unknown visibility', { ...base, defaultVisibility: 'everyone' }],
      ['script logo', { ...base, logoUrl: 'javascript:alert(1)' }],
      ['zero failures', { ...base, throttle: { maxFailuresPerEmail: 0 } }],
      ['fractional failures', { ...base, throttle: { maxFailuresPerEmail: 2.5 } }],
      ['failures as text', { ...base, throttle: { maxFailuresPerEmail: '3' } }],
      ['huge window', { ...base, throttle: { windowMinutes: 100_000 } }],
      ['negative timeout', { ...base, sessions: { idleTimeoutMinutes: -1 } }],
      ['host bits past the prefix', { ...base, blocklist: { ips: ['10.0.0.1/8'] } }],
      ['prefix too long', { ...base, allowlist: { ips: ['192.0.2.0/33'] } }],
      ['IPv6 zone id', { ...base, allowlist: { ips: ['fe80::1%eth0'] } }],
      ['abbreviated CIDR', { ...base, allowlist: { ips: ['10/8'] } }],
      ['not an address', { ...base, allowlist: { ips: ['localhost'] } }],
      ['SQL in a list', { ...base, blocklist: { ips: ["1.2.3.4'); drop table users; --"] } }],
      ['LIKE wildcard domain', { ...base, blocklist: { emails: ['@%'] } }],
      ['underscore domain', { ...base, blocklist: { emails: ['@a_b.test'] } }],
      ['not an email', { ...base, blocklist: { emails: ['nobody'] } }],
      [
        'too many entries',
        { ...base, blocklist: { ips: Array.from({ length: 1_001 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) } },
      ],
      ['lists not arrays', { ...base, allowlist: { ips: '10.0.0.0/8' } }],
      ['array body', [base]],
    ];
    for (const [name, body] of cases) {
      expect(errorOf(await put(acme.client, body)), name).toMatchObject({ status: 400 });
    }
    const notJson = await acme.client.request('PUT', '/settings', { rawBody: '{"displayName": ' });
    expect(errorOf(notJson)).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    const huge = await acme.client.request('PUT', '/settings', {
      rawBody: JSON.stringify({ ...base, displayName: 'x'.repeat(maxBodyBytes) }),
    });
    expect(errorOf(huge)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(await storedRow(acme.tenantId)).toEqual(row);
    expect(await countAuditEvents(t, acme.tenantId)).toBe(events);
  });

  test('every address form accepted is one PostgreSQL’s cidr cast accepts too', async () => {
    const ips = [
      '0.0.0.0/0',
      '10.0.0.0/8',
      '192.0.2.1',
      '192.0.2.1/32',
      '::',
      '::/0',
      '::1',
      'fe80::/10',
      '2001:db8::/32',
      '2001:db8:0:0:0:0:0:1/128',
      '::ffff:192.0.2.1',
      '::ffff:192.0.2.0/120',
      '1::8/125',
    ];
    const response = await put(acme.client, {
      displayName: 'Acme',
      defaultVisibility: 'internal',
      blocklist: { ips, emails: [] },
      allowlist: { ips },
    });
    expect(response.status).toBe(200);
    const cast = await t.testDb.ownerQuery<{ n: string }>(
      `select count(a::cidr) as n from site_settings s, jsonb_array_elements_text(s.settings -> 'blocklist' -> 'ips') a
       where s.tenant_id = $1`,
      [acme.tenantId],
    );
    expect(Number(cast.rows[0]?.n)).toBe(ips.length);
    // The throttle casts every entry on each sign-in: the allowlist wins, and nothing fails.
    expect((await signIn(t.client.fork(), acme.email, acme.password, 'acme')).status).toBe(200);
  });
});

describe('settings take effect', () => {
  test('throttle: with maxFailuresPerEmail 2, the third sign-in is refused even with the right password', async () => {
    const initech = await signUpOwner(t, 'initech');
    await put(initech.client, {
      displayName: 'Initech',
      defaultVisibility: 'internal',
      throttle: { maxFailuresPerEmail: 2 },
    });
    for (let i = 0; i < 2; i++) {
      expect((await signIn(t.client.fork(), initech.email, 'not the password', 'initech')).status).toBe(401);
    }
    expect((await signIn(t.client.fork(), initech.email, initech.password, 'initech')).status).toBe(429);
    expect((await securityEventsOf(t, initech.tenantId, 'access_blocked')).at(-1)?.details).toMatchObject({
      reason: 'throttled_by_email',
    });
    // Raising the limit lets the same user in again.
    await put(initech.client, {
      displayName: 'Initech',
      defaultVisibility: 'internal',
      throttle: { maxFailuresPerEmail: 5 },
    });
    expect((await signIn(t.client.fork(), initech.email, initech.password, 'initech')).status).toBe(200);
  });

  test('allowlist and blocklist: an allowlisted IP is never throttled; a blocklisted one or email is refused', async () => {
    const hooli = await signUpOwner(t, 'hooli');
    const settings = { displayName: 'Hooli', defaultVisibility: 'internal' };
    await put(hooli.client, { ...settings, throttle: { maxFailuresPerEmail: 1 }, allowlist: { ips: ['127.0.0.0/8'] } });
    await signIn(t.client.fork(), hooli.email, 'not the password', 'hooli');
    await signIn(t.client.fork(), hooli.email, 'not the password', 'hooli');
    expect((await signIn(t.client.fork(), hooli.email, hooli.password, 'hooli')).status).toBe(200);

    await put(hooli.client, { ...settings, blocklist: { ips: ['127.0.0.1'] } });
    expect((await signIn(t.client.fork(), hooli.email, hooli.password, 'hooli')).status).toBe(401);
    const domain = `@${hooli.email.split('@')[1]}`;
    await put(hooli.client, { ...settings, blocklist: { emails: [domain.toUpperCase()] } });
    expect((await signIn(t.client.fork(), hooli.email, hooli.password, 'hooli')).status).toBe(401);
    expect((await securityEventsOf(t, hooli.tenantId, 'blacklist_hit')).length).toBe(2);
  });

  test('session timeouts: a new session lasts absoluteTimeoutHours', async () => {
    const pied = await signUpOwner(t, 'pied-piper');
    await put(pied.client, {
      displayName: 'Pied Piper',
      defaultVisibility: 'internal',
      sessions: { absoluteTimeoutHours: 2 },
    });
    const signedIn = await signIn(t.client.fork(), pied.email, pied.password, 'pied-piper');
    const expiresAt = Date.parse((signedIn.body as unknown as { expiresAt: string }).expiresAt);
    expect(Math.abs(expiresAt - (Date.now() + 2 * 3_600_000))).toBeLessThan(60_000);
  });

  test('one tenant’s settings never reach another’s', async () => {
    await put(acme.client, { ...fullDocument, displayName: 'Only Acme' });
    const theirs = await globex.client.get<Settings>('/settings');
    expect(theirs.body).toMatchObject({ displayName: 'globex', throttle: {}, blocklist: { ips: [], emails: [] } });
    expect((await storedRow(globex.tenantId))?.settings).toEqual({});
  });
});
