-- Lab step 1 (docs/citus.md, "Checked on a cluster"): the schema as migrated has a sub-select in
-- every tenant policy, which Citus refuses on a distributed table.
-- Every policy's "(select platform.f() as f)" becomes "platform.f()": the only form Citus accepts.
do $$
declare p record; q text; w text;
begin
  for p in select n.nspname, c.relname, pol.polname, pg_get_expr(pol.polqual, pol.polrelid) as qual,
                  pg_get_expr(pol.polwithcheck, pol.polrelid) as chk
           from pg_policy pol join pg_class c on c.oid = pol.polrelid join pg_namespace n on n.oid = c.relnamespace loop
    q := regexp_replace(p.qual, '\( SELECT (platform\.[a-z_]+\(\)) AS [a-z_]+\)', '\1', 'g');
    w := regexp_replace(p.chk, '\( SELECT (platform\.[a-z_]+\(\)) AS [a-z_]+\)', '\1', 'g');
    if q is not null then execute format('alter policy %I on %I.%I using (%s)', p.polname, p.nspname, p.relname, q); end if;
    if w is not null then execute format('alter policy %I on %I.%I with check (%s)', p.polname, p.nspname, p.relname, w); end if;
  end loop;
end $$;
select count(*) filter (where pg_get_expr(polqual, polrelid) ilike '%select%' or pg_get_expr(polwithcheck, polrelid) ilike '%select%') as still_with_subselect from pg_policy;
-- What is left (5): the restrictive skill_visible policies, exists (select ... from skills).
-- Citus cannot distribute them in any form; the lab drops them to check the rest of the plan.
drop policy skill_visible on ratings;
drop policy skill_visible on usage_events;
drop policy skill_visible on skill_embeddings;
drop policy skill_visible on skill_reviews;
drop policy skill_visible on skill_versions;
