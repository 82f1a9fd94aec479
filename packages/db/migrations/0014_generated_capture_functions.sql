-- Change capture, rewritten for cost. bench/audit.ts measured the shared
-- capture functions of 0008/0013 at 3.2× an untracked bulk UPDATE: they
-- built each row's jsonb several times (once per use after the planner
-- flattened the subquery) and diffed old and new through jsonb_each, about
-- 60 µs per row. enable_tracking now generates one function per table with
-- static SQL: each record is built once, changed_fields compares the
-- columns themselves, and old and new rows are paired on the table's own
-- key columns.
--
-- A generated function knows the columns it was generated for, so it must
-- be regenerated when they change: the migration runner calls
-- audit.refresh_tracking() after every run that applied a migration, and the
-- doctor reports a tracked table whose columns changed since.
--
-- The ledger also drops its foreign key to tenants: checking it cost a
-- row-level trigger call per recorded change (the very cost statement-level
-- capture avoids), and the ledger must outlive whatever it records. The
-- policy's WITH CHECK still pins tenant_id to the transaction's tenant
-- context.
alter table audit_logs drop constraint audit_logs_tenant_id_fkey;
--> statement-breakpoint
-- What enable_tracking generated for each table: the function, the columns
-- it was generated for (name and type, to notice a change) and the redacted
-- columns (kept when capture is regenerated).
create table audit.tracked_tables (
  relid regclass primary key,
  function_name text not null unique,
  columns text[] not null,
  redact text[] not null
);
--> statement-breakpoint
revoke all on audit.tracked_tables from public;
--> statement-breakpoint
-- A table's columns as enable_tracking sees them, in order: name, type and
-- whether the primary key holds it.
create function audit.column_signature(target regclass) returns text[]
language sql stable set search_path = '' as $$
  select coalesce(pg_catalog.array_agg(
           a.attname::text || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
             || case when exists (select from pg_catalog.pg_index i
                                  where i.indrelid = target and i.indisprimary and a.attnum = any (i.indkey))
                     then ' primary key' else '' end
           order by a.attnum), '{}')
  from pg_catalog.pg_attribute a
  where a.attrelid = target and a.attnum > 0 and not a.attisdropped
$$;
--> statement-breakpoint
-- The SQL that creates a table's capture function `audit.<fn>`. One function
-- serves the insert, update and delete triggers, each of which names its
-- transition tables old_rows / new_rows; PL/pgSQL plans only the branch
-- that runs. The body is passed as a quoted literal, so no table or column
-- name can end it. Old and new rows of an UPDATE pair by hashing (work_mem
-- for a 100,000-row statement's hash): left to itself, the planner sorted
-- both transition tables of whole rows for a merge join, spilling them to
-- disk, which cost a 100,000-row UPDATE about 5% more (bench/audit.ts,
-- 1.63-1.67× → 1.56-1.58×).
create function audit.capture_function_sql(target regclass, fn text, pk text[], redact text[]) returns text
language plpgsql stable set search_path = '' as $$
declare
  rel_name text;
  has_tenant boolean;
  -- Resource id: the key without tenant_id and without redacted columns, as
  -- text (one column) or as a jsonb object (several); null when none is left.
  id_cols text[];
  changed text;
  pairing text;
  body text;
  columns text := 'tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address, '
    'request_id, operation, table_name, old_record, new_record, changed_fields';
begin
  select c.relname into rel_name from pg_catalog.pg_class c where c.oid = target;
  has_tenant := exists (select from pg_catalog.pg_attribute a
                        where a.attrelid = target and a.attname = 'tenant_id' and a.attnum > 0 and not a.attisdropped);
  id_cols := coalesce(nullif(pg_catalog.array_remove(pk, 'tenant_id'), '{}'), pk);
  id_cols := array(select c from pg_catalog.unnest(id_cols) c where c <> all (redact));
  -- A column compares with its type's own equality where that type (for an
  -- array, its element type) has a default btree operator class, the mark of
  -- an equality that means "the same value"; any other type (box, whose =
  -- compares areas; json, which has none) compares as text.
  select pg_catalog.string_agg(pg_catalog.format(
           case when exists (select from pg_catalog.pg_opclass oc join pg_catalog.pg_am am on am.oid = oc.opcmethod
                             where am.amname = 'btree' and oc.opcdefault and oc.opcintype = e.elem)
                then 'case when o.%1$I is distinct from n.%1$I then %1$L end'
                else 'case when o.%1$I::text is distinct from n.%1$I::text then %1$L end' end,
           a.attname), ', ' order by a.attname)
    into changed
  from pg_catalog.pg_attribute a
  join pg_catalog.pg_type t on t.oid = a.atttypid
  cross join lateral (select case when t.typcategory = 'A' then t.typelem else t.oid end as elem) e
  where a.attrelid = target and a.attnum > 0 and not a.attisdropped;
  select pg_catalog.string_agg(pg_catalog.format('o.%1$I = n.%1$I', k), ' and ') into pairing
  from pg_catalog.unnest(pk) k;
  body := pg_catalog.format($f$#variable_conflict use_variable
-- Generated by audit.enable_tracking; regenerate it, never edit it.
-- The transaction's context, read once per statement.
declare
  ctx_actor_type text := audit.context_actor_type();
  ctx_actor_id text := audit.context_text('app.actor_id');
  ctx_ip inet := audit.context_text('app.ip')::inet;
  ctx_request_id text := audit.context_text('app.request_id');
begin
  if tg_op = 'UPDATE' then
    insert into public.audit_logs (%1$s)
    select %2$s, ctx_actor_type, ctx_actor_id, %3$L, %4$L, %5$s, ctx_ip, ctx_request_id, 'UPDATE', %4$L, %6$s, %7$s,
           pg_catalog.array_remove(array[%8$s]::text[], null)
    from old_rows o full join new_rows n on %9$s;
  elsif tg_op = 'INSERT' then
    insert into public.audit_logs (%1$s)
    select %10$s, ctx_actor_type, ctx_actor_id, %11$L, %4$L, %12$s, ctx_ip, ctx_request_id, 'INSERT', %4$L, null, %13$s, null
    from new_rows r;
  else
    insert into public.audit_logs (%1$s)
    select %10$s, ctx_actor_type, ctx_actor_id, %14$L, %4$L, %12$s, ctx_ip, ctx_request_id, 'DELETE', %4$L, %13$s, null, null
    from old_rows r;
  end if;
  return null;
end
$f$,
    columns,
    case when has_tenant then 'coalesce(n.tenant_id, o.tenant_id)::text'
         else 'audit.context_text(''app.current_tenant_id'')' end,
    rel_name || '.update', rel_name,
    -- Key columns are never null, so a null one marks the side an unpaired row lacks.
    pg_catalog.format('case when n.%I is null then %s else %s end', pk[1],
                      audit.resource_id_sql('o', id_cols), audit.resource_id_sql('n', id_cols)),
    audit.record_sql('o', redact), audit.record_sql('n', redact), changed, pairing,
    case when has_tenant then 'r.tenant_id::text' else 'audit.context_text(''app.current_tenant_id'')' end,
    rel_name || '.insert', audit.resource_id_sql('r', id_cols), audit.record_sql('r', redact),
    rel_name || '.delete');
  return pg_catalog.format(
    'create or replace function audit.%I() returns trigger language plpgsql '
    'set search_path = '''' set work_mem = ''64MB'' set enable_mergejoin = off as %L', fn, body);
end
$$;
--> statement-breakpoint
create function audit.resource_id_sql(alias text, id_cols text[]) returns text
language sql immutable set search_path = '' as $$
  select case pg_catalog.cardinality(id_cols)
           when 0 then 'null::text'
           when 1 then pg_catalog.format('%s.%I::text', alias, id_cols[1])
           else pg_catalog.format('pg_catalog.jsonb_build_object(%s)::text',
                  (select pg_catalog.string_agg(pg_catalog.format('%L, %s.%I', c, alias, c), ', ')
                   from pg_catalog.unnest(id_cols) c)) end
$$;
--> statement-breakpoint
-- A row as jsonb, without its redacted columns. `alias.*`, not `alias`: a
-- bare alias would mean a column of that name, were the table to have one.
create function audit.record_sql(alias text, redact text[]) returns text
language sql immutable set search_path = '' as $$
  select case when pg_catalog.cardinality(redact) = 0 then pg_catalog.format('pg_catalog.to_jsonb(%s.*)', alias)
              else pg_catalog.format('(pg_catalog.to_jsonb(%s.*) - %L::text[])', alias, redact::text) end
$$;
--> statement-breakpoint
-- Attaches change capture to a table; calling it again regenerates it.
-- Redacted columns: `redact` when given, else what the table was tracked
-- with before, else the columns whose names suggest a secret. A redacted
-- column's value never reaches the ledger (not even as a resource id), but
-- a change to it is still named in changed_fields.
create or replace function audit.enable_tracking(target regclass, redact text[] default null) returns void
language plpgsql set search_path = '' as $$
declare
  pk text[];
  -- By oid: unique, whatever the names, and within PostgreSQL's 63 bytes.
  fn text := 'capture_' || target::oid;
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
    select t.redact into redact from audit.tracked_tables t where t.relid = target;
  end if;
  if redact is null then
    select coalesce(array_agg(a.attname::text order by a.attnum), '{}') into redact
    from pg_catalog.pg_attribute a
    where a.attrelid = target and a.attnum > 0 and not a.attisdropped
      and a.attname ~ '(password|secret|token|key_hash|recovery_code)';
  end if;
  perform audit.disable_tracking(target);
  execute audit.capture_function_sql(target, fn, pk, redact);
  execute pg_catalog.format('comment on function audit.%I() is %L', fn,
                            'Change capture of ' || target::text || ', generated by audit.enable_tracking.');
  execute pg_catalog.format('create trigger audit_capture_insert after insert on %s
    referencing new table as new_rows for each statement execute function audit.%I()', target, fn);
  execute pg_catalog.format('create trigger audit_capture_update after update on %s
    referencing old table as old_rows new table as new_rows for each statement execute function audit.%I()', target, fn);
  execute pg_catalog.format('create trigger audit_capture_delete after delete on %s
    referencing old table as old_rows for each statement execute function audit.%I()', target, fn);
  execute pg_catalog.format('create trigger audit_capture_truncate after truncate on %s
    for each statement execute function audit.capture_truncate()', target);
  insert into audit.tracked_tables (relid, function_name, columns, redact)
  values (target, fn, audit.column_signature(target), redact);
end
$$;
--> statement-breakpoint
-- Removes change capture from a table: its triggers, the function generated
-- for it, and its entry in audit.tracked_tables.
create or replace function audit.disable_tracking(target regclass) returns void
language plpgsql set search_path = '' as $$
declare
  generated text;
begin
  delete from audit.tracked_tables t where t.relid = target returning t.function_name into generated;
  execute pg_catalog.format('drop trigger if exists audit_capture_insert on %s', target);
  execute pg_catalog.format('drop trigger if exists audit_capture_update on %s', target);
  execute pg_catalog.format('drop trigger if exists audit_capture_delete on %s', target);
  execute pg_catalog.format('drop trigger if exists audit_capture_truncate on %s', target);
  if generated is not null then
    execute pg_catalog.format('drop function if exists audit.%I()', generated);
  end if;
end
$$;
--> statement-breakpoint
-- Regenerates capture for every tracked table whose columns changed since
-- it was generated (and forgets tables that were dropped); returns how many
-- it regenerated. The migration runner calls it after applying migrations.
create function audit.refresh_tracking() returns integer
language plpgsql set search_path = '' as $$
declare
  t record;
  refreshed integer := 0;
begin
  delete from audit.tracked_tables tt
  where not exists (select from pg_catalog.pg_class c where c.oid = tt.relid::oid);
  for t in select tt.relid, tt.redact from audit.tracked_tables tt
           where tt.columns is distinct from audit.column_signature(tt.relid) loop
    perform audit.enable_tracking(t.relid, t.redact);
    refreshed := refreshed + 1;
  end loop;
  return refreshed;
end
$$;
--> statement-breakpoint
revoke all on function audit.column_signature(regclass), audit.capture_function_sql(regclass, text, text[], text[]),
  audit.resource_id_sql(text, text[]), audit.record_sql(text, text[]), audit.refresh_tracking() from public;
--> statement-breakpoint
-- Regenerate capture on every table tracked with the shared functions,
-- keeping the redacted columns each was given (its trigger's first argument).
select audit.enable_tracking(t.tgrelid::regclass,
         (pg_catalog.string_to_array(pg_catalog.encode(t.tgargs, 'escape'), '\000'))[1]::text[])
from pg_trigger t
where t.tgname = 'audit_capture_update' and t.tgfoid = 'audit.capture_update()'::regprocedure;
--> statement-breakpoint
drop function audit.capture_update();
--> statement-breakpoint
drop function audit.capture_insert_or_delete();
