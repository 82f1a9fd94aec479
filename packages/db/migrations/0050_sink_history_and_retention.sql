-- Audit sinks, continued (issue 15): the deployment sink's delivery
-- history, and a bounded history for every sink.
--
-- The deployment sink's attempts, as audit_sink_attempts records the
-- tenant sinks': one row per batch sent (chain and leaves) or per test
-- message (no chain, no leaves). Like the sink itself it belongs to the
-- owner and grants the runtime role nothing; the worker appends through
-- platform.settle_deployment_attempt below, the operator reads it with
-- `skillhub sink deployment show`.
create table platform.deployment_sink_attempts (
  id bigint generated always as identity,
  attempted_at timestamptz not null default now(),
  -- A tenant id, '' for the system chain, null for a test message.
  chain text,
  -- The webhook-id of a webhook batch, `syslog.<chain>.<generation>.<first>-<last>` for a syslog one, `test_<uuid>`.
  message_id text not null,
  first_leaf bigint,
  last_leaf bigint,
  event_count integer not null,
  status_code integer,
  latency_ms integer not null,
  delivered boolean not null,
  error text,
  constraint deployment_sink_attempts_pkey primary key (id),
  constraint deployment_sink_attempts_leaves_check check ((first_leaf is null) = (last_leaf is null) and first_leaf <= last_leaf),
  constraint deployment_sink_attempts_event_count_check check (event_count >= 0),
  constraint deployment_sink_attempts_latency_ms_check check (latency_ms >= 0),
  constraint deployment_sink_attempts_error_check check (error is null or pg_catalog.length(error) <= 500)
);
--> statement-breakpoint
create index deployment_sink_attempts_attempted_at_idx on platform.deployment_sink_attempts (attempted_at desc);
--> statement-breakpoint
create index deployment_sink_attempts_chain_attempted_at_idx
  on platform.deployment_sink_attempts (chain, attempted_at desc);
--> statement-breakpoint
revoke all on platform.deployment_sink_attempts from public;
--> statement-breakpoint
grant select, insert, delete on platform.deployment_sink_attempts to skillhub_system;
--> statement-breakpoint
-- Delete with a where clause reads the rows it deletes.
grant select, delete on audit_sink_attempts to skillhub_system;
--> statement-breakpoint
-- Settles a deployment batch as 0040's settle_deployment_batch does and, in
-- the same transaction, appends the attempt to the history, only while
-- `token` still holds the chain (a process that lost its lease records
-- nothing, as it settles nothing). Returns whether it paused the sink now.
create function platform.settle_deployment_attempt(
  leased_chain text, token uuid, message_id text, first_leaf bigint, last_leaf bigint, event_count integer,
  status_code integer, latency_ms integer, failure text, retry_seconds double precision,
  pause_after_seconds double precision)
returns boolean
language plpgsql volatile security definer set search_path = '' as $$
begin
  insert into platform.deployment_sink_attempts
    (chain, message_id, first_leaf, last_leaf, event_count, status_code, latency_ms, delivered, error)
  select leased_chain, pg_catalog.left(message_id, 200), first_leaf, last_leaf, event_count, status_code,
         greatest(latency_ms, 0), failure is null, pg_catalog.left(failure, 500)
   where exists (select from platform.deployment_sink_cursors c where c.chain = leased_chain and c.lease_token = token);
  return platform.settle_deployment_batch(leased_chain, token, last_leaf, failure, retry_seconds, pause_after_seconds);
end
$$;
--> statement-breakpoint
alter function platform.settle_deployment_attempt(text, uuid, text, bigint, bigint, integer, integer, integer, text,
  double precision, double precision) owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.settle_deployment_attempt(text, uuid, text, bigint, bigint, integer, integer, integer,
  text, double precision, double precision) from public;
--> statement-breakpoint
grant execute on function platform.settle_deployment_attempt(text, uuid, text, bigint, bigint, integer, integer,
  integer, text, double precision, double precision) to skillhub_app;
--> statement-breakpoint
-- Keeps delivery history bounded: removes attempts older than `keep_days`
-- and, per tenant sink and per deployment chain, all but the newest
-- `keep_per_sink`. At 5,000 events/s in batches of 500 a sink records
-- 864,000 attempts a day; without this the history outgrows the ledger it
-- describes. The worker calls it; the floors (a day, 100 attempts) keep an
-- injected call from wiping a sink's recent history. Returns how many rows
-- went. It does not touch the ledger: the events themselves stay sealed.
create function platform.prune_sink_history(keep_days integer, keep_per_sink integer)
returns bigint
language plpgsql volatile security definer set search_path = '' as $$
declare
  horizon timestamptz;
  removed bigint;
  total bigint := 0;
begin
  if keep_days not between 1 and 3650 or keep_per_sink not between 100 and 10000000 then
    raise exception 'keep 1 to 3650 days and 100 to 10000000 attempts per sink'
      using errcode = 'invalid_parameter_value';
  end if;
  horizon := pg_catalog.now() - pg_catalog.make_interval(days => keep_days);
  delete from public.audit_sink_attempts a where a.attempted_at < horizon;
  get diagnostics removed = row_count;
  total := total + removed;
  -- Each sink's newest keep_per_sink-th attempt, by the (tenant, sink, time) index; everything older goes.
  delete from public.audit_sink_attempts a
   using (select s.tenant_id, s.id, oldest.attempted_at
            from public.audit_sinks s
            cross join lateral (select t.attempted_at from public.audit_sink_attempts t
                                 where t.tenant_id = s.tenant_id and t.sink_id = s.id
                                 order by t.attempted_at desc offset keep_per_sink - 1 limit 1) oldest) kept
   where a.tenant_id = kept.tenant_id and a.sink_id = kept.id and a.attempted_at < kept.attempted_at;
  get diagnostics removed = row_count;
  total := total + removed;
  delete from platform.deployment_sink_attempts a where a.attempted_at < horizon;
  get diagnostics removed = row_count;
  total := total + removed;
  delete from platform.deployment_sink_attempts a
   using (select chains.chain, oldest.attempted_at
            from (select distinct d.chain from platform.deployment_sink_attempts d) chains
            cross join lateral (select t.attempted_at from platform.deployment_sink_attempts t
                                 where t.chain is not distinct from chains.chain
                                 order by t.attempted_at desc offset keep_per_sink - 1 limit 1) oldest) kept
   where a.chain is not distinct from kept.chain and a.attempted_at < kept.attempted_at;
  get diagnostics removed = row_count;
  return total + removed;
end
$$;
--> statement-breakpoint
alter function platform.prune_sink_history(integer, integer) owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.prune_sink_history(integer, integer) from public;
--> statement-breakpoint
grant execute on function platform.prune_sink_history(integer, integer) to skillhub_app;
