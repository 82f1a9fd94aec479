import type { AuditSinkWorkerOptions, SecretKeyRing } from '@skillhub/core';
import { type Database, recordAuditEvent, systemActor } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect } from 'vitest';

/** Delivery settings for sink tests: small batches, and the production retry schedule at a thousandth. */
export const sinkWorkerOptions = (
  secrets: SecretKeyRing,
  overrides: Partial<AuditSinkWorkerOptions> = {},
): AuditSinkWorkerOptions => ({
  secrets,
  webhooks: { allowPrivateNetwork: true, timeoutMs: 2_000 },
  batchSize: 25,
  leaseSeconds: 30,
  budgetMs: 10_000,
  pauseAfterMs: 60_000,
  // The production schedule (0 s, 5 s, 5 min, ...) at a thousandth: 5 ms, 300 ms, 1.8 s.
  retryScale: 0.001,
  pollMs: 20,
  concurrency: 2,
  onError: (error) => {
    throw error;
  },
  ...overrides,
});

/** Records `count` events in the tenant's chain and seals them. */
export async function recordSealedEvents(db: Database, tenantId: string, count: number): Promise<void> {
  await db.withTenant(tenantId, systemActor('test'), async () => {
    for (let i = 0; i < count; i++) await recordAuditEvent({ action: 'settings.updated', metadata: { i } });
  });
  expect(await db.sealCommittedAuditEvents()).toBe(true);
}

/** A test file's own database and the runtime role's handle on it, made before its tests and dropped after. */
export function sinkTestDatabase(): { readonly testDb: TestDatabase; readonly db: Database } {
  const opened = {} as { testDb: TestDatabase; db: Database };
  beforeAll(async () => {
    opened.testDb = await createTestDatabase();
    opened.db = await opened.testDb.openApp({ checkTenantRouting: true });
  });
  afterAll(async () => {
    await opened.db.close();
    await opened.testDb.drop();
  });
  return opened;
}
