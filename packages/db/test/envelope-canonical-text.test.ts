import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Database, recordAuditEvent, systemActor, verifyAuditChain } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor } from './support/tenant-rows.ts';

/**
 * Migration 0046 appends the envelope and subject to the canonical text of
 * an event that has one; an event without one (every event written before
 * it) must hash exactly as 0030's canonical text did, or every chain sealed
 * before the upgrade would stop verifying.
 */
let testDb: TestDatabase;
let db: Database;
let tenantId: string;

// audit.canonical_text as migration 0030 defined it, verbatim.
const canonicalText0030 = `pg_catalog.jsonb_build_array(
    e.id, e.txid::text, e.seq, e.tenant_id, e.actor_type, e.actor_id, e.action, e.resource_type,
    e.resource_id, e.ip_address::text, e.request_id, e.metadata, e.operation::text, e.table_name,
    e.old_record, e.new_record, e.changed_fields,
    pg_catalog.to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text`;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  // Events as a ledger from before 0046 holds them: personal values in clear, no envelope.
  await testDb.ownerQuery('alter table audit_logs disable trigger audit_logs_personal_fields');
  await db.withTenant(tenantId, { ...actor('3f1c2d4e-0000-4000-8000-000000000001'), ip: '203.0.113.5' }, async () => {
    await recordAuditEvent({ action: 'user.invited', resourceType: 'user', metadata: { email: 'old@acme.test' } });
  });
  await testDb.ownerQuery('alter table audit_logs enable trigger audit_logs_personal_fields');
  await db.withTenant(tenantId, { ...actor('3f1c2d4e-0000-4000-8000-000000000001'), ip: '203.0.113.5' }, async () => {
    await recordAuditEvent({ action: 'user.invited', resourceType: 'user', metadata: { email: 'new@acme.test' } });
  });
  expect(await db.sealCommittedAuditEvents()).toBe(true);
});
afterAll(() => testDb.drop());

test('an event without an envelope has 0030’s canonical text, byte for byte; one with an envelope appends it', async () => {
  const { rows } = await testDb.ownerQuery<{ now: string; then: string; sealed: boolean; email: string | null }>(
    `select audit.canonical_text(e) as now, ${canonicalText0030} as then, e.personal is not null as sealed,
            e.metadata ->> 'email' as email
     from audit_logs e where e.action = 'user.invited' order by e.seq`,
  );
  expect(rows.map((r) => [r.sealed, r.email])).toEqual([
    [false, 'old@acme.test'],
    [true, null],
  ]);
  expect(rows[0]?.now).toBe(rows[0]?.then);
  const sealed = rows[1];
  expect(sealed?.now.startsWith(sealed.then.slice(0, -1))).toBe(true);
  expect(JSON.parse(sealed?.now ?? '[]')).toHaveLength(20);
});

test('the chain with both kinds verifies', async () => {
  const report = await verifyAuditChain(testDb.ownerUrl, { tenantId });
  expect(report.intact).toBe(true);
  expect(report.events).toBeGreaterThanOrEqual(2);
});
