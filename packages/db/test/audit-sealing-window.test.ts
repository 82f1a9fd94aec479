import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Database, defaultSealIntervalMs, recordAuditEvent, systemActor } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let db: Database;
let tenantId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
});
afterAll(() => testDb.drop());

const sealedAt = async (requestId: string) =>
  (
    await testDb.ownerQuery<{ sealed: boolean }>(
      `select exists (select from audit.seals s join audit_logs e on e.id = s.event_id where e.request_id = $1) as sealed`,
      [requestId],
    )
  ).rows[0]?.sealed;

test('while the sealer runs, a committed event is sealed within a second', async () => {
  const sealer = db.startAuditSealer();
  try {
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const requestId = `window-${i}`;
      await db.withTenant(tenantId, { ...actor(), requestId }, () => recordAuditEvent({ action: 'skill.updated' }));
      const committed = performance.now();
      while (!(await sealedAt(requestId))) {
        if (performance.now() - committed > 5_000) throw new Error('event not sealed after 5 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      waits.push(performance.now() - committed);
    }
    waits.sort((a, b) => a - b);
    expect(waits[2]).toBeLessThan(1_000);
    expect(defaultSealIntervalMs).toBeLessThanOrEqual(250);
  } finally {
    await sealer.stop();
  }
});

test('an open transaction holds sealing back, and the status says which', async () => {
  const blocker = await testDb.openApp({ maxConnections: 1 });
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const open = blocker.withTenant(tenantId, actor(), async () => {
    await recordAuditEvent({ action: 'skill.created' }); // takes a transaction id, and holds it
    await held;
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  await db.withTenant(tenantId, { ...actor(), requestId: 'behind-open-tx' }, () =>
    recordAuditEvent({ action: 'skill.updated' }),
  );
  await db.sealAuditEvents();
  expect(await sealedAt('behind-open-tx')).toBe(false);
  const status = await testDb.ownerQuery<{ pending: string; oldest_open_transaction_started: Date | null }>(
    'select pending, oldest_open_transaction_started from audit.sealing_status()',
  );
  expect(Number(status.rows[0]?.pending)).toBeGreaterThan(0);
  expect(status.rows[0]?.oldest_open_transaction_started).not.toBeNull();
  release();
  await open;
  expect(await db.sealCommittedAuditEvents()).toBe(true);
  expect(await sealedAt('behind-open-tx')).toBe(true);
});
