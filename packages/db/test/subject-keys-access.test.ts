import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Database, recordAuditEvent, sql, systemActor } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { untilWaitingOnAdvisoryLock } from './support/advisory-lock-waiter.ts';
import { actor, insertSql } from './support/tenant-rows.ts';

/**
 * The subject keys (migration 0046) are out of the runtime role's reach:
 * it cannot read them or the email secret, cannot call the doors that make
 * or name them, and cannot erase outside a workspace context. Opening an
 * envelope takes the key of the transaction's own tenant: tenant B's
 * context opens none of A's, even handed A's envelope. Erasure answers an
 * owner's, an admin's or a system actor's context only, never reaches past
 * a legal hold, and waits for a hold still being placed.
 */
let testDb: TestDatabase;
let db: Database;
let tenantA: string;
let tenantB: string;
let envelopeOfA: unknown;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantA = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  tenantB = (await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'))).id;
  await db.withTenant(tenantA, actor(), (tx) =>
    tx.execute(insertSql('users', { email: 'pat@acme.test', display_name: 'Pat' })),
  );
  const { rows } = await testDb.ownerQuery<{ personal: unknown }>(
    `select personal from audit_logs where tenant_id = $1 and action = 'users.insert'`,
    [tenantA],
  );
  envelopeOfA = rows[0]?.personal;
  expect(envelopeOfA).toBeTruthy();
});
afterAll(() => testDb.drop());

test('the runtime role can neither read the keys nor call the key doors', async () => {
  const client = new pg.Client({ connectionString: testDb.appUrl });
  await client.connect();
  try {
    for (const statement of [
      'select * from audit.subject_keys',
      'select * from audit.subject_secret',
      `select audit.subject_key('${tenantA}', 'user:3f1c2d4e-0000-4000-8000-000000000001')`,
      `select audit.subject_of('email', 'someone@acme.test')`,
      'delete from audit.subject_keys',
      `select audit.erase_subject('email', 'someone@acme.test', false)`,
    ]) {
      await expect(client.query(statement), statement).rejects.toMatchObject({ code: '42501' });
    }
    // No context, no tenant: nothing opens.
    const opened = await client.query('select audit.reveal_personal($1::jsonb) as r', [JSON.stringify(envelopeOfA)]);
    expect(opened.rows[0]?.r).toBeNull();
  } finally {
    await client.end();
  }
});

test('tenant B’s context opens none of tenant A’s envelope; A’s opens it', async () => {
  const reveal = (tenant: string) =>
    db.withTenant(tenant, actor(), (tx) =>
      tx.execute<{ r: { path: string[]; value?: unknown; erased?: boolean }[] }>(
        sql`select audit.reveal_personal(${JSON.stringify(envelopeOfA)}::jsonb) as r`,
      ),
    );
  const asB = (await reveal(tenantB)).rows[0]?.r ?? [];
  expect(asB.length).toBeGreaterThan(0);
  expect(asB.every((f) => f.erased === true && !('value' in f))).toBe(true);
  const asA = (await reveal(tenantA)).rows[0]?.r ?? [];
  expect(asA.some((f) => f.path.join('.') === 'new_record.email' && typeof f.value === 'string')).toBe(true);
});

test('SQL in a member’s or an API key’s request cannot erase, and an admin’s cannot reach the door behind the hold check', async () => {
  const { rows } = await testDb.ownerQuery<{ id: string }>(`select id from users where tenant_id = $1`, [tenantA]);
  const pat = rows[0]?.id as string;
  const refusal = (who: ReturnType<typeof actor>, statement: string) =>
    db
      .withTenant(tenantA, who, (tx) => tx.execute(statement as never))
      .then(
        () => 'accepted',
        (error: unknown) => (error as { cause?: { code?: string } }).cause?.code,
      );
  const member = { ...actor('member-1'), role: 'member' as const };
  const key = { ...actor('key-1'), actorType: 'api_key' as const, role: null };
  // An API key's context has no role: a check `role in (...)` is null for it, not false.
  for (const who of [member, key]) {
    for (const statement of [
      `select audit.erase_subject('user', '${pat}', true)`,
      `select audit.erase_subject('email', 'pat@acme.test', false)`,
    ]) {
      expect(await refusal(who, statement), `${who.actorType} ${who.role}: ${statement}`).toBe('42501');
    }
  }
  await db.withTenant(tenantA, actor(), (tx) => tx.execute(sql`select audit.place_legal_hold(null, 'litigation')`));
  expect(await refusal(actor(), `select audit.erase_subject('user', '${pat}', false)`)).toBe('55000');
  expect(await refusal(actor(), `select audit.erase_subject_unheld('user', '${pat}', false)`)).toBe('42501');
  const keys = await testDb.ownerQuery(`select from audit.subject_keys where tenant_id = $1`, [tenantA]);
  expect(keys.rowCount).toBeGreaterThan(0);
});

// Globex: Acme holds its whole workspace since the test above.
test('a hold placed in a transaction still open when an erasure starts stops that erasure once it commits', async () => {
  await db.withTenant(tenantB, actor(), () =>
    recordAuditEvent({
      action: 'invitation.created',
      resourceType: 'invitation',
      metadata: { email: 'visitor@globex.test' },
    }),
  );
  let commitHold = () => {};
  let holdPlaced = () => {};
  const placed = new Promise<void>((resolve) => {
    holdPlaced = resolve;
  });
  const hold = db.withTenant(tenantB, actor(), async (tx) => {
    await tx.execute(sql`select audit.place_legal_hold('visitor@globex.test', 'subpoena')`);
    holdPlaced();
    await new Promise<void>((resolve) => {
      commitHold = resolve;
    });
  });
  await placed;
  let settled = false;
  const erasure = db
    .withTenant(tenantB, actor(), (tx) =>
      tx.execute(sql`select audit.erase_subject('email', 'visitor@globex.test', false)`),
    )
    .then(
      () => 'accepted',
      (error: unknown) => (error as { cause?: { code?: string } }).cause?.code,
    )
    .finally(() => {
      settled = true;
    });
  // The erasure either finishes (the hole) or waits for the hold's transaction.
  await untilWaitingOnAdvisoryLock(testDb, () => settled);
  commitHold();
  await hold;
  expect(await erasure).toBe('55000');
  const keys = await testDb.ownerQuery(
    `select from audit.subject_keys where tenant_id = $1 and subject like 'email:%'`,
    [tenantB],
  );
  expect(keys.rowCount).toBeGreaterThan(0);
});
