import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Database, type RequestActor, sql, systemActor } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { insertSql, tableSpecs } from './support/tenant-rows.ts';

// Finding 11 of issue #11: a member and a member's skills:read key read the owner's private skill.
// The database itself must refuse, whatever SQL runs inside the member's transaction.

let testDb: TestDatabase;
let db: Database;
let tenant: string;
const people = { owner: randomUUID(), admin: randomUUID(), member: randomUUID(), author: randomUUID() };
const secret = { id: randomUUID(), slug: 'owners-secret' };
const shared = { id: randomUUID(), slug: 'owners-shared' };
const authored = { id: randomUUID(), slug: 'authors-own' };

const asUser = (id: string, role: 'owner' | 'admin' | 'member'): RequestActor => ({
  actorType: 'user',
  actorId: id,
  role,
  requestId: 'req-visibility',
  ip: '203.0.113.7',
});
const asKeyOf = (userId: string): RequestActor => ({
  actorType: 'api_key',
  actorId: randomUUID(),
  role: null,
  onBehalfOf: userId,
  requestId: 'req-visibility',
  ip: null,
});
const owner = asUser(people.owner, 'owner');
const member = asUser(people.member, 'member');

const childTables = ['skill_versions', 'skill_embeddings', 'ratings', 'skill_reviews', 'usage_events'] as const;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenant = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  await db.withTenant(tenant, owner, async (tx) => {
    for (const [name, id] of Object.entries(people)) {
      const role = name === 'owner' || name === 'admin' ? name : 'member';
      await tx.execute(insertSql('users', { id, email: `${name}@acme.example`, display_name: name, role }));
    }
    for (const [skill, visibility, author] of [
      [secret, 'private', people.owner],
      [shared, 'internal', people.owner],
      [authored, 'private', people.author],
    ] as const) {
      await tx.execute(
        insertSql('skills', {
          id: skill.id,
          slug: skill.slug,
          name: skill.slug,
          content: 'the recipe everyone wants',
          author_id: author,
          visibility,
        }),
      );
    }
    for (const table of childTables) {
      await tx.execute(
        insertSql(table, tableSpecs[table].values({ userId: people.admin, skillId: secret.id, apiKeyId: '' })),
      );
    }
  });
});
afterAll(() => testDb.drop());

/** What `actor` sees of the owner's private skill, by every way a query can reach it. */
const reachOf = (actor: RequestActor) =>
  db.withTenant(tenant, actor, async (tx) => {
    const count = async (query: ReturnType<typeof sql>) =>
      Number((await tx.execute<{ n: number }>(query)).rows[0]?.n ?? 0);
    const reach: Record<string, number> = {
      byId: await count(sql`select count(*)::int as n from skills where id = ${secret.id}`),
      bySlug: await count(sql`select count(*)::int as n from skills where slug = ${secret.slug}`),
      listed: await count(
        sql`select count(*)::int as n from (select id from skills order by name) s where id = ${secret.id}`,
      ),
      counted: await count(
        sql`select (count(*) filter (where visibility = 'private'))::int as n from skills where author_id = ${people.owner}`,
      ),
      searched: await count(sql`select count(*)::int as n from skills
        where skill_search_document(name, description, content) @@ websearch_to_tsquery('english', 'recipe') and id = ${secret.id}`),
    };
    for (const table of childTables) {
      reach[table] = await count(
        sql`select count(*)::int as n from ${sql.identifier(table)} where skill_id = ${secret.id}`,
      );
    }
    return reach;
  });

const nothing = {
  byId: 0,
  bySlug: 0,
  listed: 0,
  counted: 0,
  searched: 0,
  ...Object.fromEntries(childTables.map((t) => [t, 0])),
};
const everything = {
  byId: 1,
  bySlug: 1,
  listed: 1,
  counted: 1,
  searched: 1,
  ...Object.fromEntries(childTables.map((t) => [t, 1])),
};

describe("the owner's private skill, read in SQL inside withTenant", () => {
  test('a member reaches none of it: not the row, not a count, not a search hit, not its versions, ratings, reviews, uses or embedding', async () => {
    expect(await reachOf(member)).toEqual(nothing);
  });

  test("a member's API key reaches none of it either", async () => {
    expect(await reachOf(asKeyOf(people.member))).toEqual(nothing);
  });

  test("an admin's API key does not inherit the admin's view", async () => {
    expect(await reachOf(asKeyOf(people.admin))).toEqual(nothing);
  });

  test('its author, an admin, the owner, the author’s key and a system actor reach all of it', async () => {
    for (const actor of [owner, asUser(people.admin, 'admin'), asKeyOf(people.owner), systemActor('cli')]) {
      expect(await reachOf(actor)).toEqual(everything);
    }
  });

  test('a member still reads internal skills and their own private ones', async () => {
    const seen = await db.withTenant(tenant, asUser(people.author, 'member'), (tx) =>
      tx.execute<{ slug: string }>(sql`select slug from skills order by slug`),
    );
    expect(seen.rows.map((r) => r.slug)).toEqual([authored.slug, shared.slug]);
  });
});

describe('writes', () => {
  const refusal = async (actor: RequestActor, query: ReturnType<typeof sql>) => {
    try {
      await db.withTenant(tenant, actor, (tx) => tx.execute(query));
    } catch (error) {
      const e = error as { code?: string; cause?: { code?: string } };
      return e.cause?.code ?? e.code;
    }
    return 'accepted';
  };

  test('a member cannot create a skill in another’s name, private or internal', async () => {
    for (const visibility of ['private', 'internal']) {
      const query = insertSql('skills', {
        slug: `forged-${visibility}`,
        name: 'Forged',
        author_id: people.owner,
        visibility,
      });
      expect(await refusal(member, query)).toBe('42501');
    }
  });

  test('a member cannot turn another’s skill private, and cannot touch a private one', async () => {
    expect(await refusal(member, sql`update skills set visibility = 'private' where id = ${shared.id}`)).toBe('42501');
    const changed = await db.withTenant(tenant, member, (tx) =>
      tx.execute(sql`update skills set visibility = 'public', name = 'mine now' where id = ${secret.id}`),
    );
    expect(changed.rowCount).toBe(0);
    const deleted = await db.withTenant(tenant, member, (tx) =>
      tx.execute(sql`delete from skills where id = ${secret.id}`),
    );
    expect(deleted.rowCount).toBe(0);
  });

  test('a member cannot hang a rating, a use or a version on a private skill it cannot see', async () => {
    for (const table of ['ratings', 'usage_events', 'skill_versions'] as const) {
      const values = tableSpecs[table].values({ userId: people.member, skillId: secret.id, apiKeyId: '' });
      expect(await refusal(member, insertSql(table, values))).toBe('42501');
    }
  });

  test('a member writes private skills of its own, and an API key writes in its creator’s name', async () => {
    const own = insertSql('skills', {
      slug: 'members-own',
      name: 'Own',
      author_id: people.member,
      visibility: 'private',
    });
    expect(await refusal(member, own)).toBe('accepted');
    const byKey = insertSql('skills', {
      slug: 'keys-own',
      name: 'Key',
      author_id: people.member,
      visibility: 'private',
    });
    expect(await refusal(asKeyOf(people.member), byKey)).toBe('accepted');
  });
});
