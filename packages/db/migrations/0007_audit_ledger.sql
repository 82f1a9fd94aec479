-- The audit ledger: one append-only table for application events and for
-- row changes captured by triggers, sealed after commit into a hash chain
-- per tenant (and one for system events).
create schema audit;
--> statement-breakpoint
revoke all on schema audit from public;
--> statement-breakpoint
grant usage on schema audit to skillhub_app, skillhub_system;
--> statement-breakpoint
create type audit.operation as enum ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE');
--> statement-breakpoint
create table audit_logs (
  id uuid not null default gen_random_uuid(),
  -- Sealing order: the writing transaction, then the order of writing.
  txid xid8 not null default pg_current_xact_id(),
  seq bigint generated always as identity,
  tenant_id text references tenants (id),
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
  constraint audit_logs_pkey primary key (id),
  constraint audit_logs_actor_type_check check (actor_type in ('user', 'api_key', 'system')),
  constraint audit_logs_change_check check ((operation is null) = (table_name is null))
);
--> statement-breakpoint
create index audit_logs_tenant_id_created_at_idx on audit_logs (tenant_id, created_at desc);
--> statement-breakpoint
create index audit_logs_actor_id_created_at_idx on audit_logs (actor_id, created_at desc);
--> statement-breakpoint
create index audit_logs_action_created_at_idx on audit_logs (action, created_at desc);
--> statement-breakpoint
create index audit_logs_created_at_brin on audit_logs using brin (created_at);
--> statement-breakpoint
create index audit_logs_txid_seq_idx on audit_logs (txid, seq);
--> statement-breakpoint
-- One row per sealed event: its place in its chain and the hashes that pin it.
create table audit.seals (
  chain text not null,
  position bigint not null,
  event_id uuid not null,
  txid xid8 not null,
  seq bigint not null,
  event_hash bytea not null,
  chain_hash bytea not null,
  sealed_at timestamptz not null default now(),
  constraint seals_pkey primary key (chain, position),
  constraint seals_event_id_key unique (event_id),
  constraint seals_position_check check (position > 0)
);
--> statement-breakpoint
create index seals_txid_seq_idx on audit.seals (txid, seq);
--> statement-breakpoint
-- Tenants read their own events and their own chain; system events
-- (tenant_id null) are visible to no tenant. Writers can only add events for
-- the transaction's own tenant.
alter table audit_logs enable row level security;
--> statement-breakpoint
alter table audit_logs force row level security;
--> statement-breakpoint
create policy tenant_isolation on audit_logs as permissive for all to public
  using (tenant_id = (select current_setting('app.current_tenant_id', true)))
  with check (tenant_id = (select current_setting('app.current_tenant_id', true)));
--> statement-breakpoint
alter table audit.seals enable row level security;
--> statement-breakpoint
alter table audit.seals force row level security;
--> statement-breakpoint
create policy tenant_isolation on audit.seals as permissive for all to public
  using (chain = (select current_setting('app.current_tenant_id', true)))
  with check (chain = (select current_setting('app.current_tenant_id', true)));
--> statement-breakpoint
grant select, insert on audit_logs to skillhub_app;
--> statement-breakpoint
grant select on audit.seals to skillhub_app;
--> statement-breakpoint
grant select, insert on audit_logs, audit.seals to skillhub_system;
--> statement-breakpoint
-- Append-only for everyone, the owner included. A superuser can still
-- disable these triggers; the hash chain is what catches that.
create function audit.reject_change() returns trigger
language plpgsql set search_path = '' as $$
begin
  raise exception '% is append-only: % is not allowed', tg_table_schema || '.' || tg_table_name, tg_op
    using errcode = 'insufficient_privilege',
          hint = 'Audit records are never changed or removed; record a new event instead.';
end
$$;
--> statement-breakpoint
create trigger audit_logs_append_only before update or delete on audit_logs
  for each row execute function audit.reject_change();
--> statement-breakpoint
create trigger audit_logs_no_truncate before truncate on audit_logs
  for each statement execute function audit.reject_change();
--> statement-breakpoint
create trigger seals_append_only before update or delete on audit.seals
  for each row execute function audit.reject_change();
--> statement-breakpoint
create trigger seals_no_truncate before truncate on audit.seals
  for each statement execute function audit.reject_change();
--> statement-breakpoint
-- The canonical content of an event: jsonb's text form is deterministic
-- (sorted keys, fixed spacing), so the same row always hashes the same.
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
create function audit.genesis_hash(chain text) returns bytea
language sql immutable set search_path = '' as $$
  select pg_catalog.sha256(pg_catalog.convert_to('skillhub audit chain:' || chain, 'UTF8'))
$$;
--> statement-breakpoint
-- Seals every event whose transaction has finished, in (txid, seq) order.
--
-- Safe with out-of-order commits: a transaction id below the snapshot's xmin
-- belongs to a transaction that has committed or aborted, so the set of
-- events below xmin is final. Each run seals a prefix of that order, and no
-- event can later appear before it. Writers never wait: the only lock is an
-- advisory lock between sealers.
create function audit.seal_pending(max_events integer default 10000) returns integer
language plpgsql security definer set search_path = '' as $$
declare
  horizon xid8 := pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot());
  last_txid xid8;
  last_seq bigint;
  e public.audit_logs;
  chain_key text;
  prev_position bigint;
  prev_hash bytea;
  ev_hash bytea;
  sealed integer := 0;
  heads jsonb := '{}';
begin
  if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('skillhub.audit.seal')) then
    return 0;
  end if;
  select s.txid, s.seq into last_txid, last_seq from audit.seals s order by s.txid desc, s.seq desc limit 1;
  for e in
    select * from public.audit_logs l
    where l.txid < horizon
      and (last_txid is null or (l.txid, l.seq) > (last_txid, last_seq))
    order by l.txid, l.seq
    limit max_events
  loop
    chain_key := coalesce(e.tenant_id, '');
    if heads ? chain_key then
      prev_position := (heads -> chain_key ->> 0)::bigint;
      prev_hash := pg_catalog.decode(heads -> chain_key ->> 1, 'hex');
    else
      select s.position, s.chain_hash into prev_position, prev_hash
      from audit.seals s where s.chain = chain_key order by s.position desc limit 1;
      if not found then
        prev_position := 0;
        prev_hash := audit.genesis_hash(chain_key);
      end if;
    end if;
    ev_hash := audit.event_hash(e);
    prev_hash := pg_catalog.sha256(prev_hash || ev_hash);
    prev_position := prev_position + 1;
    insert into audit.seals (chain, position, event_id, txid, seq, event_hash, chain_hash)
    values (chain_key, prev_position, e.id, e.txid, e.seq, ev_hash, prev_hash);
    heads := heads || pg_catalog.jsonb_build_object(chain_key,
      pg_catalog.jsonb_build_array(prev_position, pg_catalog.encode(prev_hash, 'hex')));
    sealed := sealed + 1;
  end loop;
  return sealed;
end
$$;
--> statement-breakpoint
alter function audit.seal_pending(integer) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.seal_pending(integer) from public;
--> statement-breakpoint
grant execute on function audit.seal_pending(integer) to skillhub_app;
--> statement-breakpoint
-- How many finished events await sealing, and how old the oldest open
-- transaction is (it holds sealing back until it ends).
create function audit.sealing_status()
returns table (pending bigint, held_back_by_xid xid8, oldest_open_transaction_started timestamptz)
language sql stable security definer set search_path = '' as $$
  with last as (select s.txid, s.seq from audit.seals s order by s.txid desc, s.seq desc limit 1)
  select
    (select count(*) from public.audit_logs l
      where not exists (select from last) or (l.txid, l.seq) > (select last.txid, last.seq from last)),
    pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot()),
    (select min(a.xact_start) from pg_catalog.pg_stat_activity a where a.backend_xid is not null)
$$;
--> statement-breakpoint
alter function audit.sealing_status() owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.sealing_status() from public;
--> statement-breakpoint
grant execute on function audit.sealing_status() to skillhub_app;
