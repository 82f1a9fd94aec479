-- A change to platform.deployment_sink, the one tracked table without tenant_id, was recorded into a chain
-- named "'" since 0070 instead of the system chain: 0070's capture template wrote the system chain's name
-- as '''' inside a dollar-quoted body, which is the one-character string "'". Sealing then refused each such
-- event as naming a tenant that does not exist, so no chain vouched for it and the doctor failed.
--
-- The template again with '' (nothing else changes), every capture function regenerated from it, and the
-- events written before rekeyed into the system chain; those sealing had already refused lie below the
-- sealing cursor and are sealed here, at the system chain's head, in the order they were written.
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
  ctx_request_id text := ctx.request_id;
begin
  if tg_op = 'UPDATE' then
    insert into public.audit_logs (%1$s)
    select %2$s, ctx_actor_type, ctx_actor_id, %3$L, %4$L, %5$s, %16$s, ctx_request_id, 'UPDATE', %4$L, %6$s, %7$s,
           pg_catalog.array_remove(array[%8$s]::text[], null)%17$s
    from old_rows o full join new_rows n on %9$s%18$s%15$s;
  elsif tg_op = 'INSERT' then
    insert into public.audit_logs (%1$s)
    select %10$s, ctx_actor_type, ctx_actor_id, %11$L, %4$L, %12$s, %16$s, ctx_request_id, 'INSERT', %4$L, null, %13$s, null%19$s
    from new_rows r%20$s;
  else
    insert into public.audit_logs (%1$s)
    select %10$s, ctx_actor_type, ctx_actor_id, %14$L, %4$L, %12$s, %16$s, ctx_request_id, 'DELETE', %4$L, %13$s, null, null%21$s
    from old_rows r%22$s;
  end if;
  return null;
end
$f$,
    columns,
    case when has_tenant then 'coalesce(n.tenant_id, o.tenant_id)::text' else 'ctx_tenant_id' end,
    rel_name || '.update', rel_name,
    pg_catalog.format('case when n.%I is null then %s else %s end', pk[1],
                      audit.resource_id_sql('o', id_cols), audit.resource_id_sql('n', id_cols)),
    old_rec, new_rec, changed, pairing,
    case when has_tenant then 'r.tenant_id::text' else 'ctx_tenant_id' end,
    rel_name || '.insert', audit.resource_id_sql('r', id_cols), row_rec,
    rel_name || '.delete',
    case when pg_catalog.cardinality(ignored) > 0
         then pg_catalog.format(E'\n    where pg_catalog.cardinality(pg_catalog.array_remove(array[%s]::text[], null)) > 0',
                                changed)
         else '' end,
    ip_sql, update_extra, update_join, insert_extra, insert_join, delete_extra, delete_join);
  return pg_catalog.format(
    'create or replace function audit.%I() returns trigger language plpgsql security definer '
    'set search_path = '''' set work_mem = ''64MB'' set enable_mergejoin = off%s as %L', fn,
    case when seal then ' set plan_cache_mode = force_generic_plan' else '' end, body);
end
$$;
--> statement-breakpoint
select audit.regenerate_capture(t.relid) from audit.tracked_tables t;
--> statement-breakpoint
-- The rows written before, if any. They are counted as skillhub_system (it bypasses row level security, which
-- is forced on audit_logs), so a database that never had one opens nothing: opening the ledger sets off the
-- security control alarm, as in 0070. Only the deployment sink's own unsealed changes are moved: a workspace
-- whose id is "'" (no door makes one; ids are uuids) would have sealed them in its chain, which stays as it is.
do $$
declare
  misfiled bigint;
  refused_ids uuid[];
  head_position bigint;
  grown bigint;
begin
  execute 'set local role skillhub_system';
  select pg_catalog.count(*) into misfiled from public.audit_logs l
  where l.tenant_id = '''' and l.table_name = 'deployment_sink'
    and not exists (select from audit.seals s where s.event_id = l.id);
  execute 'reset role';
  if misfiled = 0 then
    return;
  end if;
  alter table public.audit_logs no force row level security, disable trigger audit_logs_append_only;
  update public.audit_logs l set tenant_id = ''
  where l.tenant_id = '''' and l.table_name = 'deployment_sink'
    and not exists (select from audit.seals s where s.event_id = l.id);
  execute 'set local role skillhub_system';
  -- Sealing waits for this transaction; a sealer that runs meanwhile would race for the same head.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skillhub.audit.seal'));
  select pg_catalog.array_agg(r.event_id order by r.txid, r.seq) into refused_ids
  from audit.refused_events r where r.named_tenant = '''';
  select coalesce(pg_catalog.max(s.position), 0) into head_position from audit.seals s where s.chain = '';
  with batch as materialized (
    select l.id, l.txid, l.seq, l.created_at,
           pg_catalog.sha256(e.canonical) as event_hash,
           pg_catalog.sha256('\x00'::bytea operator(pg_catalog.||) e.canonical) as leaf_hash
    from public.audit_logs l
    cross join lateral (select pg_catalog.convert_to(audit.canonical_text(l), 'UTF8') as canonical) e
    where l.tenant_id = '' and l.id = any (coalesce(refused_ids, '{}'))
      and not exists (select from audit.seals s where s.event_id = l.id)
  ),
  head as (
    select coalesce((select s.chain_hash from audit.seals s where s.chain = '' and s.position = head_position),
                    audit.genesis_hash('')) as chain_hash
  ),
  sealing as (
    insert into audit.seals (chain, position, event_id, txid, seq, event_hash, chain_hash, leaf_hash, created_at)
    select '', head_position + pg_catalog.row_number() over w, b.id, b.txid, b.seq, b.event_hash,
           audit.chain_fold(h.chain_hash, b.event_hash) over w, b.leaf_hash, b.created_at
    from batch b cross join head h
    window w as (order by b.txid, b.seq rows between unbounded preceding and current row)
    returning 1
  )
  select pg_catalog.count(*) into grown from sealing;
  if grown > 0 then
    perform audit.extend_trees(array[''], array[head_position], array[head_position + grown]);
  end if;
  execute 'reset role';
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, metadata)
  values ('', 'system', 'migration', 'audit.system_chain_rekeyed', 'audit_chain', 'system',
          pg_catalog.jsonb_build_object('migration', '0074', 'from', '''', 'to', '',
                                        'rows', pg_catalog.jsonb_build_object('audit_logs', misfiled),
                                        'sealed_after_refusal', grown));
  alter table public.audit_logs force row level security, enable trigger audit_logs_append_only;
end
$$;
