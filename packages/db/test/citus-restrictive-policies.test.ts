// On a Citus cluster a restrictive policy does not stay restrictive: Citus recreates a distributed table's
// policies on its shards without AS RESTRICTIVE, so on the workers it is OR-ed with the tenant policy and
// widens it, to other tenants' rows. Skillhub's visibility rules are restrictive policies (migration 0024),
// so the conversion (docs/citus.md, step 8) folds each into the permissive policy; the doctor fails a
// distributed table that keeps one. Run by hand against a Citus coordinator, like
// citus-distributed-binding.test.ts (the same two variables; skipped without them).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Database, runDoctor, sql } from '../src/index.ts';
import { openLabDatabase } from './support/citus-lab.ts';

const ownerUrl = process.env.CITUS_TEST_URL;
const appUrl = process.env.CITUS_TEST_APP_URL;

// Two tables as the skills and their ratings, with 0024's rules: a private row to its author only
// (`private_to_author`), a rating only where its skill is visible (`skill_visible`).
const setupStatements = [
  'drop table if exists public.citus_lab_ratings, public.citus_lab_skills',
  `create table public.citus_lab_skills (tenant_id text not null, id integer not null, visibility text not null,
     author_id text, primary key (tenant_id, id))`,
  `create table public.citus_lab_ratings (tenant_id text not null, skill_id integer not null, stars integer not null,
     primary key (tenant_id, skill_id))`,
  `select create_distributed_table('public.citus_lab_skills', 'tenant_id')`,
  `select create_distributed_table('public.citus_lab_ratings', 'tenant_id', colocate_with => 'public.citus_lab_skills')`,
  `insert into public.citus_lab_skills values ('lab-a', 1, 'internal', 'alice'), ('lab-a', 2, 'private', 'bob'),
     ('lab-a', 3, 'private', 'lab'), ('lab-b', 9, 'internal', 'carol')`,
  `insert into public.citus_lab_ratings values ('lab-a', 1, 5), ('lab-a', 2, 4), ('lab-a', 3, 3), ('lab-b', 9, 1)`,
  'alter table public.citus_lab_skills enable row level security',
  'alter table public.citus_lab_skills force row level security',
  'alter table public.citus_lab_ratings enable row level security',
  'alter table public.citus_lab_ratings force row level security',
  `select create_distributed_function('platform.private_skill_reader()')`,
  'grant select on public.citus_lab_skills, public.citus_lab_ratings to skillhub_app',
];

// The rules as one server has them: a permissive tenant policy and a restrictive one beside it.
const restrictiveForm = [
  `create policy tenant_isolation on public.citus_lab_skills using (tenant_id = platform.current_tenant_id())`,
  `create policy private_to_author on public.citus_lab_skills as restrictive
     using (visibility <> 'private' or platform.private_skill_reader() in ('*', author_id))`,
];

// The form the conversion writes: one permissive policy per table holding both conditions. The rating's
// rule reads the skill through a function: Citus refuses a sub-select in a policy, plans a SQL function's
// inlined sub-select as one (and fails), and lets a PL/pgSQL one read the colocated shard only with
// nested execution allowed on it; security invoker, so the skill's own policy decides what it sees.
const foldedForm = [
  'drop policy if exists private_to_author on public.citus_lab_skills',
  'drop policy if exists tenant_isolation on public.citus_lab_skills',
  `create policy tenant_isolation on public.citus_lab_skills
     using (tenant_id = platform.current_tenant_id()
            and (visibility <> 'private' or platform.private_skill_reader() in ('*', author_id)))`,
  `create or replace function platform.citus_lab_skill_visible(tenant text, skill integer) returns boolean
     language plpgsql stable set search_path = '' set citus.allow_nested_distributed_execution = on as $$
     begin
       return exists (select from public.citus_lab_skills s where s.tenant_id = tenant and s.id = skill);
     end $$`,
  `select create_distributed_function('platform.citus_lab_skill_visible(text, integer)')`,
  'grant execute on function platform.citus_lab_skill_visible(text, integer) to skillhub_app',
  `create policy tenant_isolation on public.citus_lab_ratings
     using (tenant_id = platform.current_tenant_id() and platform.citus_lab_skill_visible(tenant_id, skill_id))`,
];

describe.skipIf(!ownerUrl || !appUrl)('restrictive policies on a Citus coordinator', () => {
  let db: Database;
  let owner: pg.Client;
  const run = async (statements: string[]) => {
    for (const statement of statements) await owner.query(statement);
  };

  beforeAll(async () => {
    owner = new pg.Client({ connectionString: ownerUrl });
    await owner.connect();
    await run(setupStatements);
    db = await openLabDatabase(owner, ownerUrl ?? '', appUrl ?? '');
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await owner?.query('drop table if exists public.citus_lab_ratings, public.citus_lab_skills');
    await owner?.query('drop function if exists platform.citus_lab_skill_visible(text, integer)');
    await owner?.end();
  });

  const member = { actorType: 'user', actorId: 'lab', role: 'member', requestId: 'lab', ip: null } as const;
  const read = (table: 'citus_lab_skills' | 'citus_lab_ratings', role: 'member' | 'owner' = 'member') =>
    db.withTenant('lab-a', { ...member, role }, async (tx) => {
      const column = table === 'citus_lab_skills' ? sql`id` : sql`skill_id`;
      const { rows } = await tx.execute<{ tenant_id: string; id: number }>(
        sql`select tenant_id, ${column} as id from ${sql.identifier(table)} order by 1, 2`,
      );
      return rows.map((r) => `${r.tenant_id}/${r.id}`);
    });
  const restrictiveFindings = async () =>
    (await runDoctor({ ownerUrl: ownerUrl ?? '', runtimeRole: decodeURIComponent(new URL(appUrl ?? '').username) }))
      .filter((r) => r.check === 'citus_no_restrictive_policies' && !r.ok)
      .map((r) => r.target);

  test('a restrictive policy widens on the shards, to another tenant’s rows, and the doctor names it', async () => {
    await run(restrictiveForm);
    // On one server lab-a's member would see lab-a/1 and lab-a/3 only.
    expect(await read('citus_lab_skills')).toEqual(['lab-a/1', 'lab-a/2', 'lab-a/3', 'lab-b/9']);
    expect(await restrictiveFindings()).toEqual(['public.citus_lab_skills: private_to_author']);
  });

  test('folded into the permissive policy, both rules hold on the workers and the doctor passes', async () => {
    await run(foldedForm);
    expect(await read('citus_lab_skills')).toEqual(['lab-a/1', 'lab-a/3']);
    expect(await read('citus_lab_ratings')).toEqual(['lab-a/1', 'lab-a/3']);
    expect(await read('citus_lab_ratings', 'owner')).toEqual(['lab-a/1', 'lab-a/2', 'lab-a/3']);
    expect(await restrictiveFindings()).toEqual([]);
  });
});
