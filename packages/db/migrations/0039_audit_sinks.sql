-- Audit sinks: a tenant's sealed events streamed to a system outside this
-- database (a signed webhook), in leaf order, each with its leaf index, so
-- the receiver holds a copy we cannot edit and sees any gap.
--
-- Three tables, split by how often they change:
--   audit_sinks          the configuration an admin sets; change-captured like
--                        every admin change, its signing secret redacted (and
--                        only ever stored sealed by the server, AES-256-GCM);
--   audit_sink_cursors   where delivery stands (last delivered leaf index,
--                        retry schedule, lease); moves with every batch, so it
--                        is not captured: each capture would be an event to
--                        deliver, without end;
--   audit_sink_attempts  the delivery history (status, latency, range).
create table audit_sinks (
  tenant_id text not null default current_setting('app.current_tenant_id', true) references tenants (id) on delete restrict,
  id uuid not null default gen_random_uuid(),
  name text not null,
  kind text not null default 'webhook',
  url text not null,
  format text not null default 'ocsf',
  -- Sealed by the server (`v1.<key id>.<iv>.<ciphertext>.<tag>`), bound to the sink's row.
  signing_secret text not null,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint audit_sinks_pkey primary key (tenant_id, id),
  constraint audit_sinks_tenant_id_name_key unique (tenant_id, name),
  constraint audit_sinks_created_by_fkey foreign key (tenant_id, created_by) references users (tenant_id, id) on delete set null (created_by),
  constraint audit_sinks_name_check check (pg_catalog.length(name) between 1 and 100),
  constraint audit_sinks_kind_check check (kind in ('webhook')),
  constraint audit_sinks_format_check check (format in ('ocsf', 'jsonl')),
  constraint audit_sinks_url_check check (url ~ '^https?://' and pg_catalog.length(url) <= 2048),
  -- A plain secret is refused: only the server's sealed form is stored.
  constraint audit_sinks_signing_secret_check check (signing_secret ~ '^v1\.[0-9a-f]{16}\.')
);
--> statement-breakpoint
create table audit_sink_cursors (
  tenant_id text not null default current_setting('app.current_tenant_id', true) references tenants (id) on delete restrict,
  sink_id uuid not null,
  -- The leaf index (seal position - 1) of the last event the receiver acknowledged; -1: none yet.
  delivered_through bigint not null default -1,
  -- The batch in flight: retries resend exactly (delivered_through, pending_through], under one webhook-id.
  pending_through bigint,
  -- Bumped by a replay, so a replayed range gets a new idempotency key.
  generation integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  failures integer not null default 0,
  failing_since timestamptz,
  paused_at timestamptz,
  paused_reason text,
  -- Who holds the sink now: one server process at a time delivers it.
  lease_token uuid,
  leased_until timestamptz,
  constraint audit_sink_cursors_pkey primary key (tenant_id, sink_id),
  constraint audit_sink_cursors_sink_fkey foreign key (tenant_id, sink_id) references audit_sinks (tenant_id, id) on delete cascade,
  constraint audit_sink_cursors_delivered_through_check check (delivered_through >= -1),
  constraint audit_sink_cursors_pending_through_check check (pending_through is null or pending_through > delivered_through),
  constraint audit_sink_cursors_failures_check check (failures >= 0)
);
--> statement-breakpoint
create index audit_sink_cursors_due_idx on audit_sink_cursors (next_attempt_at) where paused_at is null;
--> statement-breakpoint
create table audit_sink_attempts (
  tenant_id text not null default current_setting('app.current_tenant_id', true) references tenants (id) on delete restrict,
  id uuid not null default gen_random_uuid(),
  sink_id uuid not null,
  attempted_at timestamptz not null default now(),
  webhook_id text not null,
  first_leaf bigint,
  last_leaf bigint,
  event_count integer not null,
  status_code integer,
  latency_ms integer not null,
  delivered boolean not null,
  error text,
  constraint audit_sink_attempts_pkey primary key (tenant_id, id),
  constraint audit_sink_attempts_sink_fkey foreign key (tenant_id, sink_id) references audit_sinks (tenant_id, id) on delete cascade,
  constraint audit_sink_attempts_error_check check (error is null or pg_catalog.length(error) <= 500)
);
--> statement-breakpoint
create index audit_sink_attempts_tenant_id_sink_id_attempted_at_idx
  on audit_sink_attempts (tenant_id, sink_id, attempted_at desc);
--> statement-breakpoint
alter table audit_sinks enable row level security;
--> statement-breakpoint
alter table audit_sinks force row level security;
--> statement-breakpoint
alter table audit_sink_cursors enable row level security;
--> statement-breakpoint
alter table audit_sink_cursors force row level security;
--> statement-breakpoint
alter table audit_sink_attempts enable row level security;
--> statement-breakpoint
alter table audit_sink_attempts force row level security;
--> statement-breakpoint
-- The same predicate as the users table's, read from the catalog (as 0020 does for invitations).
do $$
declare
  using_expr text;
  check_expr text;
  target text;
begin
  select pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)
    into using_expr, check_expr
  from pg_catalog.pg_policy p
  where p.polrelid = 'public.users'::regclass and p.polname = 'tenant_isolation' and p.polcmd = '*';
  if using_expr is null or check_expr is null then
    raise exception 'users has no tenant_isolation policy for all commands to copy onto the sink tables'
      using hint = 'Create their policies by hand with the predicate the other tenant tables use.';
  end if;
  foreach target in array array['audit_sinks', 'audit_sink_cursors', 'audit_sink_attempts'] loop
    execute format('create policy tenant_isolation on %I as permissive for all to public using (%s) with check (%s)',
                   target, using_expr, check_expr);
  end loop;
end
$$;
--> statement-breakpoint
grant select, insert, update, delete on audit_sinks, audit_sink_cursors to skillhub_app;
--> statement-breakpoint
-- History is appended, and leaves only with its sink.
grant select, insert on audit_sink_attempts to skillhub_app;
--> statement-breakpoint
grant select, update on audit_sink_cursors to skillhub_system;
--> statement-breakpoint
grant select on audit_sinks to skillhub_system;
--> statement-breakpoint
select audit.enable_tracking('audit_sinks'::regclass, redact => array['signing_secret']);
--> statement-breakpoint
-- The delivery worker's lease: up to `max_sinks` sinks that are due (not
-- paused, their next attempt reached, no live lease) and have sealed events
-- past their cursor, each leased for `lease_seconds` under a fresh token.
-- SKIP LOCKED: server processes calling at once never get the same sink.
-- It returns ids only (tenant, sink, token); the worker reads the sink and
-- its events inside that tenant's own context, under the row policies.
create function platform.lease_audit_sinks(max_sinks integer, lease_seconds integer)
returns table (tenant_id text, sink_id uuid, lease_token uuid)
language plpgsql volatile security definer set search_path = '' as $$
begin
  if max_sinks not between 1 and 1000 or lease_seconds not between 1 and 3600 then
    raise exception 'lease between 1 and 1000 sinks for 1 to 3600 seconds'
      using errcode = 'invalid_parameter_value';
  end if;
  return query
  update public.audit_sink_cursors c
     set lease_token = pg_catalog.gen_random_uuid(),
         leased_until = pg_catalog.now() + pg_catalog.make_interval(secs => lease_seconds)
   where (c.tenant_id, c.sink_id) in (
           select d.tenant_id, d.sink_id from public.audit_sink_cursors d
            where d.paused_at is null and d.next_attempt_at <= pg_catalog.now()
              and (d.leased_until is null or d.leased_until < pg_catalog.now())
              and exists (select from audit.seals s where s.chain = d.tenant_id and s.position > d.delivered_through + 1)
            order by d.next_attempt_at
            limit max_sinks
            for update skip locked)
  returning c.tenant_id, c.sink_id, c.lease_token;
end
$$;
--> statement-breakpoint
alter function platform.lease_audit_sinks(integer, integer) owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.lease_audit_sinks(integer, integer) from public;
--> statement-breakpoint
grant execute on function platform.lease_audit_sinks(integer, integer) to skillhub_app;
--> statement-breakpoint
-- A probe of another workspace's sink id is recorded in that workspace, like
-- a probe of its skills or keys: owner_of learns the sink table (and keeps
-- the ledger, which 0037 added).
create or replace function platform.owner_of(table_name text, row_id uuid) returns text
language plpgsql stable security definer set search_path = '' as $$
declare
  found_tenant text;
begin
  if table_name not in ('skills', 'skill_versions', 'ratings', 'usage_events', 'skill_embeddings', 'skill_reviews',
                        'api_keys', 'users', 'user_sessions', 'audit_logs', 'audit_sinks') then
    raise exception 'owner_of does not look into %', table_name using errcode = 'invalid_parameter_value';
  end if;
  execute pg_catalog.format('select tenant_id from public.%I where id = $1 limit 1', table_name)
    into found_tenant using row_id;
  return found_tenant;
end
$$;
