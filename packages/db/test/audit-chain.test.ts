import { describe, expect, type TestContext, test } from 'vitest';
import { type Database, recordAuditEvent, systemActor, verifyAuditChain } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor } from './support/tenant-rows.ts';

/**
 * Each tamper test works on its own copy of a database holding a sealed
 * chain, does as a superuser what the triggers forbid, and expects
 * verification to name the damaged event. A test fails if tampering goes
 * unnoticed.
 */
const writeEvents = async (database: Database, tenant: string, count: number) => {
  for (let i = 0; i < count; i++) {
    await database.withTenant(tenant, actor(), () =>
      recordAuditEvent({ action: 'skill.updated', resourceType: 'skill', resourceId: `s-${i}`, metadata: { i } }),
    );
  }
};

/** A database of the test's own holding acme's sealed chain of 21 events (dropped when the test ends). */
async function chainFixture({ onTestFinished }: TestContext) {
  const testDb: TestDatabase = await createTestDatabase();
  const db: Database = await testDb.openApp();
  onTestFinished(() => testDb.drop());
  const tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  await writeEvents(db, tenantId, 20);
  // Other test files' open transactions can hold the horizon back for a moment.
  expect(await db.sealCommittedAuditEvents()).toBe(true);
  return {
    testDb,
    db,
    tenantId,
    /** Event ids of the tenant's chain, in chain order. */
    chainOrder: async () =>
      (
        await testDb.ownerQuery<{ event_id: string; position: string }>(
          'select event_id, position from audit.seals where chain = $1 order by position',
          [tenantId],
        )
      ).rows,
    asSuperuser: (statements: string) =>
      testDb.ownerQuery(`begin; set local session_replication_role = replica; ${statements}; commit;`),
  };
}

describe.concurrent('tamper evidence', () => {
  test('an untouched chain verifies intact with its head', async (context) => {
    const { testDb, db, tenantId } = await chainFixture(context);
    await db.platform.findTenantBySlug('no-such-workspace', systemActor('test')); // a system event, on the system chain
    expect(await db.sealCommittedAuditEvents()).toBe(true);
    const result = await verifyAuditChain(testDb.ownerUrl, { tenantId });
    expect(result.intact).toBe(true);
    expect(result.chains[0]?.events).toBe(21); // 20 events + tenant.create
    expect(result.chains[0]?.head?.position).toBe(21);
    const all = await verifyAuditChain(testDb.ownerUrl);
    expect(all.intact).toBe(true);
    expect(all.chains.map((c) => c.chain)).toEqual(['', tenantId].sort());
  });

  test('editing an event’s metadata (triggers disabled) is named as modified', async (context) => {
    const { testDb, db, tenantId, chainOrder, asSuperuser } = await chainFixture(context);
    const target = (await chainOrder())[7];
    await asSuperuser(`update audit_logs set metadata = '{"i": 999}' where id = '${target?.event_id}'`);
    const result = await verifyAuditChain(testDb.ownerUrl, { tenantId });
    expect(result.intact).toBe(false);
    expect(result.chains[0]?.break).toMatchObject({ kind: 'modified', eventId: target?.event_id, position: 8 });
    // Every chain at once, side by side: the break stays with its chain, the system chain stays intact.
    await db.platform.findTenantBySlug('no-such-workspace', systemActor('test'));
    expect(await db.sealCommittedAuditEvents()).toBe(true);
    const all = await verifyAuditChain(testDb.ownerUrl, { concurrency: 2 });
    expect(all.chains.map((c) => [c.chain, c.intact, c.break?.position ?? null])).toEqual(
      [
        ['', true, null],
        [tenantId, false, 8],
      ].sort(),
    );
  });

  test('deleting an event is named as missing', async (context) => {
    const { testDb, tenantId, chainOrder, asSuperuser } = await chainFixture(context);
    const target = (await chainOrder())[4];
    await asSuperuser(`delete from audit_logs where id = '${target?.event_id}'`);
    const result = await verifyAuditChain(testDb.ownerUrl, { tenantId });
    expect(result.chains[0]?.break).toMatchObject({ kind: 'missing', eventId: target?.event_id, position: 5 });
  });

  test('a forged event slipped into sealed history is named as inserted', async (context) => {
    const { testDb, tenantId, chainOrder } = await chainFixture(context);
    const anchor = (await chainOrder())[3];
    const forged = await testDb.ownerQuery<{ id: string }>(
      `insert into audit_logs (txid, tenant_id, actor_type, actor_id, action, created_at)
       select txid, tenant_id, 'user', 'intruder', 'skill.deleted', created_at from audit_logs where id = $1
       returning id`,
      [anchor?.event_id],
    );
    const result = await verifyAuditChain(testDb.ownerUrl, { tenantId });
    expect(result.chains[0]?.break).toMatchObject({ kind: 'inserted', eventId: forged.rows[0]?.id });
  });

  // Regression: the stream reads a seal's event only in the month the seal records (0064), so a copy under the
  // same id in another month was seen by nothing.
  test('a copy of a sealed event under its id in another month is named as inserted', async (context) => {
    const { testDb, tenantId, chainOrder } = await chainFixture(context);
    const sealed = (await chainOrder())[3];
    await testDb.ownerQuery(
      `insert into audit_logs (id, txid, tenant_id, actor_type, actor_id, action, created_at)
       select id, txid, tenant_id, 'user', 'intruder', 'skill.deleted', created_at - interval '400 days'
       from audit_logs where id = $1`,
      [sealed?.event_id],
    );
    const result = await verifyAuditChain(testDb.ownerUrl, { tenantId });
    expect(result.chains[0]?.break).toMatchObject({ kind: 'inserted', eventId: sealed?.event_id });
  });

  test('an edited created_at (the event out of the month its seal records) is named as modified', async (context) => {
    const { testDb, tenantId, chainOrder, asSuperuser } = await chainFixture(context);
    const sealed = (await chainOrder())[3];
    await asSuperuser(
      `update audit_logs set created_at = created_at - interval '400 days' where id = '${sealed?.event_id}'`,
    );
    const result = await verifyAuditChain(testDb.ownerUrl, { tenantId });
    expect(result.chains[0]?.break).toMatchObject({ kind: 'modified', eventId: sealed?.event_id, position: 4 });
  });

  test('swapping two events’ places is named as reordered', async (context) => {
    const { testDb, tenantId, chainOrder, asSuperuser } = await chainFixture(context);
    const order = await chainOrder();
    const [a, b] = [order[10]?.event_id, order[11]?.event_id];
    await asSuperuser(`
      create temp table swap as select id, txid, seq from audit_logs where id in ('${a}', '${b}');
      alter table audit_logs alter column seq drop identity;
      update audit_logs l set seq = (select s.seq from swap s where s.id <> l.id) where l.id in ('${a}', '${b}')`);
    const result = await verifyAuditChain(testDb.ownerUrl, { tenantId });
    expect(result.chains[0]?.break).toMatchObject({ kind: 'reordered', eventId: a, position: 11 });
  });

  test('truncating the ledger is named as missing from the first event', async (context) => {
    const { testDb, tenantId, asSuperuser } = await chainFixture(context);
    await asSuperuser('truncate audit_logs');
    const result = await verifyAuditChain(testDb.ownerUrl, { tenantId });
    expect(result.chains[0]?.break).toMatchObject({ kind: 'missing', position: 1 });
  });

  test('deleting the newest events and their seals is caught against a recorded head', async (context) => {
    const { testDb, tenantId, chainOrder, asSuperuser } = await chainFixture(context);
    const recorded = (await verifyAuditChain(testDb.ownerUrl, { tenantId })).chains[0]?.head;
    expect(recorded?.position).toBe(21);
    const newest = (await chainOrder()).slice(-3).map((r) => `'${r.event_id}'`);
    await asSuperuser(`
      delete from audit.seals where event_id in (${newest.join(', ')});
      delete from audit_logs where id in (${newest.join(', ')})`);
    // Without the recorded head the shortened chain is self-consistent...
    expect((await verifyAuditChain(testDb.ownerUrl, { tenantId })).intact).toBe(true);
    // ...with it, the cut is found.
    const result = await verifyAuditChain(testDb.ownerUrl, { tenantId, expectedHead: recorded ?? undefined });
    expect(result.chains[0]?.break).toMatchObject({ kind: 'truncated', position: 18 });
    // A recorded head pins the whole chain; with a time window it would go unchecked, so that is refused.
    await expect(
      verifyAuditChain(testDb.ownerUrl, { tenantId, expectedHead: recorded ?? undefined, from: new Date(0) }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  test('rewriting a seal’s hash is caught by the next link', async (context) => {
    const { testDb, tenantId, asSuperuser } = await chainFixture(context);
    await asSuperuser(
      `update audit.seals set chain_hash = sha256('x'::bytea) where chain = '${tenantId}' and position = 6`,
    );
    const result = await verifyAuditChain(testDb.ownerUrl, { tenantId });
    expect(result.chains[0]?.break).toMatchObject({ kind: 'modified', position: 6 });
  });

  test('a time window verifies only its events, anchored on the seal before it', async (context) => {
    const { testDb, tenantId } = await chainFixture(context);
    const times = await testDb.ownerQuery<{ created_at: Date }>(
      `select e.created_at from audit.seals s join audit_logs e on e.id = s.event_id
       where s.chain = $1 order by s.position`,
      [tenantId],
    );
    const from = times.rows[5]?.created_at;
    // Date keeps milliseconds; step past the event's microseconds.
    const to = new Date((times.rows[14]?.created_at.getTime() ?? 0) + 1);
    const result = await verifyAuditChain(testDb.ownerUrl, { tenantId, from, to });
    expect(result.intact).toBe(true);
    expect(result.chains[0]?.events).toBeGreaterThanOrEqual(10);
    expect(result.chains[0]?.events).toBeLessThan(21);
  });
});

// 8 × 1,000 events interleave the writers with the sealer's batches many
// times over in a few seconds; `npm run test:sealing` runs 8 × 5,000.
const eventsPerWriter = Number(process.env.SKILLHUB_SEALING_EVENTS_PER_WRITER ?? 1_000);

describe('concurrency', () => {
  test(
    `8 writers × ${eventsPerWriter} events in many tenants, sealed while they write, verify intact`,
    { timeout: 240_000 },
    async (context) => {
      const { testDb, db, tenantId } = await chainFixture(context);
      const writers = await testDb.openApp({ maxConnections: 8 });
      const tenants = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          writers.platform.createTenant({ name: `T${i}`, slug: `busy-${i}` }, systemActor('test')),
        ),
      );
      const sealer = db.startAuditSealer({ intervalMs: 50 });
      const perTransaction = 10;
      await Promise.all(
        Array.from({ length: 8 }, async (_, writer) => {
          for (let t = 0; t < eventsPerWriter / perTransaction; t++) {
            const tenant = tenants[(writer + t) % tenants.length]?.id ?? tenantId;
            await writers.withTenant(tenant, actor(`writer-${writer}`), async () => {
              for (let e = 0; e < perTransaction; e++) {
                await recordAuditEvent({ action: 'skill.updated', metadata: { writer, t, e } });
              }
            });
          }
        }),
      );
      await sealer.stop();
      expect(await db.sealCommittedAuditEvents()).toBe(true);
      const status = await testDb.ownerQuery<{ pending: string }>('select pending from audit.sealing_status()');
      expect(Number(status.rows[0]?.pending)).toBe(0);
      const result = await verifyAuditChain(testDb.ownerUrl, { concurrency: 1 });
      expect(result.chains.filter((c) => !c.intact)).toEqual([]);
      expect(result.events).toBeGreaterThanOrEqual(8 * eventsPerWriter);
      // Chains verified over three connections in one snapshot: the same verdicts, in the same order.
      expect(await verifyAuditChain(testDb.ownerUrl, { concurrency: 3 })).toEqual(result);
    },
  );
});
