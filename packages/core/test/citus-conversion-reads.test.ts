// The Citus plan's conversion (docs/citus-lab, files 1-3: the policies in the form Citus keeps, the context
// keys a reference table, the fifteen tenant tables distributed) checked on real data: every actor of every
// demo workspace reads through withTenant exactly what it read on one server, the skill list and the rows it
// can count in five tables, with some skills private to one member. Destructive and by hand: it converts
// the database it is given, one `skillhub migrate up` and `skillhub demo` made on a Citus coordinator
// (docs/citus-lab/README.md), and is skipped without these two variables:
//   CITUS_CONVERSION_URL=postgres://<superuser>@<coordinator>/<db>
//   CITUS_CONVERSION_APP_URL=postgres://<runtime role>:<password>@<coordinator>/<db>
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Database, readContextKey, sql } from '@skillhub/db';
import { describe, expect, test } from 'vitest';
import { listSkills } from '../src/index.ts';

const ownerUrl = process.env.CITUS_CONVERSION_URL ?? '';
const appUrl = process.env.CITUS_CONVERSION_APP_URL ?? '';
const lab = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/citus-lab');

// Three skills of each workspace made private, authored by one of two members.
const makePrivate = `
  with pick as (select s.tenant_id, s.id, row_number() over (partition by s.tenant_id order by s.slug) as n
                from skills s join tenants t on t.id = s.tenant_id where t.slug in ('acme', 'globex', 'initech'))
  update skills s set visibility = 'private',
    author_id = (select u.id from users u where u.tenant_id = s.tenant_id and u.role = 'member'
                 order by u.id limit 1 offset (p.n % 2))
  from pick p where p.tenant_id = s.tenant_id and p.id = s.id and p.n <= 3`;

/** Runs SQL (or a file) as the owner with psql, the lab's own client; rows as arrays of fields. */
const psql = (...args: string[]) =>
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-F', '|', ownerUrl, ...args], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('|'));

/** What every user of the demo workspaces reads, by workspace, role and id. */
async function readAll(): Promise<Record<string, unknown>> {
  const db = await Database.open({ url: appUrl, contextKey: await readContextKey(ownerUrl), maxConnections: 1 });
  try {
    const users = psql(
      '-c',
      `select u.tenant_id, t.slug, u.id, u.role from users u join tenants t on t.id = u.tenant_id
       where t.slug in ('acme', 'globex', 'initech') order by t.slug, u.role, u.id`,
    ).map(([tenantId = '', slug, id = '', role]) => ({
      tenant_id: tenantId,
      slug,
      id,
      role: role as 'owner' | 'admin' | 'member',
    }));
    const read: Record<string, unknown> = {};
    for (const user of users) {
      const actor = { actorType: 'user', actorId: user.id, role: user.role, requestId: 'lab', ip: null } as const;
      read[`${user.slug}/${user.role}/${user.id}`] = await db.withTenant(user.tenant_id, actor, async (tx) => ({
        skills: (await listSkills(tx, { sort: 'name', limit: 100 })).skills.map((s) => s.slug),
        counts: (
          await tx.execute(sql`select (select count(*) from ratings)::int as ratings,
            (select count(*) from skill_versions)::int as versions, (select count(*) from usage_events)::int as uses,
            (select count(*) from skills)::int as skills, (select count(*) from users)::int as users`)
        ).rows[0],
        binding: (await tx.execute<{ g: boolean }>(sql`select current_setting('app.context') ~ '"g":' as g`)).rows[0]
          ?.g,
      }));
    }
    return read;
  } finally {
    await db.close();
  }
}

describe.skipIf(!ownerUrl || !appUrl)('the conversion on a Citus coordinator', () => {
  test('every demo user reads on the converted cluster what it read on one server', async () => {
    expect(
      psql('-c', "select count(*) from pg_dist_partition where logicalrelid = 'users'::regclass"),
      'a database not yet converted',
    ).toEqual([['0']]);
    psql('-c', makePrivate);
    const before = await readAll();
    expect(Object.keys(before).length).toBeGreaterThan(10);
    for (const file of ['1-rewrite-policies.sql', '2-reference-tables.sql', '3-distribute-tenant-tables.sql']) {
      psql('-f', path.join(lab, file));
    }
    const after = await readAll();
    const strip = (reads: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(reads).map(([k, v]) => [k, { ...(v as object), binding: undefined }]));
    expect(strip(after)).toEqual(strip(before));
    // One server signed for its own transaction; the cluster for the distributed one, which the workers check.
    expect(new Set(Object.values(before).map((v) => (v as { binding: boolean }).binding))).toEqual(new Set([false]));
    expect(new Set(Object.values(after).map((v) => (v as { binding: boolean }).binding))).toEqual(new Set([true]));
  }, 600_000);
});
