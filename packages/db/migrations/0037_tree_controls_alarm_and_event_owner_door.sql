-- Three gaps around the trees of 0030-0031: the security control alarm did
-- not watch them; `skillhub audit prove` could not find an event's tenant
-- by itself; and a request for another tenant's event was not recorded as
-- a probe. Each part below says what it changes.
--
-- The security control alarm of 0018 watched every table with a tenant_id,
-- the tracked tables and audit.seals. The Merkle trees of 0030 and the
-- checkpoints of 0031 keep their chain in a `chain` column, so a trigger,
-- policy, grant or owner changed on audit.tree_nodes or audit.checkpoints
-- went unnoticed; and column privileges (`grant update (leaf_hash) on
-- audit.seals ...`) live outside the table's ACL the alarm compared. Both
-- tables are now watched like audit.seals, and each watched table's column
-- privileges are a control of their own (absent while there are none, so
-- a database without any sees no change). A column privilege appearing is
-- a weakening, like a policy appearing.
create or replace function audit.current_security_controls()
returns table (relid oid, relation text, control text, state text, definition text, guards boolean)
language sql stable set search_path = '' as $$
  with guarded as (
    select c.oid, c.relrowsecurity, c.relforcerowsecurity, c.relowner, c.relacl,
           pg_catalog.format('%I.%I', n.nspname, c.relname) as name
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and c.relpersistence <> 't'
      and (c.oid in (select t.relid::oid from audit.tracked_tables t)
           or c.oid in (pg_catalog.to_regclass('audit.seals'), pg_catalog.to_regclass('audit.tree_nodes'),
                        pg_catalog.to_regclass('audit.checkpoints'))
           or (n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
               and exists (select from pg_catalog.pg_attribute a
                           where a.attrelid = c.oid and a.attname = 'tenant_id' and a.attnum > 0
                             and not a.attisdropped)))
  )
  select g.oid, g.name, 'row level security', case when g.relrowsecurity then 'enabled' else 'disabled' end,
         '', g.relrowsecurity
  from guarded g
  union all
  select g.oid, g.name, 'forced row level security', case when g.relforcerowsecurity then 'forced' else 'not forced' end,
         '', g.relforcerowsecurity
  from guarded g
  union all
  select g.oid, g.name, 'owner', 'set', pg_catalog.pg_get_userbyid(g.relowner), true
  from guarded g
  union all
  select g.oid, g.name, 'grants', 'set', coalesce(g.relacl::text, 'default'), true
  from guarded g
  union all
  select g.oid, g.name, 'column grants', 'set',
         pg_catalog.string_agg(pg_catalog.format('%I %s', a.attname, a.attacl::text), '; ' order by a.attnum), true
  from guarded g
  join pg_catalog.pg_attribute a on a.attrelid = g.oid and a.attnum > 0 and not a.attisdropped
                                 and a.attacl is not null
  group by g.oid, g.name
  union all
  select g.oid, g.name, 'policy ' || p.polname, 'present',
         pg_catalog.format('as %s for %s to %s using (%s) with check (%s)',
           case when p.polpermissive then 'permissive' else 'restrictive' end,
           case p.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update'
                         when 'd' then 'delete' else 'all' end,
           (select pg_catalog.string_agg(case when r = 0 then 'public' else pg_catalog.pg_get_userbyid(r) end, ', ')
            from pg_catalog.unnest(p.polroles) r),
           pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)),
         true
  from guarded g
  join pg_catalog.pg_policy p on p.polrelid = g.oid
  union all
  select g.oid, g.name, 'trigger ' || t.tgname,
         case t.tgenabled when 'O' then 'enabled' when 'A' then 'always enabled'
                          when 'R' then 'enabled only for replicas' else 'disabled' end,
         pg_catalog.pg_get_triggerdef(t.oid), t.tgenabled in ('O', 'A')
  from guarded g
  join pg_catalog.pg_trigger t on t.tgrelid = g.oid and not t.tgisinternal
$$;
--> statement-breakpoint
-- 0018's comparison, with a column privilege that appears counted as a weakening.
create or replace function audit.security_control_changes()
returns table (relid oid, relation text, control text, change text, was text, now text, weakens boolean,
               adopting boolean)
language sql stable set search_path = '' as $$
  select coalesce(c.relid, s.relid), coalesce(c.relation, s.relation), coalesce(c.control, s.control),
         case when c.control is null then 'removed'
              when s.control is null then 'added'
              when c.definition <> s.definition then 'altered'
              else c.state end,
         s.state || case when s.definition <> '' then ': ' || s.definition else '' end,
         c.state || case when c.definition <> '' then ': ' || c.definition else '' end,
         case when c.control is null then true
              when s.control is null then c.control like 'policy %' or c.control = 'column grants'
              else c.definition <> s.definition or (s.guards and not c.guards) end,
         -- A table new to the snapshot, or first seen by this very transaction.
         a.adopted_in is null or coalesce(a.adopted_in = pg_catalog.pg_current_xact_id_if_assigned(), false)
  from audit.current_security_controls() c
  full join audit.security_controls s on s.relid = c.relid and s.control = c.control
  left join lateral (select min(x.adopted_in) as adopted_in from audit.security_controls x
                     where x.relid = coalesce(c.relid, s.relid)) a on true
  where c.control is null or s.control is null or c.state <> s.state or c.definition <> s.definition
     or c.guards <> s.guards
$$;
--> statement-breakpoint
-- The new tables' controls as they stand are the baseline (the alarm, when
-- installed, already adopted them silently at the statement above; a
-- migration without it adopts them here).
insert into audit.security_controls (relid, relation, control, state, definition, guards)
select c.relid, c.relation, c.control, c.state, c.definition, c.guards from audit.current_security_controls() c
on conflict (relid, control) do nothing;
--> statement-breakpoint
-- `skillhub audit prove --event ID` without --tenant: the operator names an
-- event, this finds the workspace it belongs to. Operator work over the
-- owner's connection (like listing workspaces, 0029); the runtime role
-- cannot call it. Recorded in the system chain as tenant.resolve, naming
-- the event asked about and the workspace found.
create function platform.find_event_tenant(actor platform.actor, event_id uuid) returns setof public.tenants
language plpgsql security definer set search_path = '' as $$
declare
  owner_id text;
  found_tenant public.tenants;
begin
  select l.tenant_id into owner_id from public.audit_logs l where l.id = find_event_tenant.event_id;
  select * into found_tenant from public.tenants t where t.id = owner_id;
  perform platform.audit(actor, null, 'tenant.resolve', null,
    pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('event', event_id, 'tenant', found_tenant.id)));
  if found_tenant.id is not null then
    return next found_tenant;
  end if;
end
$$;
--> statement-breakpoint
revoke all on function platform.find_event_tenant(platform.actor, uuid) from public;
--> statement-breakpoint
alter function platform.find_event_tenant(platform.actor, uuid) owner to skillhub_system;
--> statement-breakpoint
do $$
begin
  -- A superuser owner can call it anyway; a plain owner role needs the grant.
  execute format('grant execute on function platform.find_event_tenant(platform.actor, uuid) to %I', current_user);
end
$$;
--> statement-breakpoint
-- 0010's owner_of, looking into the ledger too: a request for another
-- tenant's event (its inclusion proof) is a probe like one for another
-- tenant's skill, and platform.record_foreign_probe records it in the
-- event's tenant. A system event (no tenant) has no owner to tell.
create or replace function platform.owner_of(table_name text, row_id uuid) returns text
language plpgsql stable security definer set search_path = '' as $$
declare
  found_tenant text;
begin
  if table_name not in ('skills', 'skill_versions', 'ratings', 'usage_events', 'skill_embeddings', 'skill_reviews',
                        'api_keys', 'users', 'user_sessions', 'audit_logs') then
    raise exception 'owner_of does not look into %', table_name using errcode = 'invalid_parameter_value';
  end if;
  execute pg_catalog.format('select tenant_id from public.%I where id = $1 limit 1', table_name)
    into found_tenant using row_id;
  return found_tenant;
end
$$;
