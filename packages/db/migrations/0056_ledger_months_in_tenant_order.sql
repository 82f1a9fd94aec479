-- A closed month of the ledger rewritten once in tenant order (issue 16's
-- 30-day window target).
--
-- Events reach a month in time order, so one workspace's events lie one
-- to a heap page, interleaved with every other workspace's, and a page of
-- the console's timeline (51 rows on the (tenant_id, created_at desc)
-- index) reads ~55 heap pages; cold, that is milliseconds. The same rows
-- stored in (tenant_id, created_at) order read 4-6 pages. A month that no
-- longer takes writes can be rewritten in that order once: this migration
-- adds the door that does it, audit.order_ledger_month, for audit_logs.
-- security_events is left as written: it holds one row per sign-in or
-- alarm, far fewer than the ledger, and its readers (the login throttle,
-- the console's security list) read the current month by e-mail, IP or
-- workspace, where the pages are hot; ordering it would cost a rewrite for
-- no measured gain.
--
-- "Closed": the month ended more than a day ago (a transaction that began
-- before midnight writes with its start time, and the sealer needs its
-- transaction to end first), and every event of it is sealed. Nothing
-- rewrites a ledger row; the only writers of a closed month are retention's
-- deletes (0048's per-workspace door, 0052's retirement). The door holds
-- the retirement lock and a SHARE lock on the month from the start: reads
-- go on, any insert or delete aimed at the month waits until the door has
-- committed or given up.
--
-- The rewrite, in one transaction:
--   1. copy: a new table LIKE the month (same columns, defaults, checks),
--      filled by one `insert ... select ... order by tenant_id, created_at,
--      seq, id` read through the parent (as skillhub_system, which row
--      level security does not filter: a non-superuser owner would see no
--      rows of a partition with FORCE row level security, and copy none);
--      then the month's indexes and constraints built on it, so ATTACH
--      adopts them instead of building its own, and a CHECK equal to the
--      month's bound, so ATTACH trusts it instead of scanning;
--   2. proof: the count and an order-independent digest of every row (the
--      sum of two 64-bit halves of each row's md5, exact in numeric) of the
--      month and of the copy, equal, or the door raises and nothing changed;
--   3. the month's row level security, policies, statement triggers,
--      owner, grants and storage options given to the copy;
--   4. swap, under lock_timeout 1s (DETACH takes ACCESS EXCLUSIVE on the
--      parent, and every request that reads the ledger queues behind a
--      waiting DETACH: a long reader makes the door give up, with SQLSTATE
--      55P03, and the next pass tries again): DETACH the month, ATTACH the
--      copy (SHARE UPDATE EXCLUSIVE on the parent, the row triggers cloned
--      onto it), DROP the month, the copy renamed to the month's name, the
--      bound dropped (the indexes took the month's index names before);
--   5. the copy's security controls compared with the month's as they
--      stood before the swap (audit.current_security_controls: row level
--      security, owner, grants, policies, triggers), equal or the door
--      raises; the month remembered as ordered (audit.ordered_ledger_months,
--      by the new table's oid, so a month re-created under the same name is
--      not taken for ordered); `audit.ledger_month_ordered` recorded in the
--      system chain with the month, its row count and the digest.
-- A reader sees the old month or the new one: a statement waits for the
-- swap's locks and plans after them, and in READ COMMITTED (every request)
-- it takes its snapshot after that. A REPEATABLE READ transaction whose
-- snapshot is older than the swap and that first reads the ledger after it
-- would see the month empty (the copy's rows are the door's transaction's,
-- as after TRUNCATE); the one such reader, the chain verifier, locks the
-- ledger before its snapshot is taken, so the door waits for it instead.
--
-- The security control alarm (0018) would read the month's controls
-- vanishing as a weakening; as in ensure_ledger_partitions and audit.
-- drop_ledger_month, the month is marked as handled by this transaction
-- (the copy, a new table, is adopted by the alarm's own rule), and the
-- rewrite is recorded explicitly instead.
--
-- Who may call it: the server's signed retention context (claim "k" =
-- "ledger-retention", the maintenance loop) or the operator's connection
-- (the owner, or a member of skillhub_system: `skillhub maintain`); the
-- runtime role with any other context, or none, is refused (42501).

-- The months rewritten in tenant order: one row per ordered table (its
-- oid), with what the proof found. A month retired later leaves its row
-- behind, naming a table that no longer exists.
create table audit.ordered_ledger_months (
  relid oid not null,
  partition_name text not null,
  range_from timestamptz not null,
  range_to timestamptz not null,
  events bigint not null,
  digest text not null,
  ordered_at timestamptz not null default pg_catalog.now(),
  constraint ordered_ledger_months_pkey primary key (relid)
);
--> statement-breakpoint
revoke all on audit.ordered_ledger_months from public;
--> statement-breakpoint
grant select, insert on audit.ordered_ledger_months to skillhub_system;
--> statement-breakpoint
-- The callers the ordering doors answer: the operator's connection (a
-- member of skillhub_system, as the owner is) or the server's retention run
-- (0052's check of its signed context).
create function audit.assert_ledger_maintenance() returns void
language plpgsql stable set search_path = '' as $$
begin
  if not pg_catalog.pg_has_role(session_user, 'skillhub_system', 'member') then
    perform audit.assert_ledger_retention();
  end if;
end
$$;
--> statement-breakpoint
alter function audit.assert_ledger_maintenance() owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.assert_ledger_maintenance() from public;
--> statement-breakpoint
-- The columns of audit_logs, in order, quoted: the row the copy and the
-- digest read, whatever order a partition's own columns are in.
create function audit.ledger_columns() returns text
language sql stable set search_path = '' as $$
  select pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' order by a.attnum)
  from pg_catalog.pg_attribute a
  where a.attrelid = 'public.audit_logs'::regclass and a.attnum > 0 and not a.attisdropped
$$;
--> statement-breakpoint
revoke all on function audit.ledger_columns() from public;
--> statement-breakpoint
-- The month's events that are not sealed yet (read through the parent, as
-- skillhub_system: row level security does not filter it).
create function audit.unsealed_ledger_events(p_from timestamptz, p_to timestamptz) returns bigint
language sql stable security definer set search_path = '' as $$
  select pg_catalog.count(*) from public.audit_logs l
  where l.created_at >= p_from and l.created_at < p_to
    and not exists (select from audit.seals s where s.event_id = l.id)
$$;
--> statement-breakpoint
-- Copies the month's rows, read through the parent, into p_into in tenant
-- order; returns how many.
create function audit.copy_ledger_rows_in_tenant_order(p_into regclass, p_from timestamptz, p_to timestamptz)
returns bigint
language plpgsql security definer set search_path = '' as $$
declare
  copied bigint;
begin
  execute pg_catalog.format('insert into %s (%s) select %s from public.audit_logs '
    'where created_at >= $1 and created_at < $2 order by tenant_id, created_at, seq, id',
    p_into, audit.ledger_columns(), audit.ledger_columns()) using p_from, p_to;
  get diagnostics copied = row_count;
  return copied;
end
$$;
--> statement-breakpoint
-- The count and an order-independent digest of the rows of p_table in
-- [p_from, p_to): equal for the month and its copy exactly when both hold
-- the same rows (as a multiset), whatever their physical order.
create function audit.ledger_rows_digest(p_table regclass, p_from timestamptz, p_to timestamptz)
returns table (events bigint, digest text)
language plpgsql stable security definer set search_path = '' as $$
begin
  return query execute pg_catalog.format(
    'select pg_catalog.count(*), pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(pg_catalog.concat_ws('':'','
    '  pg_catalog.count(*), pg_catalog.sum((''x'' || pg_catalog.left(h, 16))::bit(64)::bigint::numeric),'
    '  pg_catalog.sum((''x'' || pg_catalog.right(h, 16))::bit(64)::bigint::numeric)), ''UTF8'')), ''hex'')'
    ' from (select pg_catalog.md5(row(%s)::text) as h from %s where created_at >= $1 and created_at < $2) r',
    audit.ledger_columns(), p_table) using p_from, p_to;
end
$$;
--> statement-breakpoint
-- Remembers a month as ordered and records it in the system chain (as
-- skillhub_system: an owner that is not a superuser cannot write a row
-- without a tenant under FORCE row level security).
create function audit.record_ledger_month_ordered(p_relid oid, p_partition text, p_from timestamptz,
  p_to timestamptz, p_events bigint, p_digest text)
returns void
language plpgsql security definer set search_path = '' as $$
begin
  insert into audit.ordered_ledger_months (relid, partition_name, range_from, range_to, events, digest)
  values (p_relid, p_partition, p_from, p_to, p_events, p_digest);
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, metadata)
  values (null, 'system', 'maintenance', 'audit.ledger_month_ordered', 'table', 'public.' || p_partition,
    pg_catalog.jsonb_build_object('partition', p_partition, 'rangeFrom', p_from, 'rangeTo', p_to,
      'events', p_events, 'digest', p_digest, 'order', 'tenant_id, created_at, seq, id'));
end
$$;
--> statement-breakpoint
alter function audit.ledger_columns() owner to skillhub_system;
--> statement-breakpoint
alter function audit.unsealed_ledger_events(timestamptz, timestamptz) owner to skillhub_system;
--> statement-breakpoint
alter function audit.copy_ledger_rows_in_tenant_order(regclass, timestamptz, timestamptz) owner to skillhub_system;
--> statement-breakpoint
alter function audit.ledger_rows_digest(regclass, timestamptz, timestamptz) owner to skillhub_system;
--> statement-breakpoint
alter function audit.record_ledger_month_ordered(oid, text, timestamptz, timestamptz, bigint, text)
  owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.unsealed_ledger_events(timestamptz, timestamptz),
  audit.copy_ledger_rows_in_tenant_order(regclass, timestamptz, timestamptz),
  audit.ledger_rows_digest(regclass, timestamptz, timestamptz),
  audit.record_ledger_month_ordered(oid, text, timestamptz, timestamptz, bigint, text)
  from public;
--> statement-breakpoint
do $$
begin
  -- The door below runs as the ledger's owner; a superuser owner can call these anyway.
  execute pg_catalog.format('grant execute on function audit.unsealed_ledger_events(timestamptz, timestamptz), '
    'audit.copy_ledger_rows_in_tenant_order(regclass, timestamptz, timestamptz), '
    'audit.ledger_rows_digest(regclass, timestamptz, timestamptz), '
    'audit.record_ledger_month_ordered(oid, text, timestamptz, timestamptz, bigint, text), '
    'audit.assert_ledger_maintenance(), audit.ledger_columns() to %I', current_user);
end
$$;
--> statement-breakpoint
-- Each month partition of audit_logs, oldest first: whether it is closed by
-- date (it ended more than a day ago; the door also needs every event of it
-- sealed) and whether it is in tenant order. What the maintenance loop
-- picks from and what `skillhub maintain` shows.
create function audit.ledger_month_order()
returns table (partition_name text, range_from timestamptz, range_to timestamptz, closed boolean, ordered boolean,
               ordered_at timestamptz)
language plpgsql stable security definer set search_path = '' as $$
begin
  perform audit.assert_ledger_maintenance();
  return query
  select l.partition_name, l.range_from, l.range_to, l.range_to <= pg_catalog.now() - interval '1 day',
         o.relid is not null, o.ordered_at
  from audit.ledger_partitions l
  left join audit.ordered_ledger_months o
    on o.relid = pg_catalog.format('public.%I', l.partition_name)::regclass and o.partition_name = l.partition_name
  where l.table_name = 'audit_logs' and l.range_from is not null
  order by l.range_from;
end
$$;
--> statement-breakpoint
alter function audit.ledger_month_order() owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.ledger_month_order() from public;
--> statement-breakpoint
grant execute on function audit.ledger_month_order() to skillhub_app;
--> statement-breakpoint
-- The controls the security control alarm compares, of one table, without
-- its oid: what the copy must carry exactly as the month did. Grants never
-- set read as the owner's default, which is what they mean (the copy's are
-- set, having been granted to skillhub_system for the copy and revoked).
create function audit.table_controls(p_table regclass) returns jsonb
language sql stable set search_path = '' as $$
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(c.relation, c.control, c.state,
    case when c.control = 'grants' and c.definition = 'default'
         then (select pg_catalog.acldefault('r', x.relowner)::text from pg_catalog.pg_class x where x.oid = p_table)
         else c.definition end,
    c.guards) order by c.control), '[]')
  from audit.current_security_controls() c where c.relid = p_table
$$;
--> statement-breakpoint
revoke all on function audit.table_controls(regclass) from public;
--> statement-breakpoint
-- The door: rewrites month partition p_partition of audit_logs in tenant
-- order (see above). Returns one row: ordered false when the month already
-- was (nothing done), and the milliseconds of each step.
create function audit.order_ledger_month(p_partition text)
returns table (partition_name text, events bigint, digest text, ordered boolean, copy_ms double precision,
               index_ms double precision, proof_ms double precision, swap_ms double precision)
language plpgsql security definer set search_path = '' set lock_timeout = '10s' as $$
declare
  month record;
  part regclass;
  scratch text := p_partition || '_ordering';
  step timestamptz;
  source record;
  copy record;
  item record;
  renames text[] := '{}';
  controls jsonb;
  n integer := 0;
begin
  perform audit.assert_ledger_maintenance();
  -- One change to the ledger's months at a time: retirement holds this lock while it plans and drops.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skillhub.ledger_retirement'));
  select l.partition_name, l.range_from, l.range_to into month from audit.ledger_partitions l
   where l.table_name = 'audit_logs' and l.partition_name = p_partition and l.range_from is not null;
  if month.partition_name is null then
    raise exception '% is not a month partition of audit_logs', coalesce(p_partition, 'null')
      using errcode = 'invalid_parameter_value';
  end if;
  part := pg_catalog.format('public.%I', p_partition)::regclass;
  select o.events, o.digest into source from audit.ordered_ledger_months o
   where o.relid = part and o.partition_name = p_partition;
  if found then
    return query select p_partition, source.events, source.digest, false, 0::float8, 0::float8, 0::float8, 0::float8;
    return;
  end if;
  if month.range_to > pg_catalog.now() - interval '1 day' then
    raise exception 'month % of the ledger is not closed: it ends %, and is ordered a day after that at the earliest',
      p_partition, pg_catalog.to_char(month.range_to at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"')
      using errcode = 'object_not_in_prerequisite_state';
  end if;
  -- Reads go on; inserts and retention's deletes aimed at the month wait for this transaction.
  execute pg_catalog.format('lock table public.%I in share mode', p_partition);
  if audit.unsealed_ledger_events(month.range_from, month.range_to) > 0 then
    raise exception 'month % of the ledger is not closed: % of its events are not sealed yet', p_partition,
      audit.unsealed_ledger_events(month.range_from, month.range_to)
      using errcode = 'object_not_in_prerequisite_state';
  end if;

  step := pg_catalog.clock_timestamp();
  execute pg_catalog.format('create table public.%I (like public.%I including defaults including constraints '
    'including storage including compression including generated)', scratch, p_partition);
  execute pg_catalog.format('grant select, insert on public.%I to skillhub_system', scratch);
  perform audit.copy_ledger_rows_in_tenant_order(pg_catalog.format('public.%I', scratch)::regclass,
    month.range_from, month.range_to);
  copy_ms := 1000 * extract(epoch from pg_catalog.clock_timestamp() - step);

  step := pg_catalog.clock_timestamp();
  for item in select i.indexrelid, c.relname::text as name, i.indisunique, k.oid as constraint_oid
              from pg_catalog.pg_index i
              join pg_catalog.pg_class c on c.oid = i.indexrelid
              left join pg_catalog.pg_constraint k on k.conindid = i.indexrelid and k.conrelid = part
              where i.indrelid = part order by c.relname loop
    n := n + 1;
    if item.constraint_oid is not null then
      execute pg_catalog.format('alter table public.%I add constraint %I %s', scratch, scratch || '_i' || n,
        pg_catalog.pg_get_constraintdef(item.constraint_oid));
      renames := pg_catalog.array_append(renames, pg_catalog.format(
        'alter table public.%I rename constraint %I to %I', scratch, scratch || '_i' || n, item.name));
    else
      execute pg_catalog.format('create %sindex %I on public.%I%s', case when item.indisunique then 'unique ' end,
        scratch || '_i' || n, scratch, pg_catalog.substr(pg_catalog.pg_get_indexdef(item.indexrelid),
          pg_catalog.strpos(pg_catalog.pg_get_indexdef(item.indexrelid), ' USING ')));
      renames := pg_catalog.array_append(renames,
        pg_catalog.format('alter index public.%I rename to %I', scratch || '_i' || n, item.name));
    end if;
    -- The month's index gives its name up now, not inside the swap: each DDL statement there
    -- (the alarm compares every table's controls after each) lengthens the parent's lock.
    renames := pg_catalog.array_prepend(
      pg_catalog.format('alter index public.%I rename to %I', item.name, p_partition || '_was_i' || n), renames);
  end loop;
  execute pg_catalog.format('alter table public.%I add constraint %I check (created_at >= %L and created_at < %L)',
    scratch, scratch || '_bound', month.range_from, month.range_to);
  index_ms := 1000 * extract(epoch from pg_catalog.clock_timestamp() - step);

  step := pg_catalog.clock_timestamp();
  select * into source from audit.ledger_rows_digest('public.audit_logs', month.range_from, month.range_to);
  select * into copy from audit.ledger_rows_digest(pg_catalog.format('public.%I', scratch)::regclass,
    month.range_from, month.range_to);
  if source.events is distinct from copy.events or source.digest is distinct from copy.digest then
    raise exception 'the copy of month % differs from it (% rows, digest %; the month: % rows, digest %); nothing changed',
      p_partition, copy.events, copy.digest, source.events, source.digest
      using errcode = 'data_corrupted';
  end if;
  proof_ms := 1000 * extract(epoch from pg_catalog.clock_timestamp() - step);

  -- The month's controls, given to the copy as they are.
  execute pg_catalog.format('revoke all on public.%I from skillhub_system', scratch);
  select c.relowner, c.relacl, c.reloptions, c.relrowsecurity, c.relforcerowsecurity into item
    from pg_catalog.pg_class c where c.oid = part;
  execute pg_catalog.format('alter table public.%I owner to %I', scratch, pg_catalog.pg_get_userbyid(item.relowner));
  if item.relacl is not null then
    execute pg_catalog.format('revoke all on public.%I from public', scratch);
    for source in select a.grantee, a.privilege_type, a.is_grantable from pg_catalog.aclexplode(item.relacl) a
                  where a.grantee <> item.relowner loop
      execute pg_catalog.format('grant %s on public.%I to %s%s', source.privilege_type, scratch,
        case when source.grantee = 0 then 'public' else pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(source.grantee)) end,
        case when source.is_grantable then ' with grant option' else '' end);
    end loop;
  end if;
  if item.reloptions is not null then
    execute pg_catalog.format('alter table public.%I set (%s)', scratch, pg_catalog.array_to_string(item.reloptions, ', '));
  end if;
  if item.relrowsecurity then
    execute pg_catalog.format('alter table public.%I enable row level security', scratch);
  end if;
  if item.relforcerowsecurity then
    execute pg_catalog.format('alter table public.%I force row level security', scratch);
  end if;
  for source in select p.polname, p.polpermissive, p.polcmd, p.polroles,
                       pg_catalog.pg_get_expr(p.polqual, p.polrelid) as qual,
                       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) as with_check
                from pg_catalog.pg_policy p where p.polrelid = part order by p.polname loop
    execute pg_catalog.format('create policy %I on public.%I as %s for %s to %s%s%s', source.polname, scratch,
      case when source.polpermissive then 'permissive' else 'restrictive' end,
      case source.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update'
                         when 'd' then 'delete' else 'all' end,
      (select pg_catalog.string_agg(case when r = 0 then 'public' else pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r)) end, ', ')
       from pg_catalog.unnest(source.polroles) r),
      case when source.qual is not null then ' using (' || source.qual || ')' else '' end,
      case when source.with_check is not null then ' with check (' || source.with_check || ')' else '' end);
  end loop;
  -- The month's own triggers (its TRUNCATE guard); the row triggers cloned from the parent come with ATTACH.
  for source in select t.tgname, t.tgenabled, pg_catalog.pg_get_triggerdef(t.oid) as definition
                from pg_catalog.pg_trigger t where t.tgrelid = part and not t.tgisinternal and t.tgparentid = 0
                order by t.tgname loop
    execute pg_catalog.replace(source.definition, pg_catalog.format(' ON public.%I ', p_partition),
      pg_catalog.format(' ON public.%I ', scratch));
    if source.tgenabled <> 'O' then
      execute pg_catalog.format('alter table public.%I %s trigger %I', scratch,
        case source.tgenabled when 'D' then 'disable' when 'A' then 'enable always' else 'enable replica' end,
        source.tgname);
    end if;
  end loop;
  for n in 1 .. pg_catalog.cardinality(renames) loop
    execute renames[n];
  end loop;
  controls := audit.table_controls(part);

  step := pg_catalog.clock_timestamp();
  perform pg_catalog.set_config('lock_timeout', '1s', true);
  -- The month's controls leave with it: handled by this transaction, not a weakening.
  update audit.security_controls c set adopted_in = pg_catalog.pg_current_xact_id() where c.relid = part;
  execute pg_catalog.format('alter table public.audit_logs detach partition public.%I', p_partition);
  execute pg_catalog.format('alter table public.audit_logs attach partition public.%I for values from (%L) to (%L)',
    scratch, month.range_from, month.range_to);
  execute pg_catalog.format('drop table public.%I', p_partition);
  execute pg_catalog.format('alter table public.%I rename to %I', scratch, p_partition);
  execute pg_catalog.format('alter table public.%I drop constraint %I', p_partition, scratch || '_bound');
  swap_ms := 1000 * extract(epoch from pg_catalog.clock_timestamp() - step);
  part := pg_catalog.format('public.%I', p_partition)::regclass;
  if audit.table_controls(part) is distinct from controls then
    raise exception 'the ordered copy of month % would not carry the month''s security controls; nothing changed',
      p_partition
      using errcode = 'internal_error', detail = pg_catalog.format('month: %s; copy: %s', controls, audit.table_controls(part));
  end if;
  -- Without the alarm's event trigger (it needs a superuser), its snapshot is brought up to date here.
  delete from audit.security_controls c
   where c.relid not in (select x.oid from pg_catalog.pg_class x) and c.adopted_in = pg_catalog.pg_current_xact_id();
  insert into audit.security_controls (relid, relation, control, state, definition, guards)
  select c.relid, c.relation, c.control, c.state, c.definition, c.guards from audit.current_security_controls() c
   where c.relid = part
  on conflict (relid, control) do nothing;
  perform audit.record_ledger_month_ordered(part, p_partition, month.range_from, month.range_to, copy.events,
    copy.digest);
  partition_name := p_partition;
  events := copy.events;
  digest := copy.digest;
  ordered := true;
  return next;
end
$$;
--> statement-breakpoint
revoke all on function audit.order_ledger_month(text) from public;
--> statement-breakpoint
grant execute on function audit.order_ledger_month(text) to skillhub_app;
