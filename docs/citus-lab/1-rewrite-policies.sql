-- Lab step 1 (docs/citus.md, "Checked on a cluster"): the policies in the only form Citus distributes
-- correctly. Three rewrites, in this order:
--   1. skill_visible's exists (select ... from skills ...) becomes a call of platform.skill_visible, a
--      PL/pgSQL function (Citus refuses a sub-select in a policy, and plans a SQL function's inlined one as
--      such), security invoker (the skill's own policies decide), with nested execution allowed on it alone
--      for its read of the colocated skills shard;
--   2. every restrictive policy is folded into the table's permissive one: Citus recreates policies on the
--      shards without AS RESTRICTIVE, where a restrictive policy would widen the tenant policy (found). A
--      table with one is given one permissive policy per command, each the tenant policy and the
--      restrictive conditions that apply to that command;
--   3. every "(select platform.f() as f)" becomes "platform.f()".
\set ON_ERROR_STOP 1
create or replace function platform.skill_visible(tenant text, skill uuid) returns boolean
language plpgsql stable set search_path = '' set citus.allow_nested_distributed_execution = on as $$
begin
  return exists (select from public.skills s where s.tenant_id = tenant and s.id = skill);
end
$$;
grant execute on function platform.skill_visible(text, uuid) to skillhub_app;
do $$
declare t text;
begin
  foreach t in array array['skill_versions', 'skill_embeddings', 'ratings', 'skill_reviews', 'usage_events'] loop
    execute format('alter policy skill_visible on public.%I using (platform.skill_visible(tenant_id, skill_id))
                    with check (platform.skill_visible(tenant_id, skill_id))', t);
  end loop;
end $$;
do $$
declare
  t regclass;
  base record;
  r record;
  cmd record;
  u text;
  w text;
begin
  for t in select distinct polrelid from pg_policy where not polpermissive loop
    select pg_get_expr(p.polqual, p.polrelid) as u,
           coalesce(pg_get_expr(p.polwithcheck, p.polrelid), pg_get_expr(p.polqual, p.polrelid)) as w
      into strict base from pg_policy p where p.polrelid = t and p.polpermissive and p.polcmd = '*';
    for cmd in select * from (values ('r', 'select'), ('a', 'insert'), ('w', 'update'), ('d', 'delete')) c (letter, name) loop
      u := base.u;
      w := base.w;
      for r in select pg_get_expr(p.polqual, p.polrelid) as u,
                      coalesce(pg_get_expr(p.polwithcheck, p.polrelid), pg_get_expr(p.polqual, p.polrelid)) as w
               from pg_policy p where p.polrelid = t and not p.polpermissive and p.polcmd in ('*', cmd.letter) loop
        if r.u is not null then u := format('(%s) and (%s)', u, r.u); end if;
        if r.w is not null then w := format('(%s) and (%s)', w, r.w); end if;
      end loop;
      execute format('create policy %I on %s for %s %s', 'tenant_' || cmd.name, t, cmd.name,
        case cmd.name when 'select' then format('using (%s)', u) when 'delete' then format('using (%s)', u)
                      when 'insert' then format('with check (%s)', w)
                      else format('using (%s) with check (%s)', u, w) end);
    end loop;
    for r in select polname from pg_policy where polrelid = t and (not polpermissive or polcmd = '*') loop
      execute format('drop policy %I on %s', r.polname, t);
    end loop;
  end loop;
end $$;
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
select count(*) filter (where pg_get_expr(polqual, polrelid) ilike '%select%' or pg_get_expr(polwithcheck, polrelid) ilike '%select%') as still_with_subselect,
       count(*) filter (where not polpermissive) as still_restrictive
from pg_policy;
