-- Step 2 of the Citus plan (docs/citus.md), the parts that keep every
-- guarantee on one server and can land now.
--
-- 1. The eight references to a user or an API key declared `on delete set
--    null (column)` become plain keys (`no action`), tenant_id paired with
--    tenant_id. Citus refuses SET NULL and SET DEFAULT on a key that holds
--    the distribution column. Nothing deletes a user or an API key: people
--    leave by deactivation (and erasure, which blanks the row but keeps
--    it), keys by revocation, so every reference keeps pointing at a row
--    that exists. A DELETE of a user or key that something still references
--    is now refused (foreign_key_violation) instead of quietly clearing the
--    references; whatever door comes to delete one must clear them first,
--    in its own transaction, where change capture records each clearing.
--    `no action` rather than `restrict`: the check runs at the end of the
--    statement, so one statement that removes a row together with
--    everything that points at it still passes.
-- 2. Trigger functions name their table through tg_relid, never
--    tg_table_name: on a Citus node a trigger fires on a shard, whose name
--    is the table's with a shard id appended (tenants_102008), and on a
--    partition, whose name is the partition's. audit.logical_table maps
--    either back to the table the schema declares; on one server, for the
--    tables tracked today, it is the relation itself, so every captured
--    table_name stays byte for byte what it was. The generated capture
--    functions already carry their table's name as a literal; the TRUNCATE
--    capture and the credential announcement were the two that read it at
--    run time.
alter table skills drop constraint skills_author_id_fkey,
  add constraint skills_author_id_fkey foreign key (tenant_id, author_id) references users (tenant_id, id);
--> statement-breakpoint
alter table skill_versions drop constraint skill_versions_created_by_fkey,
  add constraint skill_versions_created_by_fkey foreign key (tenant_id, created_by) references users (tenant_id, id);
--> statement-breakpoint
alter table api_keys drop constraint api_keys_created_by_fkey,
  add constraint api_keys_created_by_fkey foreign key (tenant_id, created_by) references users (tenant_id, id);
--> statement-breakpoint
alter table usage_events drop constraint usage_events_user_id_fkey, drop constraint usage_events_api_key_id_fkey,
  add constraint usage_events_user_id_fkey foreign key (tenant_id, user_id) references users (tenant_id, id),
  add constraint usage_events_api_key_id_fkey foreign key (tenant_id, api_key_id) references api_keys (tenant_id, id);
--> statement-breakpoint
alter table skill_reviews drop constraint skill_reviews_reviewer_id_fkey,
  add constraint skill_reviews_reviewer_id_fkey foreign key (tenant_id, reviewer_id) references users (tenant_id, id);
--> statement-breakpoint
alter table invitations drop constraint invitations_accepted_user_id_fkey,
  add constraint invitations_accepted_user_id_fkey
    foreign key (tenant_id, accepted_user_id) references users (tenant_id, id);
--> statement-breakpoint
alter table audit_sinks drop constraint audit_sinks_created_by_fkey,
  add constraint audit_sinks_created_by_fkey foreign key (tenant_id, created_by) references users (tenant_id, id);
--> statement-breakpoint
-- The table the schema declares for a relation a trigger fired on: a
-- partition's root, and on a Citus node a shard's distributed or reference
-- table (pg_dist_shard, read only where Citus is installed). Anything else
-- is its own table. Citus names a shard <table>_<shard id> in the table's
-- schema (shortened with a hash where that passes 63 bytes); the name is
-- compared in full with Citus's own shard_name, so that an ordinary table
-- whose name ends in digits is never taken for a shard.
create function audit.logical_table(rel regclass) returns regclass
language plpgsql stable set search_path = '' as $$
declare
  logical regclass := coalesce(pg_catalog.pg_partition_root(rel), rel);
  rel_name text;
  shard_of regclass;
begin
  if pg_catalog.to_regclass('pg_catalog.pg_dist_shard') is null then
    return logical;
  end if;
  select c.relname into rel_name from pg_catalog.pg_class c where c.oid = logical;
  if rel_name !~ '_[0-9]+$' then
    return logical;
  end if;
  execute 'select s.logicalrelid from pg_catalog.pg_dist_shard s
           join pg_catalog.pg_class l on l.oid = s.logicalrelid
           join pg_catalog.pg_class c on c.oid = $1
           join pg_catalog.pg_namespace n on n.oid = c.relnamespace
           where s.shardid = pg_catalog.substring($2, ''_([0-9]+)$'')::bigint
             and l.relnamespace = c.relnamespace
             and pg_catalog.shard_name(s.logicalrelid, s.shardid)
                 in (pg_catalog.quote_ident($2), pg_catalog.format(''%I.%I'', n.nspname, $2))'
    into shard_of using logical, rel_name;
  return coalesce(shard_of, logical);
end
$$;
--> statement-breakpoint
revoke all on function audit.logical_table(regclass) from public;
--> statement-breakpoint
grant execute on function audit.logical_table(regclass) to skillhub_app, skillhub_system;
--> statement-breakpoint
-- capture_truncate of 0022, naming the table through tg_relid.
create or replace function audit.capture_truncate() returns trigger
language plpgsql set search_path = '' as $$
declare
  ctx platform.request_context := platform.attribution();
  logical_name text := (select c.relname::text from pg_catalog.pg_class c where c.oid = audit.logical_table(tg_relid));
begin
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type,
    ip_address, request_id, operation, table_name)
  values (ctx.tenant_id, coalesce(ctx.actor_type, 'system'), ctx.actor_id, logical_name || '.truncate',
          logical_name, ctx.ip, ctx.request_id, 'TRUNCATE', logical_name);
  return null;
end
$$;
--> statement-breakpoint
-- announce_credential_change of 0027: the tenant of a tenants row is its id,
-- of any other credential row its tenant_id; which is which is decided by
-- the table the trigger belongs to, not by the name it fired under.
create or replace function platform.announce_credential_change() returns trigger
language plpgsql set search_path = '' as $$
begin
  perform pg_catalog.set_config('app.credentials_changed', 'on', true);
  if audit.logical_table(tg_relid) = 'public.tenants'::regclass then
    perform pg_catalog.pg_notify('skillhub_credentials', coalesce(new.id, old.id));
  else
    perform pg_catalog.pg_notify('skillhub_credentials', coalesce(new.tenant_id, old.tenant_id));
  end if;
  return null;
end
$$;
