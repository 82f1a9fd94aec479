-- Change capture: statement-level triggers with transition tables, so a bulk
-- statement costs one trigger call, not one per row. The same functions
-- serve every table; PL/pgSQL caches their plans per table.
--
-- Trigger arguments: the redacted columns (never copied into the ledger)
-- and the primary key columns (to pair old and new rows of an UPDATE).
-- Small enough to be inlined into the capture queries (hence no SET clause).
create function audit.context_actor_type() returns text
language sql stable as $$
  select coalesce(nullif(pg_catalog.current_setting('app.actor_type', true), ''), 'system')
$$;
--> statement-breakpoint
create function audit.context_text(name text) returns text
language sql stable as $$
  select nullif(pg_catalog.current_setting(name, true), '')
$$;
--> statement-breakpoint
create function audit.capture_insert_or_delete() returns trigger
language plpgsql set search_path = '' as $$
declare
  redacted text[] := tg_argv[0]::text[];
  pk text[] := tg_argv[1]::text[];
begin
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
    ip_address, request_id, operation, table_name, old_record, new_record)
  select coalesce(r.j ->> 'tenant_id', audit.context_text('app.current_tenant_id')),
         audit.context_actor_type(), audit.context_text('app.actor_id'),
         tg_table_name || '.' || pg_catalog.lower(tg_op), tg_table_name,
         case when pk = array['tenant_id', 'id'] then r.j ->> 'id' else (r.j - 'tenant_id')::text end,
         audit.context_text('app.ip')::inet, audit.context_text('app.request_id'),
         tg_op::audit.operation, tg_table_name,
         case when tg_op = 'DELETE' then r.j - redacted end,
         case when tg_op = 'INSERT' then r.j - redacted end
  from (select pg_catalog.to_jsonb(t) as j from changed_rows t) r;
  return null;
end
$$;
--> statement-breakpoint
create function audit.capture_update() returns trigger
language plpgsql set search_path = '' as $$
declare
  redacted text[] := tg_argv[0]::text[];
  pk text[] := tg_argv[1]::text[];
begin
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
    ip_address, request_id, operation, table_name, old_record, new_record, changed_fields)
  select coalesce(n.j ->> 'tenant_id', o.j ->> 'tenant_id', audit.context_text('app.current_tenant_id')),
         audit.context_actor_type(), audit.context_text('app.actor_id'),
         tg_table_name || '.update', tg_table_name,
         case when pk = array['tenant_id', 'id'] then coalesce(n.j, o.j) ->> 'id'
              else (coalesce(n.j, o.j) - 'tenant_id')::text end,
         audit.context_text('app.ip')::inet, audit.context_text('app.request_id'),
         'UPDATE', tg_table_name, o.j - redacted, n.j - redacted,
         array(select k.key from pg_catalog.jsonb_each(n.j) k
               where k.value is distinct from o.j -> k.key order by k.key)
  from (select pg_catalog.to_jsonb(t) as j from old_rows t) o
  full join (select pg_catalog.to_jsonb(t) as j from new_rows t) n
    on (select pg_catalog.jsonb_agg(o.j -> c) from pg_catalog.unnest(pk) c)
     = (select pg_catalog.jsonb_agg(n.j -> c) from pg_catalog.unnest(pk) c);
  return null;
end
$$;
--> statement-breakpoint
create function audit.capture_truncate() returns trigger
language plpgsql set search_path = '' as $$
begin
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type,
    ip_address, request_id, operation, table_name)
  values (audit.context_text('app.current_tenant_id'), audit.context_actor_type(),
          audit.context_text('app.actor_id'), tg_table_name || '.truncate', tg_table_name,
          audit.context_text('app.ip')::inet, audit.context_text('app.request_id'), 'TRUNCATE', tg_table_name);
  return null;
end
$$;
--> statement-breakpoint
-- Attaches change capture to a table; calling it again refreshes it.
-- Columns whose names suggest a secret are redacted unless `redact` names
-- the columns explicitly.
create function audit.enable_tracking(target regclass, redact text[] default null) returns void
language plpgsql set search_path = '' as $$
declare
  pk text[];
  args text;
begin
  select array_agg(a.attname::text order by k.ord) into pk
  from pg_catalog.pg_index i
  cross join lateral pg_catalog.unnest(i.indkey) with ordinality as k(attnum, ord)
  join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
  where i.indrelid = target and i.indisprimary;
  if pk is null then
    raise exception 'cannot track %: it has no primary key', target
      using hint = 'Change capture pairs old and new rows by primary key; add one first.';
  end if;
  if redact is null then
    select coalesce(array_agg(a.attname::text order by a.attnum), '{}') into redact
    from pg_catalog.pg_attribute a
    where a.attrelid = target and a.attnum > 0 and not a.attisdropped
      and a.attname ~ '(password|secret|token|key_hash|recovery_code)';
  end if;
  args := pg_catalog.format('%L, %L', redact::text, pk::text);
  perform audit.disable_tracking(target);
  execute pg_catalog.format('create trigger audit_capture_insert after insert on %s
    referencing new table as changed_rows for each statement
    execute function audit.capture_insert_or_delete(%s)', target, args);
  execute pg_catalog.format('create trigger audit_capture_update after update on %s
    referencing old table as old_rows new table as new_rows for each statement
    execute function audit.capture_update(%s)', target, args);
  execute pg_catalog.format('create trigger audit_capture_delete after delete on %s
    referencing old table as changed_rows for each statement
    execute function audit.capture_insert_or_delete(%s)', target, args);
  execute pg_catalog.format('create trigger audit_capture_truncate after truncate on %s
    for each statement execute function audit.capture_truncate()', target);
end
$$;
--> statement-breakpoint
create function audit.disable_tracking(target regclass) returns void
language plpgsql set search_path = '' as $$
begin
  execute pg_catalog.format('drop trigger if exists audit_capture_insert on %s', target);
  execute pg_catalog.format('drop trigger if exists audit_capture_update on %s', target);
  execute pg_catalog.format('drop trigger if exists audit_capture_delete on %s', target);
  execute pg_catalog.format('drop trigger if exists audit_capture_truncate on %s', target);
end
$$;
--> statement-breakpoint
revoke all on function audit.enable_tracking(regclass, text[]), audit.disable_tracking(regclass) from public;
--> statement-breakpoint
select audit.enable_tracking(t::regclass)
from unnest(array['users', 'skills', 'skill_versions', 'ratings', 'usage_events',
                  'skill_embeddings', 'skill_reviews', 'api_keys', 'site_settings']) t;
