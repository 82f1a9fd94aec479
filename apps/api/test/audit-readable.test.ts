// The audit trail as a person reads it: names instead of ids, filters and
// counts computed by the server over the whole ledger, exports of the
// filtered view, and a chain status that viewing does not write to.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { countAuditEvents } from './support/audit.ts';
import { errorOf, inviteUser, signIn } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

interface Event {
  id: string;
  tenantId: string;
  actorType: string;
  actorId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  operation: string | null;
  metadata: Record<string, unknown>;
  actorName: string | null;
  subjectName: string | null;
  resourceKind: string | null;
  resourceName: string | null;
  resourceExists: boolean;
  createdAt: string;
}
type Counts = Record<'access' | 'catalog' | 'people' | 'settings' | 'changes' | 'other', number>;
interface Page {
  events: Event[];
  nextCursor: string | null;
  counts: Counts | null;
}

let t: TestServer;
let acme: SignedUpUser;
let globex: SignedUpUser;
let acmeKeyId: string;
let globexKeyId: string;
let deletedSkillId: string;

const families = ['access', 'catalog', 'people', 'settings', 'changes', 'other'] as const;

beforeAll(async () => {
  t = await startTestServer();
  acme = await signUpOwner(t, 'acme');
  globex = await signUpOwner(t, 'globex');
  await t.testDb.ownerQuery(`update users set display_name = 'Ada Admin' where id = $1`, [acme.userId]);
  acmeKeyId = (await acme.client.post<{ id: string }>('/api-keys', { name: 'acme robot', scopes: ['skills:read'] }))
    .body.id;
  globexKeyId = (
    await globex.client.post<{ id: string }>('/api-keys', { name: 'globex secret', scopes: ['skills:read'] })
  ).body.id;
  await inviteUser(t, acme, 'acme', 'bea@acme.test');
  expect((await acme.client.post('/invitations', { email: 'cy@acme.test', role: 'member' })).status).toBe(201);
  const skill = await acme.client.post<{ id: string }>('/skills', {
    slug: 'brief-writer',
    name: 'Brief writer',
    content: 'Write briefs.',
  });
  for (let i = 0; i < 3; i++) await acme.client.post('/skills/brief-writer/usage', { source: 'cli' });
  const doomed = await acme.client.post<{ id: string }>('/skills', { slug: 'doomed', name: 'Doomed', content: 'x' });
  deletedSkillId = doomed.body.id;
  await acme.client.delete('/skills/doomed');
  await signIn(t.client.fork(), acme.email, 'not the password!', 'acme');
  expect(skill.status).toBe(201);
});
afterAll(() => t.close());

const list = async (query = '') => {
  const page = await acme.client.get<Page>(`/audit-events?limit=200${query ? `&${query}` : ''}`);
  expect(page.status, page.text).toBe(200);
  return page.body;
};

describe('who did what to what, by name', () => {
  test('a user is named by display name, an API key and a skill by their names, resolved in this workspace', async () => {
    const { events } = await list();
    const created = events.find((e) => e.action === 'api_key.created' && e.resourceId === acmeKeyId);
    expect(created).toMatchObject({
      actorName: 'Ada Admin',
      resourceKind: 'api_key',
      resourceName: 'acme robot',
      resourceExists: true,
    });
    const skill = events.find((e) => e.action === 'skill.created' && e.metadata.slug === 'brief-writer');
    expect(skill).toMatchObject({ resourceKind: 'skill', resourceName: 'Brief writer', resourceExists: true });
    const invited = (await list('action=invitation.created')).events[0];
    expect(invited).toMatchObject({ resourceKind: 'invitation', resourceName: 'cy@acme.test', resourceExists: true });
    const added = (await list('action=user.invited')).events[0];
    expect(added).toMatchObject({ resourceKind: 'user', resourceName: 'bea', resourceExists: true });
  });

  test('a deleted skill keeps the name the event recorded, and is marked gone (no link)', async () => {
    const { events } = await list(`resourceId=${deletedSkillId}&action=skill.deleted`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ resourceName: 'doomed', resourceExists: false });
  });

  test('a security event’s subject is named: whose sign-in it was, failed or not', async () => {
    const { events } = await list('family=access');
    const failed = events.find((e) => e.action === 'security.login_failed');
    expect(failed).toMatchObject({ actorType: 'system', subjectName: 'Ada Admin' });
    const invited = events.find((e) => e.action === 'security.login_success' && e.metadata.email === 'bea@acme.test');
    expect(invited?.subjectName).toBe('bea');
  });
});

describe('server-side filters and counts', () => {
  test('a family filter returns only that family; the counts match what each family lists', async () => {
    const all = await list();
    const counts = all.counts;
    expect(counts).not.toBeNull();
    for (const family of families) {
      const page = await list(`family=${family}`);
      expect(page.events.length, family).toBe(counts?.[family]);
    }
    const people = await list('family=people');
    expect(people.events.map((e) => e.action.split('.')[0])).not.toContain('skill');
    expect(people.events.every((e) => ['user', 'invitation', 'api_key'].includes(e.action.split('.')[0] ?? ''))).toBe(
      true,
    );
    const changes = await list('family=changes');
    expect(changes.events.every((e) => e.operation !== null)).toBe(true);
  });

  test('counts cover the whole ledger, not the page: limit=1 still counts everything', async () => {
    const whole = await list();
    const one = await acme.client.get<Page>('/audit-events?limit=1');
    expect(one.body.events).toHaveLength(1);
    expect(one.body.counts).toEqual(whole.counts);
    const total = Object.values(whole.counts ?? {}).reduce((a, b) => a + b, 0);
    expect(total).toBe(await countAuditEvents(t, acme.tenantId));
    // Later pages carry none: the first page already said.
    if (one.body.nextCursor) {
      const next = await acme.client.get<Page>(`/audit-events?limit=1&cursor=${one.body.nextCursor}`);
      expect(next.body.counts).toBeNull();
    }
  });

  test('counts follow the other filters (actor), ignoring the family filter itself', async () => {
    const byActor = await list(`actor=${acme.userId}`);
    const withFamily = await list(`actor=${acme.userId}&family=catalog`);
    expect(withFamily.counts).toEqual(byActor.counts);
    expect(byActor.events.every((e) => e.actorId === acme.userId)).toBe(true);
    expect(withFamily.events.length).toBe(byActor.counts?.catalog);
  });

  test('usage inserts are left out with hideUsage=true, and counted out too', async () => {
    const shown = await list('family=changes');
    const hidden = await list('family=changes&hideUsage=true');
    const usage = shown.events.filter((e) => e.action === 'usage_events.insert');
    expect(usage).toHaveLength(3);
    expect(hidden.events.map((e) => e.action)).not.toContain('usage_events.insert');
    expect(hidden.events.length).toBe(shown.events.length - 3);
    expect(hidden.counts?.changes).toBe((shown.counts?.changes ?? 0) - 3);
  });

  test('full text finds words in metadata and records; LIKE wildcards are taken literally', async () => {
    const robot = await list('q=ACME%20ROBOT');
    expect(robot.events.map((e) => e.resourceId)).toContain(acmeKeyId);
    expect(robot.events.every((e) => JSON.stringify(e).toLowerCase().includes('acme robot'))).toBe(true);
    expect((await list('q=%25')).events).toEqual([]);
    expect((await list('q=_')).events.every((e) => JSON.stringify(e).includes('_'))).toBe(true);
    expect((await list('q=no-such-text-anywhere')).events).toEqual([]);
  });

  test('filters naming another tenant’s actor, resource or text find nothing, and count nothing', async () => {
    for (const query of [`actor=${globex.userId}`, `actor=${globexKeyId}`, `q=globex%20secret`]) {
      const page = await list(query);
      expect(page.events, query).toEqual([]);
      expect(
        Object.values(page.counts ?? {}).every((n) => n === 0),
        query,
      ).toBe(true);
    }
  });

  test.each([
    ['a NUL in the text', 'q=%00', 'query.q'],
    ['a text of 201 characters', `q=${'x'.repeat(201)}`, 'q'],
    ['a text of 8,000 characters', `q=${'x'.repeat(8_000)}`, 'q'],
    ['an unknown family', 'family=everything', 'family'],
    ['a toggle that is not true/false', 'hideUsage=yes', 'hideUsage'],
    ['February 30th', 'from=2025-02-30T00:00:00Z', 'from'],
    ['a 13th month', 'to=2025-13-01T00:00:00Z', 'to'],
    ['year 0', 'from=0000-01-01T00:00:00Z', 'from'],
    ['a resource id of 5,000 characters', `resourceId=${'r'.repeat(5_000)}`, 'resourceId'],
    ['a NUL in the action', 'action=%00', 'query.action'],
  ])('%s is a 400 naming the field, for the list and the export', async (_, query, path) => {
    for (const url of [`/audit-events?${query}`, `/audit/export?format=csv&${query}`]) {
      const response = await acme.client.get(url);
      expect(errorOf(response), url.slice(0, 80)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      const details = (response.body as { error?: { details?: { path: string; message: string }[] } }).error?.details;
      expect(
        details?.map((d) => d.path),
        url.slice(0, 80),
      ).toContain(path);
      expect(details?.every((d) => d.message.length > 0)).toBe(true);
    }
  });
});

describe('export of the filtered view', () => {
  const range = () =>
    `from=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}&to=${encodeURIComponent(
      new Date(Date.now() + 60_000).toISOString(),
    )}`;

  test('the export applies the same filters as the list (JSON Lines)', async () => {
    const listed = await list('family=people');
    const exported = await acme.client.get(`/audit/export?format=jsonl&family=people&${range()}`);
    expect(exported.status).toBe(200);
    const ids = exported.text
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(new Set(ids)).toEqual(new Set(listed.events.map((e) => e.id)));
  });

  test('CSV of the filtered view: a formula planted in the ledger is defused, and the filters are recorded', async () => {
    await t.testDb.ownerQuery(
      `insert into audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id)
       values ($1, 'system', '=HYPERLINK("http://evil.test")', 'skill.updated', 'skill', '+cmd|calc')`,
      [acme.tenantId],
    );
    const csv = await acme.client.get(`/audit/export?format=csv&q=cmd%7Ccalc&${range()}`);
    expect(csv.status).toBe(200);
    // The planted event, and the export's own record (which names its filter) with its security twin.
    const lines = csv.text.trim().split('\r\n');
    expect(lines).toHaveLength(4);
    const planted = lines.find((line) => line.includes('HYPERLINK'));
    expect(planted).toContain(`,"'=HYPERLINK(""http://evil.test"")",`);
    expect(planted).toContain(`,'+cmd|calc,`);
    const { rows } = await t.testDb.ownerQuery<{ metadata: { filters?: Record<string, unknown> } }>(
      `select metadata from audit_logs where tenant_id = $1 and action = 'audit.exported' order by seq desc limit 1`,
      [acme.tenantId],
    );
    expect(rows[0]?.metadata.filters).toEqual({ q: 'cmd|calc' });
  });
});

describe('chain status: viewing writes nothing, verifying records one event', () => {
  interface State {
    lastVerification: { at: string; by: string | null; intact: boolean; break: { kind: string } | null } | null;
    sealed: { events: number; head: { position: number; hash: string; sealedAt: string } | null };
    unsealed: number;
  }

  test('GET /audit/status records nothing; POST /audit/verify records one, which the status then shows', async () => {
    const initech = await signUpOwner(t, 'initech');
    const first = await initech.client.get<State>('/audit/status');
    expect(first.status, first.text).toBe(200);
    expect(first.body.lastVerification).toBeNull();
    const before = await countAuditEvents(t, initech.tenantId);
    for (let i = 0; i < 3; i++) expect((await initech.client.get('/audit/status')).status).toBe(200);
    expect(await countAuditEvents(t, initech.tenantId)).toBe(before);

    expect(await t.db.sealCommittedAuditEvents(40_000)).toBe(true);
    const sealed = await initech.client.get<State>('/audit/status');
    expect(sealed.body.unsealed).toBe(0);
    expect(sealed.body.sealed.events).toBe(before);
    expect(sealed.body.sealed.head?.hash).toMatch(/^[0-9a-f]{64}$/);

    const verified = await initech.client.post<{ intact: boolean; verifiedAt: string }>('/audit/verify');
    expect(verified.body.intact).toBe(true);
    expect(await countAuditEvents(t, initech.tenantId, 'audit.verified')).toBe(1);
    const after = await initech.client.get<State>('/audit/status');
    expect(after.body.lastVerification).toMatchObject({ intact: true, by: 'Owner', at: verified.body.verifiedAt });
    // The verification's own event is not sealed yet until the sealer runs.
    expect(after.body.unsealed).toBeGreaterThanOrEqual(0);
  });

  test('a broken chain is reported by the verification and kept by the status', async () => {
    const hooli = await signUpOwner(t, 'hooli');
    await hooli.client.post('/api-keys', { name: 'one', scopes: [] });
    expect(await t.db.sealCommittedAuditEvents(40_000)).toBe(true);
    const target = await t.testDb.ownerQuery<{ event_id: string }>(
      'select event_id from audit.seals where chain = $1 order by position limit 1 offset 1',
      [hooli.tenantId],
    );
    await t.testDb.ownerQuery(
      `begin; set local session_replication_role = replica;
       update audit_logs set metadata = '{"forged": true}' where id = '${target.rows[0]?.event_id}'; commit;`,
    );
    const broken = await hooli.client.post<{ intact: boolean; break: { eventId: string } }>('/audit/verify');
    expect(broken.body).toMatchObject({ intact: false, break: { eventId: target.rows[0]?.event_id } });
    const state = await hooli.client.get<State>('/audit/status');
    expect(state.body.lastVerification).toMatchObject({
      intact: false,
      break: { kind: 'modified', eventId: target.rows[0]?.event_id },
    });
  });
});

// Last: the planted event would otherwise show up in the filters above that name globex's owner.
describe('names never cross tenants', () => {
  test('another tenant’s ids planted in this ledger resolve to no name', async () => {
    // The ledger's owner writes an event naming globex's owner and key; acme's reader must not learn their names.
    await t.testDb.ownerQuery(
      `insert into audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id)
       values ($1, 'user', $2, 'api_key.revoked', 'api_key', $3)`,
      [acme.tenantId, globex.userId, globexKeyId],
    );
    const { events } = await list(`resourceId=${globexKeyId}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorName: null, resourceName: null, resourceExists: false });
    expect(JSON.stringify(events)).not.toContain('globex secret');
  });
});
