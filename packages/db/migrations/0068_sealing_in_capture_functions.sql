-- Sealing a captured row's personal columns in the table's generated capture
-- function, not in the envelope trigger.
--
-- Counted with bench/encryption-instructions.ts (callgrind on a single-user
-- PostgreSQL 15 backend, 100 audited updates of one `users` row, one
-- transaction each, email and display name personal vs ordinary), 0063's
-- envelope trigger cost ~476,000 instructions per write more when it sealed
-- than when it found nothing to seal (1.264×; the target is 1.15×), of
-- which pgp_sym_encrypt ~126,000 and the key lookup ~40,000. The rest was
-- PL/pgSQL setting up, in every new transaction, each simple expression and
-- each cached plan the sealing path touches: the cost followed the number
-- of distinct expressions, not what they computed, and rewriting the
-- gathering loops did not move it.
--
-- The capture function of a table knows, when it is generated, the
-- table's personal columns and subject column (audit.sealed_columns, the
-- row the trigger reads). Where the subject is a `user` id, it now seals in
-- the `insert ... select` it already runs: the subject's key through a
-- lateral index probe, the personal columns left out of old_record /
-- new_record, and the envelope built with one expression whose paths are
-- constants. The envelope trigger fires only for a row that arrives without
-- an envelope (a WHEN condition, so a sealed row costs no PL/pgSQL call).
-- Such a capture function keeps a generic plan (plan_cache_mode): PL/pgSQL
-- otherwise re-planned its larger query for every write (~25,000
-- instructions), because a custom plan folds the context's parameters;
-- the key probe is a lateral subquery that cannot be flattened (offset 0),
-- so the generic plan probes the key index whatever the number of rows the
-- plan was first made for.
--
-- Same harness, same database, the code swapped between runs (PostgreSQL
-- 15, instructions per write):
--   0063: personal 2,281,691, ordinary 1,805,283, extra 476,408, 1.264×
--   0068: personal 2,019,862, ordinary 1,809,350, extra 210,512, 1.116×
-- (a second run 1.274× and 1.126×; PostgreSQL 18, 1.254× and 1.127×;
-- `npm run bench:encryption`, backend CPU, median of six runs each:
-- 1.21× and 1.06×).
-- Step by step on the way (extra per write): sealing in the capture
-- function with a plain join and an early return in the trigger 307,960
-- (1.171×); the WHEN condition instead of the early return 273,392
-- (1.151×); the generic plan 207,329 (1.115×); the lateral probe that keeps
-- that plan safe for bulk writes 226,552 (1.126×); the key probe on the old
-- row's id alone, for paired rows only, 210,512.
--
-- The capture function seals only the case it can state exactly; it
-- leaves the row as before (personal values in clear, no envelope) for the
-- trigger's general path when
--   * the subject has no key yet (its first write: the trigger makes it);
--   * an update changed the row's primary key (two rows, each with one
--     record);
--   * the IP address would belong to another subject than the row's (a user
--     acting on another user's row: two entries in the envelope), i.e. an
--     address is set and the actor is a user other than the row's subject;
--   * the table's subject is an email (its subject id needs the HMAC door)
--     or its subject column is redacted or of a type whose text might differ
--     from its jsonb text (only uuid, text and varchar subject columns).
-- What it seals is the trigger's, byte for byte: the same subject (the old
-- row's subject column, else the new row's), the same fields in the same
-- order (old_record then new_record, each in the order of
-- sealed_columns.columns, the columns the record holds, then ip_address),
-- the same plaintext (the jsonb array of [path, value] pairs as text), the
-- same OpenPGP message (pgp_sym_encrypt, cipher-algo=aes256, s2k-mode=1,
-- compress-algo=0, the subject's 256-bit key as hex) and the same subject_id.
-- Envelopes sealed before open as before; erasure destroys the same keys.
--
-- Why a row's envelope can be trusted by the trigger: only the owner and
-- skillhub_system may insert into audit_logs (the runtime role lost INSERT
-- in 0023), and no function but a generated capture function names the
-- `personal` column in an insert. A runtime-role write reaches the ledger
-- only through those functions, none of which copies a value it controls
-- into `personal`; the capture function strips the personal columns by
-- name, whatever their values.
--
-- A change of classification (column_classes, subject_columns,
-- tracked_tables) rebuilds audit.sealed_columns in its own transaction
-- (0063) and now regenerates the capture function of every tracked table
-- whose row in it changed, so the next write seals (or stops sealing) with
-- the new classes, in both directions.
--
-- Changing the ledger's trigger is a change of a guarded control: the
-- alarm (0018) records it, as a migration's, in every chain.

-- The SQL that makes a table's capture function: 0027's, plus the sealing
-- described above for a table whose personal columns belong to a `user`
-- subject. A table without one gets the same function as before.
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
  ctx_tenant_id text := ctx.tenant_id;
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
-- A record as jsonb without its redacted columns and, when the row is
-- sealed (its subject's key was found), without its personal columns too.
create function audit.sealed_record_sql(alias text, redact text[], sealed text[]) returns text
language sql immutable set search_path = '' as $$
  select pg_catalog.format('(pg_catalog.to_jsonb(%s.*) - (case when k.key_id is null then %L else %L end)::text[])',
                           alias, redact::text, (redact || sealed)::text)
$$;
--> statement-breakpoint
-- The subject's key, joined only when the capture function may seal the
-- row itself: the address, if any, is the row subject's (no actor user, or
-- the actor is the subject). `subject` is the subject column's text, `tenant`
-- the event's tenant, `also` any further condition. A subquery that cannot be
-- flattened (offset 0), so that every plan probes the key's index per row.
create function audit.subject_key_join_sql(subject text, tenant text, also text) returns text
language sql immutable set search_path = '' as $$
  select pg_catalog.format(E'\n    left join lateral (select k.key_id, k.secret, k.subject from audit.subject_keys k'
                           || E'\n      where k.tenant_id = coalesce(%2$s, %3$L) and k.subject = %4$L || pg_catalog.lower(%1$s)'
                           || E'\n        and (ctx_ip is null or ctx_actor_type <> %5$L or pg_catalog.lower(ctx_actor_id) = pg_catalog.lower(%1$s))%6$s'
                           || E'\n      offset 0) k on true',
                           subject, tenant, '', 'user:', 'user', also)
$$;
--> statement-breakpoint
-- The envelope of a sealed row, as the trigger builds it: {"<subject>":
-- {"key", "fields", "data"}}, fields per part in the order of `sealed`,
-- then ip_address; data the OpenPGP message of the [path, value] pairs.
-- `parts` are the record names, `aliases` their rows in the query.
create function audit.envelope_sql(parts text[], aliases text[], sealed text[]) returns text
language sql immutable set search_path = '' as $$
  with paths as (
    select pg_catalog.jsonb_build_array(p.part, c.name) as path, p.alias, c.name, p.i, c.j
    from rows from (pg_catalog.unnest(parts), pg_catalog.unnest(aliases)) with ordinality p(part, alias, i)
    cross join pg_catalog.unnest(sealed) with ordinality c(name, j)
  )
  select pg_catalog.format(
    'case when k.key_id is not null then pg_catalog.jsonb_build_object(k.subject, pg_catalog.jsonb_build_object('
    '''key'', k.key_id, ''fields'', case when ctx_ip is null then %1$L::jsonb else %2$L::jsonb end, '
    '''data'', pg_catalog.replace(pg_catalog.encode(public.pgp_sym_encrypt((pg_catalog.jsonb_build_array(%3$s) '
    '|| case when ctx_ip is null then ''[]''::jsonb else pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array('
    '''["ip_address"]''::jsonb, ctx_ip::text)) end)::text, pg_catalog.encode(k.secret, ''hex''), '
    '''cipher-algo=aes256, s2k-mode=1, compress-algo=0''), ''base64''), E''\n'', ''''))) end',
    pg_catalog.jsonb_agg(x.path order by x.i, x.j)::text,
    (pg_catalog.jsonb_agg(x.path order by x.i, x.j) || '[["ip_address"]]'::jsonb)::text,
    pg_catalog.string_agg(pg_catalog.format('pg_catalog.jsonb_build_array(%L::jsonb, pg_catalog.to_jsonb(%s.%I))',
                                            x.path::text, x.alias, x.name), ', ' order by x.i, x.j))
  from paths x
$$;
--> statement-breakpoint
revoke all on function audit.sealed_record_sql(text, text[], text[]), audit.subject_key_join_sql(text, text, text),
  audit.envelope_sql(text[], text[], text[]) from public;
--> statement-breakpoint
-- Regenerates a tracked table's capture function in place (its triggers,
-- owner and grants stay), with the redacted and ignored columns it has.
create function audit.regenerate_capture(target regclass) returns void
language plpgsql set search_path = '' as $$
declare
  t audit.tracked_tables;
  pk text[];
begin
  select * into t from audit.tracked_tables tt where tt.relid = target;
  if not found then
    return;
  end if;
  select array_agg(a.attname::text order by k.ord) into pk
  from pg_catalog.pg_index i
  cross join lateral pg_catalog.unnest(i.indkey) with ordinality as k(attnum, ord)
  join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
  where i.indrelid = target and i.indisprimary;
  execute audit.capture_function_sql(target, t.function_name, pk, t.redact, t.ignored);
end
$$;
--> statement-breakpoint
revoke all on function audit.regenerate_capture(regclass) from public;
--> statement-breakpoint
-- 0063's rebuild, which now also regenerates the capture function of every
-- tracked table whose sealing row changed (appeared, went or differs), in
-- the same transaction: the next write captures with the new classes.
create or replace function audit.refresh_sealed_columns() returns trigger
language plpgsql set search_path = '' as $$
declare
  previous jsonb;
  target regclass;
begin
  lock table audit.sealed_columns in exclusive mode;
  select coalesce(pg_catalog.jsonb_object_agg(s.table_name, pg_catalog.jsonb_build_array(s.columns, s.subject_column, s.subject_kind)), '{}')
    into previous from audit.sealed_columns s;
  delete from audit.sealed_columns;
  insert into audit.sealed_columns (table_name, columns, subject_column, subject_kind)
  select c.relname, pg_catalog.array_agg(cc.column_name::text order by cc.column_name), max(sc.column_name), max(sc.kind)
  from audit.tracked_tables t
  join pg_catalog.pg_class c on c.oid = t.relid::oid
  join audit.column_classes cc on cc.relid = t.relid and cc.class = 'personal'
  left join audit.subject_columns sc on sc.relid = t.relid
  group by c.relname;
  for target in
    select t.relid from audit.tracked_tables t
    join pg_catalog.pg_class c on c.oid = t.relid::oid
    left join audit.sealed_columns s on s.table_name = c.relname
    where (previous -> c.relname::text) is distinct from
          case when s.table_name is not null then pg_catalog.jsonb_build_array(s.columns, s.subject_column, s.subject_kind) end
  loop
    perform audit.regenerate_capture(target);
  end loop;
  return null;
end
$$;
--> statement-breakpoint
-- The envelope trigger, 0046's, now fired only for a row that arrives
-- without an envelope; its function is 0063's, unchanged. Only the owner
-- and skillhub_system insert into audit_logs, and only a generated capture
-- function sets `personal` (see the header). A condition, not an early
-- return inside the function: a row sealed by its capture function then
-- costs no PL/pgSQL call at all (~32,000 instructions per write).
create or replace trigger audit_logs_personal_fields before insert on public.audit_logs
  for each row when (new.personal is null) execute function audit.encrypt_personal_fields();
--> statement-breakpoint
-- Every tracked table's capture function made again with the sealing above.
select audit.regenerate_capture(t.relid) from audit.tracked_tables t;
