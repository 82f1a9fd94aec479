import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventOccurrences, probesFrom, tallyCounts } from './support/audit.ts';
import { errorOf, securityEventsOf } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

// Finding 10: a probe of B's id from A was recorded in B once per request
// (a flood lever on B's alerts), and the 404 waited for that recording, so
// it came ~2 ms later for an id that exists in B than for one that exists
// nowhere (a timing oracle). Now the answer goes out first and repeated
// probes are counted.
let t: TestServer;
let a: SignedUpUser;
let b: SignedUpUser;
let foreignSkill: string;
let foreignEvent: string;
beforeAll(async () => {
  t = await startTestServer();
  a = await signUpOwner(t, 'prober');
  b = await signUpOwner(t, 'target');
  const created = await b.client.post<{ id: string }>('/skills', { slug: 'secret-plan', name: 'Secret plan' });
  expect(created.status).toBe(201);
  foreignSkill = created.body.id;
  const { rows } = await t.testDb.ownerQuery<{ id: string }>(
    'select id from audit_logs where tenant_id = $1 order by seq limit 1',
    [b.tenantId],
  );
  foreignEvent = rows[0]?.id ?? '';
});

/** The two shapes of probe: a skill by id, and an audit event's inclusion proof by id. */
const probes = [
  { name: 'a skill', path: (id: string) => `/skills/${id}`, foreign: () => foreignSkill },
  { name: 'an audit event’s proof', path: (id: string) => `/audit/events/${id}/proof`, foreign: () => foreignEvent },
];
afterAll(() => t.close());

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;

async function timed(path: string): Promise<number> {
  const started = performance.now();
  const response = await a.client.get(path);
  const elapsed = performance.now() - started;
  expect(response.status).toBe(404);
  // Each request is measured alone: the record it left is written before the next one starts.
  await t.server.settled();
  return elapsed;
}

describe('probes of another workspace’s ids', () => {
  test('30 probes: the same 404 as an unknown id, 2 events in B (1st and 10th of a window), all 30 counted', async () => {
    const before = await probesFrom(t, b.tenantId, a.tenantId);
    for (let i = 0; i < 30; i++) {
      const foreign = await a.client.get(`/skills/${foreignSkill}`);
      const unknown = await a.client.get(`/skills/${randomUUID()}`);
      expect(errorOf(foreign)).toEqual(errorOf(unknown));
    }
    await t.server.settled();
    expect((await probesFrom(t, b.tenantId, a.tenantId)) - before).toBe(30);
    const events = (await securityEventsOf(t, b.tenantId, 'access_blocked')).filter(
      (e) => e.details.fromTenant === a.tenantId,
    );
    const counts = await tallyCounts(t, { tenantId: b.tenantId, type: 'access_blocked', target: `from:${a.tenantId}` });
    // [1, 10] within one window.
    expect(events.map((e) => (e.details.repeat as { occurrence: number }).occurrence).sort((x, y) => x - y)).toEqual(
      eventOccurrences(counts, 1),
    );
    expect(events[0]).toMatchObject({
      severity: 'high',
      ip_address: '127.0.0.1',
      details: { reason: 'cross_tenant_resource', resourceId: foreignSkill, actorId: a.userId },
    });
    expect(await securityEventsOf(t, a.tenantId, 'access_blocked')).toEqual([]);
  });

  // Regression: GET /audit/events/{id}/proof answered 404 for B's event and recorded nothing.
  test('a probe of B’s audit event for its proof: the same 404 as an unknown id, recorded in B', async () => {
    // A prober of its own: the first probe of its window becomes an event.
    const c = await signUpOwner(t, 'auditor');
    const foreign = await c.client.get(`/audit/events/${foreignEvent}/proof`);
    const unknown = await c.client.get(`/audit/events/${randomUUID()}/proof`);
    expect(errorOf(foreign)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(errorOf(foreign)).toEqual(errorOf(unknown));
    await t.server.settled();
    expect(await probesFrom(t, b.tenantId, c.tenantId)).toBe(1);
    const recorded = (await securityEventsOf(t, b.tenantId, 'access_blocked')).filter(
      (e) => e.details.resourceId === foreignEvent,
    );
    expect(recorded).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({
          reason: 'cross_tenant_resource',
          resource: 'audit_logs',
          fromTenant: c.tenantId,
          actorId: c.userId,
          path: `/audit/events/${foreignEvent}/proof`,
        }),
      }),
    ]);
  });

  // Recording is made slow on purpose (a trigger sleeps 10 ms on each write
  // of a security event or tally), so an answer that waits for it shows,
  // whatever the load on the machine. Two more tries: on a shared 2-core
  // machine another file's load can still skew one run.
  test.each(probes)(
    'the 404 for a foreign id comes as fast as for an unknown one (medians within noise): $name',
    { retry: 2 },
    async ({ path, foreign }) => {
      const slowed = ['security_events', 'security_event_tallies'];
      await t.testDb.ownerQuery(`create function test_slow_record() returns trigger language plpgsql as
      $$ begin perform pg_sleep(0.01); return null; end $$`);
      for (const table of slowed) {
        await t.testDb.ownerQuery(`do $$ begin if to_regclass('${table}') is not null then
        create trigger slow_record after insert or update on ${table}
          for each statement execute function test_slow_record(); end if; end $$`);
      }
      try {
        for (let i = 0; i < 10; i++) {
          await timed(path(foreign()));
          await timed(path(randomUUID()));
        }
        // Back-to-back pairs, the order swapped each round: a pair's difference
        // cancels the load the machine is under at that moment.
        const differences: number[] = [];
        for (let round = 0; round < 60; round++) {
          const foreignFirst = round % 2 === 0;
          const first = await timed(path(foreignFirst ? foreign() : randomUUID()));
          const second = await timed(path(foreignFirst ? randomUUID() : foreign()));
          differences.push(foreignFirst ? first - second : second - first);
        }
        const report = `median foreign − unknown: ${median(differences).toFixed(2)} ms over ${differences.length} pairs`;
        // An answer that awaits the recording is at least 10 ms slower for a foreign id.
        expect(Math.abs(median(differences)), report).toBeLessThan(4);
      } finally {
        for (const table of slowed) await t.testDb.ownerQuery(`drop trigger if exists slow_record on ${table}`);
        await t.testDb.ownerQuery('drop function test_slow_record()');
      }
    },
  );
});
