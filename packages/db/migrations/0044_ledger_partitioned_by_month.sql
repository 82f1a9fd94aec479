-- The ledger (audit_logs and security_events) becomes a table partitioned by
-- month on created_at (native RANGE partitioning), so a tenant's timeline
-- reads the months it asks for and a month can leave by dropping its
-- partition instead of deleting rows one by one.
--
-- Nothing is copied. Each existing table is renamed `<table>_history` and
-- attached as the first partition, covering everything before the first
-- month boundary after now (FROM MINVALUE TO the 1st of next month, UTC).
-- Its indexes match the new parent's and are attached, not rebuilt; the
-- costs on a large ledger are one read of the table (the CHECK constraint
-- that proves every row is before the boundary, which ATTACH then trusts
-- instead of scanning again) and one index build: the primary key becomes
-- (id, created_at), because a partitioned table's unique constraints must
-- include the partition key, and the old (id) key cannot be reused for it.
-- Lookups by id (seals' event_id, find_event_tenant, owner_of, proofs,
-- sinks, exports) are served by that index, one probe per partition.
-- Everything runs in the migration's one transaction: the ledger is locked
-- while it runs, and a failure leaves the unpartitioned ledger as it was.
--
-- Partitions are named `<table>_pYYYYMM` and cover one UTC month. They are
-- made by audit.ensure_ledger_partitions (below), for the current month and
-- three ahead, at server start, hourly by the server, and by `skillhub
-- maintain`; the doctor fails when this month's or next month's is missing.
--
-- No DEFAULT partition, on purpose. With one, a write in a month that has
-- no partition would succeed, but that month's partition could then only
-- be created by moving its rows out of the default one, which means
-- deleting ledger rows (the append-only guards off, the tamper alarm
-- raised) under an ACCESS EXCLUSIVE lock; and every partition created
-- while a default exists rescans the default. Without one, a write in a
-- month with no partition fails its transaction (SQLSTATE 23514, "no
-- partition of relation ... found for row"), so partitions are created
-- months ahead and the doctor checks they are.
--
-- Row level security does not follow a row into its partition: a query
-- that names a partition directly is checked against the partition's own
-- policies and grants only. Every partition therefore has no grant for
-- anyone but the owner, and RLS enabled and forced with the parent's
-- tenant_isolation policy, as a second wall. Statement triggers are not
-- cloned to partitions either, so each partition gets its own TRUNCATE
-- guard; the row guard (UPDATE, DELETE) is cloned from the parent.
--
-- Functions that take the row type public.audit_logs (canonical_text,
-- leaf_hash, event_hash) followed the renamed table's row type; they are
-- recreated, unchanged, on the new parent's, so every existing chain and
-- tree hashes to what it did.
--
-- The security control alarm (0018) compares each table's controls with
-- its snapshot after every statement; the rename and the moved triggers
-- would read as weakened controls, and its record would be written into a
-- public.audit_logs that, between two statements here, does not exist. The
-- two tables are marked as set up by this transaction (the alarm's own rule
-- for tables being built), and the change is recorded once, explicitly, in
-- the system chain at the end (action audit.ledger_partitioned).
update audit.security_controls
set adopted_in = pg_catalog.pg_current_xact_id()
where relid in ('public.audit_logs'::regclass, 'public.security_events'::regclass);
--> statement-breakpoint
alter table public.audit_logs rename to audit_logs_history;
--> statement-breakpoint
alter sequence public.audit_logs_seq_seq rename to audit_logs_history_seq_seq;
--> statement-breakpoint
alter table public.audit_logs_history drop constraint audit_logs_pkey;
--> statement-breakpoint
alter index public.audit_logs_tenant_id_created_at_idx rename to audit_logs_history_tenant_id_created_at_idx;
--> statement-breakpoint
alter index public.audit_logs_actor_id_created_at_idx rename to audit_logs_history_actor_id_created_at_idx;
--> statement-breakpoint
alter index public.audit_logs_action_created_at_idx rename to audit_logs_history_action_created_at_idx;
--> statement-breakpoint
alter index public.audit_logs_created_at_brin rename to audit_logs_history_created_at_brin;
--> statement-breakpoint
alter index public.audit_logs_txid_seq_idx rename to audit_logs_history_txid_seq_idx;
--> statement-breakpoint
-- The parent's row guard is cloned onto the partition when it is attached.
drop trigger audit_logs_append_only on public.audit_logs_history;
--> statement-breakpoint
alter trigger audit_logs_no_truncate on public.audit_logs_history rename to audit_logs_history_no_truncate;
--> statement-breakpoint
create table public.audit_logs (
  id uuid not null default gen_random_uuid(),
  -- Sealing order: the writing transaction, then the order of writing.
  txid xid8 not null default pg_current_xact_id(),
  seq bigint generated always as identity,
  tenant_id text,
  actor_type text not null default 'system',
  actor_id text,
  action text not null,
  resource_type text,
  resource_id text,
  ip_address inet,
  request_id text,
  metadata jsonb not null default '{}',
  operation audit.operation,
  table_name text,
  old_record jsonb,
  new_record jsonb,
  changed_fields text[],
  created_at timestamptz not null default now(),
  constraint audit_logs_pkey primary key (id, created_at),
  constraint audit_logs_actor_type_check check (actor_type in ('user', 'api_key', 'system')),
  constraint audit_logs_change_check check ((operation is null) = (table_name is null))
) partition by range (created_at);
--> statement-breakpoint
-- The sequence goes on where the old one stopped: (txid, seq) orders sealing.
select pg_catalog.setval(pg_catalog.pg_get_serial_sequence('public.audit_logs', 'seq'), s.last_value, s.is_called)
from public.audit_logs_history_seq_seq s;
--> statement-breakpoint
-- A partition may not have an identity column of its own (PostgreSQL 17+);
-- rows reach it through the parent, whose identity numbers them.
alter table public.audit_logs_history alter column seq drop identity;
--> statement-breakpoint
create index audit_logs_tenant_id_created_at_idx on public.audit_logs (tenant_id, created_at desc);
--> statement-breakpoint
create index audit_logs_actor_id_created_at_idx on public.audit_logs (actor_id, created_at desc);
--> statement-breakpoint
create index audit_logs_action_created_at_idx on public.audit_logs (action, created_at desc);
--> statement-breakpoint
create index audit_logs_created_at_brin on public.audit_logs using brin (created_at);
--> statement-breakpoint
create index audit_logs_txid_seq_idx on public.audit_logs (txid, seq);
--> statement-breakpoint
alter table public.audit_logs enable row level security;
--> statement-breakpoint
alter table public.audit_logs force row level security;
--> statement-breakpoint
create policy tenant_isolation on public.audit_logs as permissive for all to public
  using (tenant_id = (select platform.current_tenant_id()))
  with check (tenant_id = (select platform.current_tenant_id()));
--> statement-breakpoint
grant select on public.audit_logs to skillhub_app;
--> statement-breakpoint
grant select, insert on public.audit_logs to skillhub_system;
--> statement-breakpoint
create trigger audit_logs_append_only before update or delete on public.audit_logs
  for each row execute function audit.reject_change();
--> statement-breakpoint
create trigger audit_logs_no_truncate before truncate on public.audit_logs
  for each statement execute function audit.reject_change();
--> statement-breakpoint
alter table public.security_events rename to security_events_history;
--> statement-breakpoint
alter table public.security_events_history drop constraint security_events_pkey;
--> statement-breakpoint
alter index public.security_events_tenant_id_created_at_idx rename to security_events_history_tenant_id_created_at_idx;
--> statement-breakpoint
alter index public.security_events_failed_by_email_idx rename to security_events_history_failed_by_email_idx;
--> statement-breakpoint
alter index public.security_events_failed_by_ip_idx rename to security_events_history_failed_by_ip_idx;
--> statement-breakpoint
alter index public.security_events_success_by_ip_idx rename to security_events_history_success_by_ip_idx;
--> statement-breakpoint
alter index public.security_events_tenant_id_user_id_idx rename to security_events_history_tenant_id_user_id_idx;
--> statement-breakpoint
alter index public.security_events_failed_by_device_idx rename to security_events_history_failed_by_device_idx;
--> statement-breakpoint
drop trigger security_events_append_only on public.security_events_history;
--> statement-breakpoint
alter trigger security_events_no_truncate on public.security_events_history
  rename to security_events_history_no_truncate;
--> statement-breakpoint
create table public.security_events (
  id uuid not null default gen_random_uuid(),
  tenant_id text,
  event_type public.security_event_type not null,
  severity public.security_severity not null default 'info',
  user_id uuid,
  email text,
  ip_address inet,
  session_id uuid,
  details jsonb not null default '{}',
  created_at timestamptz not null default now(),
  constraint security_events_pkey primary key (id, created_at),
  constraint security_events_tenant_id_fkey foreign key (tenant_id) references public.tenants (id)
) partition by range (created_at);
--> statement-breakpoint
create index security_events_tenant_id_created_at_idx on public.security_events (tenant_id, created_at desc);
--> statement-breakpoint
create index security_events_failed_by_email_idx on public.security_events (tenant_id, email, created_at)
  where event_type = 'login_failed';
--> statement-breakpoint
create index security_events_failed_by_ip_idx on public.security_events (ip_address, created_at)
  where event_type = 'login_failed';
--> statement-breakpoint
create index security_events_success_by_ip_idx on public.security_events (ip_address, created_at, email)
  where event_type = 'login_success';
--> statement-breakpoint
create index security_events_tenant_id_user_id_idx on public.security_events (tenant_id, user_id, created_at desc);
--> statement-breakpoint
create index security_events_failed_by_device_idx on public.security_events ((details ->> 'device'), created_at)
  where event_type = 'login_failed' and details ? 'device';
--> statement-breakpoint
alter table public.security_events enable row level security;
--> statement-breakpoint
alter table public.security_events force row level security;
--> statement-breakpoint
create policy tenant_isolation on public.security_events as permissive for all to public
  using (tenant_id = (select platform.current_tenant_id()))
  with check (tenant_id = (select platform.current_tenant_id()));
--> statement-breakpoint
grant select on public.security_events to skillhub_app;
--> statement-breakpoint
grant select, insert on public.security_events to skillhub_system;
--> statement-breakpoint
create trigger security_events_append_only before update or delete on public.security_events
  for each row execute function audit.reject_change();
--> statement-breakpoint
create trigger security_events_no_truncate before truncate on public.security_events
  for each statement execute function audit.reject_change();
--> statement-breakpoint
-- Attach each old table below the first month boundary. The CHECK proves the
-- bound in one read and lets ATTACH skip its own scan. An event dated after
-- the boundary (only the owner can write one) moves the boundary past it.
do $$
declare
  boundary timestamptz := (pg_catalog.date_trunc('month', pg_catalog.now() at time zone 'UTC')
                           + interval '1 month') at time zone 'UTC';
  latest timestamptz;
  t text;
begin
  foreach t in array array['audit_logs', 'security_events'] loop
    begin
      execute pg_catalog.format('alter table public.%I add constraint %I check (created_at < %L)',
        t || '_history', t || '_history_bound', boundary);
    exception when check_violation then
      execute pg_catalog.format('select max(created_at) from public.%I', t || '_history') into latest;
      boundary := (pg_catalog.date_trunc('month', latest at time zone 'UTC') + interval '1 month') at time zone 'UTC';
      execute pg_catalog.format('alter table public.%I add constraint %I check (created_at < %L)',
        t || '_history', t || '_history_bound', boundary);
    end;
    execute pg_catalog.format('alter table public.%I attach partition public.%I for values from (minvalue) to (%L)',
      t, t || '_history', boundary);
    execute pg_catalog.format('alter table public.%I drop constraint %I', t || '_history', t || '_history_bound');
    execute pg_catalog.format('revoke all on public.%I from public, skillhub_app, skillhub_system', t || '_history');
  end loop;
end
$$;
--> statement-breakpoint
-- The hash functions, unchanged, on the partitioned table's row type.
create function audit.event_hash(e public.audit_logs) returns bytea
language sql immutable set search_path = '' as $$
  select pg_catalog.sha256(pg_catalog.convert_to(pg_catalog.jsonb_build_array(
    e.id, e.txid::text, e.seq, e.tenant_id, e.actor_type, e.actor_id, e.action, e.resource_type,
    e.resource_id, e.ip_address::text, e.request_id, e.metadata, e.operation::text, e.table_name,
    e.old_record, e.new_record, e.changed_fields,
    pg_catalog.to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  )::text, 'UTF8'))
$$;
--> statement-breakpoint
create function audit.canonical_text(e public.audit_logs) returns text
language sql immutable set search_path = '' as $$
  select pg_catalog.jsonb_build_array(
    e.id, e.txid::text, e.seq, e.tenant_id, e.actor_type, e.actor_id, e.action, e.resource_type,
    e.resource_id, e.ip_address::text, e.request_id, e.metadata, e.operation::text, e.table_name,
    e.old_record, e.new_record, e.changed_fields,
    pg_catalog.to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  )::text
$$;
--> statement-breakpoint
create function audit.leaf_hash(e public.audit_logs) returns bytea
language sql immutable set search_path = '' as $$
  select pg_catalog.sha256('\x00'::bytea operator(pg_catalog.||) pg_catalog.convert_to(audit.canonical_text(e), 'UTF8'))
$$;
--> statement-breakpoint
drop function audit.leaf_hash(public.audit_logs_history);
--> statement-breakpoint
drop function audit.canonical_text(public.audit_logs_history);
--> statement-breakpoint
drop function audit.event_hash(public.audit_logs_history);
--> statement-breakpoint
-- The ledger's partitions, for the doctor, `skillhub maintain` and retention:
-- range_from is null for the history partition (it starts at MINVALUE);
-- approx_rows is the planner's estimate (null until the partition is first
-- analyzed); bytes counts the table, its indexes and TOAST.
create view audit.ledger_partitions with (security_invoker = true) as
select p.relname::text as table_name,
       c.relname::text as partition_name,
       (pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']*)''\)'))[1]::timestamptz
         as range_from,
       (pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']*)''\)'))[1]::timestamptz
         as range_to,
       case when c.reltuples >= 0 then c.reltuples::bigint end as approx_rows,
       pg_catalog.pg_total_relation_size(c.oid) as bytes
from pg_catalog.pg_inherits i
join pg_catalog.pg_class c on c.oid = i.inhrelid
join pg_catalog.pg_class p on p.oid = i.inhparent
where i.inhparent in ('public.audit_logs'::regclass, 'public.security_events'::regclass);
--> statement-breakpoint
revoke all on audit.ledger_partitions from public;
--> statement-breakpoint
-- Makes sure both ledger tables have a partition for the month of p_at and
-- each of the p_months_ahead months after it (UTC months), and returns them,
-- `created` true for those this call made. Idempotent; two callers at once
-- take turns on an advisory lock, and the second finds the work done.
--
-- SECURITY DEFINER, owned by the owner: only a table's owner may attach a
-- partition to it. The runtime role may call it (the server does, at start
-- and hourly) but only for the present (p_at within a day of now) and at
-- most 24 months ahead, so it cannot fill the catalog with partitions for
-- distant years. A new partition is locked down before it is attached: no
-- grants, RLS enabled and forced with the parent's policy, its own TRUNCATE
-- guard. ATTACH takes a SHARE UPDATE EXCLUSIVE lock on the parent, which
-- does not block reads or writes; lock_timeout bounds the wait for a table
-- lock (behind another DDL, say), not the wait for a concurrent caller.
create function audit.ensure_ledger_partitions(p_at timestamptz default now(), p_months_ahead integer default 3)
returns table (table_name text, partition_name text, range_from timestamptz, range_to timestamptz, created boolean)
language plpgsql security definer set search_path = '' set lock_timeout = '10s' as $$
declare
  first_month timestamptz;
  month_start timestamptz;
  month_end timestamptz;
  t text;
  part text;
  covered boolean;
begin
  if p_at is null or p_months_ahead is null or p_months_ahead < 0 or p_months_ahead > 24 then
    raise exception 'ledger partitions: months ahead must be between 0 and 24 (got %)', p_months_ahead
      using errcode = '22023';
  end if;
  if not pg_catalog.pg_has_role(session_user, current_user, 'member')
     and (p_at < pg_catalog.now() - interval '1 day' or p_at > pg_catalog.now() + interval '1 day') then
    raise exception 'ledger partitions: only the owner may create partitions for another time than now'
      using errcode = '42501';
  end if;
  -- A second caller waits for the first to finish, however long that takes
  -- (the first is itself bounded by lock_timeout on each DDL lock).
  perform pg_catalog.set_config('lock_timeout', '0', true);
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skillhub.ledger_partitions'));
  perform pg_catalog.set_config('lock_timeout', '10s', true);
  first_month := pg_catalog.date_trunc('month', p_at at time zone 'UTC') at time zone 'UTC';
  foreach t in array array['audit_logs', 'security_events'] loop
    for i in 0 .. p_months_ahead loop
      month_start := (first_month at time zone 'UTC' + pg_catalog.make_interval(months => i)) at time zone 'UTC';
      month_end := (first_month at time zone 'UTC' + pg_catalog.make_interval(months => i + 1)) at time zone 'UTC';
      select l.partition_name, true into part, covered
      from audit.ledger_partitions l
      where l.table_name = t and coalesce(l.range_from, '-infinity') <= month_start and l.range_to >= month_end;
      if covered then
        return query select t, part, month_start, month_end, false;
        continue;
      end if;
      part := t || '_p' || pg_catalog.to_char(month_start at time zone 'UTC', 'YYYYMM');
      execute pg_catalog.format('create table public.%I (like public.%I including defaults including constraints)',
        part, t);
      execute pg_catalog.format('revoke all on public.%I from public, skillhub_app, skillhub_system', part);
      execute pg_catalog.format('alter table public.%I enable row level security, force row level security', part);
      execute pg_catalog.format('create policy tenant_isolation on public.%I as permissive for all to public '
        'using (tenant_id = (select platform.current_tenant_id())) '
        'with check (tenant_id = (select platform.current_tenant_id()))', part);
      execute pg_catalog.format('create trigger %I before truncate on public.%I '
        'for each statement execute function audit.reject_change()', part || '_no_truncate', part);
      execute pg_catalog.format('alter table public.%I attach partition public.%I for values from (%L) to (%L)',
        t, part, month_start, month_end);
      covered := false;
      return query select t, part, month_start, month_end, true;
    end loop;
  end loop;
end
$$;
--> statement-breakpoint
revoke all on function audit.ensure_ledger_partitions(timestamptz, integer) from public;
--> statement-breakpoint
grant execute on function audit.ensure_ledger_partitions(timestamptz, integer) to skillhub_app;
--> statement-breakpoint
select count(*) from audit.ensure_ledger_partitions(now(), 3);
--> statement-breakpoint
-- The record in the system chain, written as skillhub_system (which the owner
-- is a member of): under FORCE row level security an owner that is not a
-- superuser cannot write a row with no tenant.
do $$
declare
  parts jsonb := (select pg_catalog.jsonb_agg(l.partition_name order by l.partition_name) from audit.ledger_partitions l);
begin
  set role skillhub_system;
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, metadata)
  values (null, 'system', session_user, 'audit.ledger_partitioned', 'table', 'public.audit_logs',
          pg_catalog.jsonb_build_object('partitions', parts,
            'reason', 'audit_logs and security_events partitioned by month; the rows before are in the _history partitions'));
  reset role;
end
$$;
