import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Database, type RequestActor, type SQL, sql, systemActor } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { insertSql } from './support/tenant-rows.ts';

// Citus plan, step 2 (migration 0055): the eight references to a user or an API key were `on delete set null
// (column)`, which Citus refuses. Nothing deletes a user or a key (people are deactivated and erased, keys
// revoked); a delete behind that must be refused by the key itself, never leave a dangling reference.

let testDb: TestDatabase;
let db: Database;
let tenant: string;
const ownerId = randomUUID();
const owner: RequestActor = { actorType: 'user', actorId: ownerId, role: 'owner', requestId: 'req-refs', ip: null };

/** The SQLSTATE and constraint of a database error, wherever the driver's error sits in the cause chain. */
function refusal(error: unknown): { state: unknown; constraint: unknown } {
  for (let e = error; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    const { code, constraint } = e as { code?: unknown; constraint?: unknown };
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return { state: code, constraint };
  }
  return { state: undefined, constraint: undefined };
}

async function refusedWith(attempt: Promise<unknown>) {
  return attempt.then(
    () => ({ state: 'deleted', constraint: undefined }),
    (error: unknown) => refusal(error),
  );
}

const newUser = async (label: string) => {
  const id = randomUUID();
  await db.withTenant(tenant, owner, (tx) =>
    tx.execute(insertSql('users', { id, email: `${label}-${id.slice(0, 8)}@acme.example`, display_name: label })),
  );
  return id;
};

const newKey = async (createdBy: string | null) => {
  const id = randomUUID();
  await db.withTenant(tenant, owner, (tx) =>
    tx.execute(
      insertSql('api_keys', {
        id,
        name: 'ci',
        prefix: id.slice(0, 8),
        key_hash: randomBytes(32).toString('hex'),
        created_by: createdBy,
      }),
    ),
  );
  return id;
};

let skillId: string;

const refer = (statements: SQL | SQL[]) =>
  db.withTenant(tenant, owner, async (tx) => {
    for (const statement of [statements].flat()) await tx.execute(statement);
  });

/** Each of the eight keys, and a row that references `id` through it alone (with what it hangs off). */
const references: [constraint: string, reference: (id: string) => SQL | SQL[]][] = [
  ['skills_author_id_fkey', (id) => insertSql('skills', { slug: `s-${randomUUID()}`, name: 'S', author_id: id })],
  [
    'skill_versions_created_by_fkey',
    (id) => insertSql('skill_versions', { skill_id: skillId, version: Date.now() % 1e9, content: 'v', created_by: id }),
  ],
  [
    'api_keys_created_by_fkey',
    (id) =>
      insertSql('api_keys', {
        name: 'k',
        prefix: randomUUID().slice(0, 8),
        key_hash: randomBytes(32).toString('hex'),
        created_by: id,
      }),
  ],
  ['usage_events_user_id_fkey', (id) => insertSql('usage_events', { skill_id: skillId, user_id: id, source: 'web' })],
  [
    'skill_reviews_reviewer_id_fkey',
    // One review per skill: each on a skill of its own.
    (id) => {
      const skill = randomUUID();
      return [
        insertSql('skills', { id: skill, slug: `r-${skill}`, name: 'R' }),
        insertSql('skill_reviews', { skill_id: skill, reviewer_id: id, status: 'pending' }),
      ];
    },
  ],
  [
    'invitations_accepted_user_id_fkey',
    (id) =>
      insertSql('invitations', {
        email: `i-${randomUUID().slice(0, 8)}@acme.example`,
        role: 'member',
        token_hash: randomBytes(32).toString('hex'),
        invited_by: ownerId,
        expires_at: new Date(Date.now() + 86_400_000).toISOString(),
        accepted_at: new Date().toISOString(),
        accepted_user_id: id,
      }),
  ],
  [
    'audit_sinks_created_by_fkey',
    (id) =>
      insertSql('audit_sinks', {
        name: `sink-${randomUUID().slice(0, 8)}`,
        url: 'https://sink.example/events',
        signing_secret: 'v1.0123456789abcdef.iv.ciphertext.tag',
        created_by: id,
      }),
  ],
];

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenant = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  skillId = randomUUID();
  await db.withTenant(tenant, owner, async (tx) => {
    await tx.execute(
      insertSql('users', { id: ownerId, email: 'owner@acme.example', display_name: 'O', role: 'owner' }),
    );
    await tx.execute(insertSql('skills', { id: skillId, slug: 'base', name: 'Base', author_id: ownerId }));
  });
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

test('the keys to a user or an API key hold tenant_id and clear nothing on delete', async () => {
  const { rows } = await testDb.ownerQuery<{ name: string; on_delete: string }>(
    `select conname::text as name, confdeltype::text as on_delete from pg_constraint
     where contype = 'f' and conname = any ($1) order by 1`,
    [[...references.map(([name]) => name), 'usage_events_api_key_id_fkey']],
  );
  expect(rows).toHaveLength(8);
  expect(rows.filter((r) => r.on_delete !== 'a')).toEqual([]);
});

test('a user that any of the eight keys references cannot be deleted behind the doors, by the app or the owner', async () => {
  for (const [constraint, reference] of references) {
    const userId = await newUser(constraint.slice(0, 12));
    await refer(reference(userId));
    expect(
      await refusedWith(db.withTenant(tenant, owner, (tx) => tx.execute(sql`delete from users where id = ${userId}`))),
      constraint,
    ).toEqual({ state: '23503', constraint });
    expect(
      await refusedWith(testDb.ownerQuery('delete from users where tenant_id = $1 and id = $2', [tenant, userId])),
      constraint,
    ).toEqual({ state: '23503', constraint });
    const { rows } = await testDb.ownerQuery('select 1 from users where id = $1', [userId]);
    expect(rows, constraint).toHaveLength(1);
  }
});

test('an API key with recorded use cannot be deleted; revoking it keeps the use attributed', async () => {
  const keyId = await newKey(ownerId);
  await db.withTenant(tenant, owner, (tx) =>
    tx.execute(insertSql('usage_events', { skill_id: skillId, api_key_id: keyId, source: 'api' })),
  );
  expect(
    await refusedWith(db.withTenant(tenant, owner, (tx) => tx.execute(sql`delete from api_keys where id = ${keyId}`))),
  ).toEqual({ state: '23503', constraint: 'usage_events_api_key_id_fkey' });
  expect(
    await refusedWith(testDb.ownerQuery('delete from api_keys where tenant_id = $1 and id = $2', [tenant, keyId])),
  ).toEqual({ state: '23503', constraint: 'usage_events_api_key_id_fkey' });
  await db.withTenant(tenant, owner, (tx) =>
    tx.execute(sql`update api_keys set revoked_at = now() where id = ${keyId}`),
  );
  const { rows } = await testDb.ownerQuery(
    `select 1 from usage_events u join api_keys k on k.tenant_id = u.tenant_id and k.id = u.api_key_id
     where u.api_key_id = $1 and k.revoked_at is not null`,
    [keyId],
  );
  expect(rows).toHaveLength(1);
});

test('a person who leaves (deactivated, then erased) stays what every reference points at', async () => {
  const leaver = await newUser('leaver');
  for (const [, reference] of references) await refer(reference(leaver));
  await db.withTenant(tenant, owner, async (tx) => {
    await tx.execute(sql`update users set is_active = false where id = ${leaver}`);
    await tx.execute(sql`select audit.erase_subject('user', ${leaver}, false)`);
  });
  const { rows } = await testDb.ownerQuery<{ email: string }>('select email from users where id = $1', [leaver]);
  expect(rows[0]?.email).toBe(`erased+${leaver}@erased.invalid`);
  // Not one reference in the workspace points at a user or a key that is not there.
  for (const [table, column, parent] of [
    ['skills', 'author_id', 'users'],
    ['skill_versions', 'created_by', 'users'],
    ['api_keys', 'created_by', 'users'],
    ['usage_events', 'user_id', 'users'],
    ['usage_events', 'api_key_id', 'api_keys'],
    ['skill_reviews', 'reviewer_id', 'users'],
    ['invitations', 'accepted_user_id', 'users'],
    ['audit_sinks', 'created_by', 'users'],
  ] as const) {
    const orphans = await testDb.ownerQuery(
      `select 1 from ${table} t where t.${column} is not null
       and not exists (select from ${parent} p where p.tenant_id = t.tenant_id and p.id = t.${column})`,
    );
    expect(orphans.rows, `${table}.${column}`).toEqual([]);
  }
});

test('a user nothing references can still be deleted, and the ledger records it', async () => {
  const stray = await newUser('stray');
  const request: RequestActor = { ...owner, requestId: `req-${randomUUID()}` };
  await db.withTenant(tenant, request, (tx) => tx.execute(sql`delete from users where id = ${stray}`));
  const { rows } = await testDb.ownerQuery<{ action: string; resource_id: string }>(
    'select action, resource_id from audit_logs where request_id = $1',
    [request.requestId],
  );
  expect(rows).toEqual([{ action: 'users.delete', resource_id: stray }]);
});
