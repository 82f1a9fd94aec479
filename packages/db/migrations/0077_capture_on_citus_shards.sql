-- Change capture on a converted Citus cluster (docs/citus.md, "Writes on the shards"). A tracked table's
-- capture fires on the shard it wrote, on a worker, where `insert into public.audit_logs ... from new_rows`
-- is a distributed INSERT ... SELECT that Citus plans without the trigger's transition table ("executor
-- could not find named tuplestore"); on the coordinator, a table that stays there (the deployment sink)
-- meets the same refusal. The generator now writes the statement for where its table lies:
--   local        one server, or a ledger not distributed: the statements as before, byte for byte;
--   shard        a table distributed beside the ledger: the insert goes to the ledger's shard covering
--                the same hash range, found at run time (every event's tenant is its row's, so it
--                belongs there), with the subject keys' shard beside it; EXECUTE, the context passed as
--                parameters;
--   coordinator  a table left on the coordinator while the ledger is distributed: the events gathered
--                as JSON first (a local read of the transition table), then inserted from that value,
--                which Citus routes.
-- The shard helpers (audit.shard_of, audit.colocated_shard) are installed by the conversion
-- (packages/db/citus/); on one server nothing calls them.

-- Where a tracked table's capture writes from: 'local', 'shard' or 'coordinator' (above).
create function audit.capture_placement(target regclass) returns text
language plpgsql stable set search_path = '' as $$
declare
  ledger_distributed boolean;
  beside_ledger boolean;
begin
  if pg_catalog.to_regclass('pg_catalog.pg_dist_partition') is null then
    return 'local';
  end if;
  execute 'select exists (select from pg_catalog.pg_dist_partition l where l.logicalrelid = $1),
                  exists (select from pg_catalog.pg_dist_partition l
                          join pg_catalog.pg_dist_partition t on t.colocationid = l.colocationid
                          where l.logicalrelid = $1 and t.logicalrelid = $2 and t.partmethod = ''h'')'
    into ledger_distributed, beside_ledger using 'public.audit_logs'::regclass, target;
  return case when not ledger_distributed then 'local' when beside_ledger then 'shard' else 'coordinator' end;
end
$$;
--> statement-breakpoint
revoke all on function audit.capture_placement(regclass) from public;
--> statement-breakpoint
-- One capture statement, `select_sql` giving the ledger's `columns` in order, written for `placement`.
create function audit.capture_statement_sql(placement text, columns text, select_sql text) returns text
language plpgsql immutable set search_path = '' as $$
declare
  -- The context's variables as EXECUTE's parameters, in the order the shard form passes them. A name is
  -- replaced only where it stands alone (not a column such as o.ctx_ip or a quoted "ctx_ip").
  names constant text[] := array['ctx_tenant_id', 'ctx_actor_type', 'ctx_actor_id', 'ctx_ip', 'ctx_request_id'];
  parameterized text := select_sql;
  pieces text[];
begin
  if placement = 'local' then
    return pg_catalog.format(E'    insert into public.audit_logs (%s)\n    %s;', columns, select_sql);
  elsif placement = 'coordinator' then
    return pg_catalog.format(
      E'    select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(e)) into events from (\n    %2$s) e (%1$s);\n'
      || E'    insert into public.audit_logs (%1$s)\n'
      || E'    select %1$s from pg_catalog.jsonb_populate_recordset(null::public.audit_logs, events);',
      columns, select_sql);
  elsif placement <> 'shard' then
    raise exception 'no capture statement for placement %', placement;
  end if;
  for i in 1 .. pg_catalog.cardinality(names) loop
    parameterized := pg_catalog.regexp_replace(parameterized, '(?<![[:alnum:]_."$])' || names[i] || '(?![[:alnum:]_"])',
                                               '$' || i, 'g');
  end loop;
  -- The subject keys' table, named by subject_key_join_sql, becomes its shard beside the ledger's.
  pieces := pg_catalog.string_to_array(' (' || columns || E')\n      ' || parameterized, 'from audit.subject_keys k');
  return pg_catalog.format(
    E'    execute \'insert into \' || ledger || %s\n      using ctx_tenant_id, ctx_actor_type, ctx_actor_id, ctx_ip, ctx_request_id;',
    pg_catalog.array_to_string(array(select pg_catalog.quote_literal(p) from pg_catalog.unnest(pieces) p),
                               E'\n      || \'from \' || subject_keys || \' k\' || '));
end
$$;
--> statement-breakpoint
revoke all on function audit.capture_statement_sql(text, text, text) from public;
--> statement-breakpoint
-- 0074's generator, its three statements written by audit.capture_statement_sql for the table's placement.
create or replace function audit.capture_function_sql(target regclass, fn text, pk text[], redact text[], ignored text[])
returns text
language plpgsql stable set search_path = '' as $$
declare
  rel_name text;
  has_tenant boolean;
  id_cols text[];
  changed text;
  pairing text;
  body text;
  columns text := 'tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address, '
    'request_id, operation, table_name, old_record, new_record, changed_fields';
  -- Sealing: the personal columns the trigger would find in a record, in its order, and the subject.
  sealed text[];
  subject_column text;
  subject_kind text;
  subject_type regtype;
  seal boolean;
  ip_sql text := 'ctx_ip';
  update_extra text := '';
  update_join text := '';
  insert_extra text := '';
  insert_join text := '';
  delete_extra text := '';
  delete_join text := '';
  old_rec text;
  new_rec text;
  row_rec text;
  update_select text;
  insert_select text;
  delete_select text;
  placement text;
begin
  select c.relname into rel_name from pg_catalog.pg_class c where c.oid = target;
  has_tenant := exists (select from pg_catalog.pg_attribute a
                        where a.attrelid = target and a.attname = 'tenant_id' and a.attnum > 0 and not a.attisdropped);
  id_cols := coalesce(nullif(pg_catalog.array_remove(pk, 'tenant_id'), '{}'), pk);
  id_cols := array(select c from pg_catalog.unnest(id_cols) c where c <> all (redact));
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
  where a.attrelid = target and a.attnum > 0 and not a.attisdropped and a.attname::text <> all (ignored);
  select pg_catalog.string_agg(pg_catalog.format('o.%1$I = n.%1$I', k), ' and ') into pairing
  from pg_catalog.unnest(pk) k;
  old_rec := audit.record_sql('o', redact);
  new_rec := audit.record_sql('n', redact);
  row_rec := audit.record_sql('r', redact);
  select s.columns, s.subject_column, s.subject_kind into sealed, subject_column, subject_kind
  from audit.sealed_columns s where s.table_name = rel_name;
  sealed := array(select c from pg_catalog.unnest(sealed) with ordinality u(c, i)
                  where c <> all (redact)
                    and exists (select from pg_catalog.pg_attribute a where a.attrelid = target and a.attname = c
                                and a.attnum > 0 and not a.attisdropped)
                  order by i);
  select a.atttypid::regtype into subject_type from pg_catalog.pg_attribute a
  where a.attrelid = target and a.attname = subject_column and a.attnum > 0 and not a.attisdropped;
  seal := subject_kind = 'user' and subject_column <> all (redact) and pg_catalog.cardinality(sealed) > 0
          and subject_type in ('uuid'::regtype, 'text'::regtype, 'character varying'::regtype);
  if seal then
    columns := columns || ', personal, subject_id';
    ip_sql := 'case when k.key_id is null then ctx_ip end';
    old_rec := audit.sealed_record_sql('o', redact, sealed);
    new_rec := audit.sealed_record_sql('n', redact, sealed);
    row_rec := audit.sealed_record_sql('r', redact, sealed);
    update_extra := ', ' || audit.envelope_sql(array['old_record', 'new_record'], array['o', 'n'], sealed) || ', k.subject';
    -- Only a paired row (old and new): one whose key changed is two rows, each with one record, left to the trigger.
    update_join := audit.subject_key_join_sql(pg_catalog.format('o.%I::text', subject_column),
      case when has_tenant then 'coalesce(n.tenant_id, o.tenant_id)::text' else 'ctx_tenant_id' end,
      pg_catalog.format(' and n.%I is not null', pk[1]));
    insert_extra := ', ' || audit.envelope_sql(array['new_record'], array['r'], sealed) || ', k.subject';
    delete_extra := ', ' || audit.envelope_sql(array['old_record'], array['r'], sealed) || ', k.subject';
    insert_join := audit.subject_key_join_sql(pg_catalog.format('r.%I::text', subject_column),
      case when has_tenant then 'r.tenant_id::text' else 'ctx_tenant_id' end, '');
    delete_join := insert_join;
  end if;
  -- Each statement's select, the ledger's columns in order.
  update_select := pg_catalog.format($f$select %1$s, ctx_actor_type, ctx_actor_id, %2$L, %3$L, %4$s, %10$s, ctx_request_id, 'UPDATE', %3$L, %5$s, %6$s,
           pg_catalog.array_remove(array[%7$s]::text[], null)%11$s
    from old_rows o full join new_rows n on %8$s%12$s%9$s$f$,
    case when has_tenant then 'coalesce(n.tenant_id, o.tenant_id)::text' else 'ctx_tenant_id' end,
    rel_name || '.update', rel_name,
    pg_catalog.format('case when n.%I is null then %s else %s end', pk[1],
                      audit.resource_id_sql('o', id_cols), audit.resource_id_sql('n', id_cols)),
    old_rec, new_rec, changed, pairing,
    case when pg_catalog.cardinality(ignored) > 0
         then pg_catalog.format(E'\n    where pg_catalog.cardinality(pg_catalog.array_remove(array[%s]::text[], null)) > 0',
                                changed)
         else '' end,
    ip_sql, update_extra, update_join);
  insert_select := pg_catalog.format($f$select %1$s, ctx_actor_type, ctx_actor_id, %2$L, %3$L, %4$s, %5$s, ctx_request_id, 'INSERT', %3$L, null, %6$s, null%7$s
    from new_rows r%8$s$f$,
    case when has_tenant then 'r.tenant_id::text' else 'ctx_tenant_id' end,
    rel_name || '.insert', rel_name, audit.resource_id_sql('r', id_cols), ip_sql, row_rec, insert_extra, insert_join);
  delete_select := pg_catalog.format($f$select %1$s, ctx_actor_type, ctx_actor_id, %2$L, %3$L, %4$s, %5$s, ctx_request_id, 'DELETE', %3$L, %6$s, null, null%7$s
    from old_rows r%8$s$f$,
    case when has_tenant then 'r.tenant_id::text' else 'ctx_tenant_id' end,
    rel_name || '.delete', rel_name, audit.resource_id_sql('r', id_cols), ip_sql, row_rec, delete_extra, delete_join);
  placement := audit.capture_placement(target);
  body := pg_catalog.format($f$#variable_conflict use_variable
-- Generated by audit.enable_tracking; regenerate it, never edit it.
-- The transaction's verified context (or, outside one, the door's stated
-- caller; never a tenant), read once per statement.
declare
  ctx platform.request_context := platform.attribution();
  ctx_tenant_id text := coalesce(ctx.tenant_id, '');
  ctx_actor_type text := coalesce(ctx.actor_type, 'system');
  ctx_actor_id text := ctx.actor_id;
  ctx_ip inet := ctx.ip;
  ctx_request_id text := ctx.request_id;%1$s
begin
  if tg_op = 'UPDATE' then
%2$s
  elsif tg_op = 'INSERT' then
%3$s
  else
%4$s
  end if;
  return null;
end
$f$,
    case placement
      when 'shard' then E'\n  -- On a Citus worker: the ledger\'s shard beside the one this trigger fires on.'
                        || E'\n  shard bigint := audit.shard_of(tg_relid);'
                        || E'\n  ledger text := audit.colocated_shard(shard, \'public.audit_logs\');'
                        || case when seal then E'\n  subject_keys text := audit.colocated_shard(shard, \'audit.subject_keys\');' else '' end
      when 'coordinator' then E'\n  events jsonb;'
      else '' end,
    audit.capture_statement_sql(placement, columns, update_select),
    audit.capture_statement_sql(placement, columns, insert_select),
    audit.capture_statement_sql(placement, columns, delete_select));
  return pg_catalog.format(
    'create or replace function audit.%I() returns trigger language plpgsql security definer '
    'set search_path = '''' set work_mem = ''64MB'' set enable_mergejoin = off%s as %L', fn,
    case when seal then ' set plan_cache_mode = force_generic_plan' else '' end, body);
end
$$;
