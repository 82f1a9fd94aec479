import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  type Database,
  recordAuditEvent,
  systemActor,
  verifyAuditChain,
  verifyTenantAuditChain,
} from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor } from './support/tenant-rows.ts';

/**
 * The tenant-scoped verifier runs as the runtime role inside withTenant:
 * it must agree with the owner's verifier on the tenant's chain, catch the
 * same tampering, and see nothing of other tenants' chains.
 */
let testDb: TestDatabase;
let db: Database;
let acme: string;
let globex: string;

const writeEvents = async (tenant: string, count: number) => {
  for (let i = 0; i < count; i++) {
    await db.withTenant(tenant, actor(), () =>
      recordAuditEvent({ action: 'skill.updated', resourceType: 'skill', resourceId: `s-${i}`, metadata: { i } }),
    );
  }
};

const verifyAs = (tenant: string) => db.withTenant(tenant, actor(), () => verifyTenantAuditChain());

const eventAt = async (tenant: string, position: number) =>
  (
    await testDb.ownerQuery<{ event_id: string }>(
      'select event_id from audit.seals where chain = $1 and position = $2',
      [tenant, position],
    )
  ).rows[0]?.event_id;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  acme = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  globex = (await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'))).id;
  await writeEvents(acme, 12);
  await writeEvents(globex, 30);
  expect(await db.sealCommittedAuditEvents()).toBe(true);
});
afterAll(() => testDb.drop());

test('an intact chain verifies with the same head as the owner’s verifier, counting only the tenant’s events', async () => {
  const verdict = await verifyAs(acme);
  const owner = await verifyAuditChain(testDb.ownerUrl, { tenantId: acme });
  expect(verdict).toMatchObject({ chain: acme, intact: true, events: 13, unsealed: 0 });
  expect(verdict.head).toEqual(owner.chains[0]?.head);
});

test('outside withTenant it refuses to run', async () => {
  await expect(verifyTenantAuditChain()).rejects.toMatchObject({ code: 'NO_TENANT_CONTEXT' });
});

test('events written after the last seal are counted as unsealed, not as a break', async () => {
  await writeEvents(acme, 2);
  const verdict = await verifyAs(acme);
  expect(verdict).toMatchObject({ intact: true, events: 13, unsealed: 2 });
  expect(await db.sealCommittedAuditEvents()).toBe(true);
  expect(await verifyAs(acme)).toMatchObject({ intact: true, events: 15, unsealed: 0 });
});

test('tampering with another tenant’s chain leaves this tenant’s verdict intact, and is named in its own', async () => {
  const target = await eventAt(globex, 9);
  await testDb.ownerQuery(
    `begin; set local session_replication_role = replica;
     update audit_logs set metadata = '{"i": 999}' where id = '${target}'; commit;`,
  );
  expect(await verifyAs(acme)).toMatchObject({ intact: true, events: 15 });
  expect((await verifyAs(globex)).break).toMatchObject({ kind: 'modified', position: 9, eventId: target });
});

test('a deleted event is named as missing', async () => {
  const target = await eventAt(acme, 4);
  await testDb.ownerQuery(
    `begin; set local session_replication_role = replica; delete from audit_logs where id = '${target}'; commit;`,
  );
  expect((await verifyAs(acme)).break).toMatchObject({ kind: 'missing', position: 4, eventId: target });
});
