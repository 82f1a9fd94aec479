import type { RawPool } from '@skillhub/db/bench';
import { loadPerTenant } from '../lib/load-per-tenant.ts';

export interface LoadedSkills {
  tenantIds: string[];
  seconds: number;
}

export interface LoadOptions {
  tenants: number;
  rows: number;
  onProgress?: (message: string) => void;
}

/**
 * As the owner: creates `tenants` tenants with `rows` skills each, and an
 * identical copy of the skills table without row level security
 * (`bench_baseline.skills`: same columns, defaults, checks, indexes and
 * foreign keys; no policies, no triggers) holding the same rows in the same
 * physical order. Every index of both tables is built in bulk after the rows
 * are in (faster than maintaining them row by row, and alike on both sides).
 * Change capture on skills is left off; the caller turns it on where it is
 * measured. `owner` must hold one connection: session settings are made on it.
 */
export async function loadSkills(owner: RawPool, options: LoadOptions): Promise<LoadedSkills> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const say = options.onProgress ?? (() => {});
  await owner.query(`set maintenance_work_mem = '1GB'`);
  await owner.query(`select audit.disable_tracking('public.skills')`);
  const { rows } = await owner.query<{ id: string }>(
    `insert into tenants (name, slug)
     select 'Bench tenant ' || g, 'bench-' || lpad(g::text, 6, '0') from generate_series(1, $1::int) g
     returning id`,
    [options.tenants],
  );
  const tenantIds = rows.map((r) => r.id);
  const indexes = await skillIndexes(owner);
  for (const index of indexes) if (!index.constraintName) await owner.query(`drop index ${index.name}`);

  await loadPerTenant(
    owner,
    `insert into public.skills (tenant_id, slug, name, description, content, tags, visibility, created_at, updated_at)
     select t.id, 'skill-' || r, 'Skill ' || r, 'What skill ' || r || ' is for, in one sentence.',
            'Step ' || r || ': read the brief, then do the next thing carefully.',
            array['bench', 'topic-' || (r % 10)], (array['private', 'internal', 'public'])[1 + r % 3],
            now() - interval '400 days', now() - random() * interval '365 days'
     from unnest($1::text[]) as t (id) cross join generate_series(1, $2::int) r`,
    { tenantIds, rowsPerTenant: options.rows, what: 'skills' },
    (message) => say(`${message} (${elapsed()})`),
  );
  say('copying them into bench_baseline.skills');
  await owner.query(`
    create schema bench_baseline;
    create table bench_baseline.skills (like public.skills including all excluding indexes);
    insert into bench_baseline.skills select * from public.skills;
    alter table bench_baseline.skills
      add foreign key (tenant_id) references public.tenants (id) on delete restrict,
      add foreign key (tenant_id, author_id) references public.users (tenant_id, id) on delete set null (author_id);`);
  for (const index of indexes) {
    say(`building ${index.name} on both tables (${elapsed()})`);
    if (index.constraintName) {
      await owner.query(`reindex index ${index.name}`);
      await owner.query(
        `alter table bench_baseline.skills add constraint ${index.constraintName} ${index.constraintDef}`,
      );
    } else {
      await owner.query(index.definition);
      await owner.query(index.definition.replace(/ ON (public\.)?skills /, ' ON bench_baseline.skills '));
    }
  }
  say(`vacuum analyze (${elapsed()})`);
  await owner.query('vacuum analyze tenants, public.skills, bench_baseline.skills');
  await owner.query('checkpoint');
  return { tenantIds, seconds: (Date.now() - started) / 1000 };
}

interface SkillIndex {
  /** As regclass prints it: quoted where needed. */
  name: string;
  definition: string;
  /** The primary key or unique constraint the index backs, if any. */
  constraintName: string | null;
  constraintDef: string | null;
}

async function skillIndexes(owner: RawPool): Promise<SkillIndex[]> {
  const { rows } = await owner.query<SkillIndex>(
    `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition,
            quote_ident(con.conname) as "constraintName", pg_get_constraintdef(con.oid) as "constraintDef"
     from pg_index i
     left join pg_constraint con on con.conindid = i.indexrelid and con.conrelid = i.indrelid and con.contype in ('p', 'u')
     where i.indrelid = 'public.skills'::regclass
     order by 1`,
  );
  return rows;
}
