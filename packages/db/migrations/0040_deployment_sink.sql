-- The deployment sink: the operator's one sink, receiving every tenant's
-- sealed events and the system chain's, each with its chain and leaf
-- index, with a cursor per chain so the receiver sees a gap or a duplicate
-- in any one chain (issue 15).
--
-- Set by the operator over the owner's connection (`skillhub sink
-- deployment`), never by a tenant: the tables live in the platform schema,
-- belong to the owner, carry no tenant_id and grant the runtime role
-- nothing. The delivery worker (runtime role) reaches them only through
-- the three SECURITY DEFINER functions below, which return ids, events and
-- the sealed secret, never accept a configuration.
create table platform.deployment_sink (
  -- One row at most.
  singleton boolean not null default true,
  url text not null,
  format text not null default 'ocsf',
  -- Standard Webhooks signing secret for an https sink, sealed by the server as the tenant sinks' are; null for syslog.
  signing_secret text,
  -- Chains first seen by delivery start after this leaf (a backfill from any index).
  from_leaf bigint not null default 0,
  paused_at timestamptz,
  paused_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint deployment_sink_pkey primary key (singleton),
  constraint deployment_sink_singleton_check check (singleton),
  constraint deployment_sink_url_check check (url ~ '^(https?|syslog|syslog\+tls)://' and pg_catalog.length(url) <= 2048),
  constraint deployment_sink_format_check check (format in ('ocsf', 'jsonl')),
  constraint deployment_sink_signing_secret_check check (
    (url ~ '^https?://') = (signing_secret is not null) and (signing_secret is null or signing_secret ~ '^v1\.[0-9a-f]{16}\.')),
  constraint deployment_sink_from_leaf_check check (from_leaf >= 0)
);
--> statement-breakpoint
-- Where delivery stands in each chain (a tenant id, or '' for the system
-- chain): as audit_sink_cursors, one row per chain.
create table platform.deployment_sink_cursors (
  chain text not null,
  delivered_through bigint not null default -1,
  pending_through bigint,
  generation integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  failures integer not null default 0,
  failing_since timestamptz,
  lease_token uuid,
  leased_until timestamptz,
  constraint deployment_sink_cursors_pkey primary key (chain),
  constraint deployment_sink_cursors_delivered_through_check check (delivered_through >= -1),
  constraint deployment_sink_cursors_pending_through_check check (pending_through is null or pending_through > delivered_through),
  constraint deployment_sink_cursors_failures_check check (failures >= 0)
);
--> statement-breakpoint
revoke all on platform.deployment_sink, platform.deployment_sink_cursors from public;
--> statement-breakpoint
grant select, update on platform.deployment_sink to skillhub_system;
--> statement-breakpoint
grant select, insert, update on platform.deployment_sink_cursors to skillhub_system;
--> statement-breakpoint
-- Each change of the operator's configuration is a record in the system chain, the secret redacted.
select audit.enable_tracking('platform.deployment_sink'::regclass, redact => array['signing_secret']);
--> statement-breakpoint
-- The delivery worker's lease: up to `max_chains` chains that are due and
-- have sealed events past their cursor, while a sink is set and not
-- paused, each leased for `lease_seconds` under a fresh token; SKIP LOCKED,
-- so server processes never get the same chain. A chain seen for the first
-- time (a new tenant) gets its cursor here, just before the sink's from_leaf.
create function platform.lease_deployment_chains(max_chains integer, lease_seconds integer)
returns table (chain text, lease_token uuid, url text, format text, signing_secret text)
language plpgsql volatile security definer set search_path = '' as $$
declare
  sink platform.deployment_sink;
begin
  if max_chains not between 1 and 1000 or lease_seconds not between 1 and 3600 then
    raise exception 'lease between 1 and 1000 chains for 1 to 3600 seconds'
      using errcode = 'invalid_parameter_value';
  end if;
  select * into sink from platform.deployment_sink d where d.paused_at is null;
  if not found then
    return;
  end if;
  insert into platform.deployment_sink_cursors (chain, delivered_through)
  select t.id, sink.from_leaf - 1 from public.tenants t
  union all select '', sink.from_leaf - 1
  on conflict on constraint deployment_sink_cursors_pkey do nothing;
  return query
  update platform.deployment_sink_cursors c
     set lease_token = pg_catalog.gen_random_uuid(),
         leased_until = pg_catalog.now() + pg_catalog.make_interval(secs => lease_seconds)
   where c.chain in (
           select d.chain from platform.deployment_sink_cursors d
            where d.next_attempt_at <= pg_catalog.now()
              and (d.leased_until is null or d.leased_until < pg_catalog.now())
              and exists (select from audit.seals s where s.chain = d.chain and s.position > d.delivered_through + 1)
            order by d.next_attempt_at
            limit max_chains
            for update skip locked)
  returning c.chain, c.lease_token, sink.url, sink.format, sink.signing_secret;
end
$$;
--> statement-breakpoint
-- The next batch of a leased chain, as one jsonb: the retry state, up to
-- `batch_size` sealed events past the cursor in leaf order (each the shape
-- the audit routes read), and the chain's latest signed checkpoint. Null
-- when the lease is no longer the caller's or nothing is past the cursor. A
-- batch once read is pinned (pending_through): retries resend the same leaves.
create function platform.read_deployment_batch(leased_chain text, token uuid, batch_size integer)
returns jsonb
language plpgsql volatile security definer set search_path = '' as $$
declare
  cursor_row platform.deployment_sink_cursors;
  events jsonb;
  last_leaf bigint;
  checkpoint jsonb;
begin
  if batch_size not between 1 and 10000 then
    raise exception 'a batch holds 1 to 10000 events' using errcode = 'invalid_parameter_value';
  end if;
  select * into cursor_row from platform.deployment_sink_cursors c
   where c.chain = leased_chain and c.lease_token = token
     and exists (select from platform.deployment_sink d where d.paused_at is null)
   for update;
  if not found then
    return null;
  end if;
  select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'leafIndex', s.position - 1,
           'event', pg_catalog.jsonb_build_object(
             'id', e.id, 'tenantId', e.tenant_id, 'actorType', e.actor_type, 'actorId', e.actor_id,
             'action', e.action, 'resourceType', e.resource_type, 'resourceId', e.resource_id,
             'ipAddress', pg_catalog.host(e.ip_address), 'requestId', e.request_id, 'metadata', e.metadata,
             'operation', e.operation::text, 'tableName', e.table_name, 'oldRecord', e.old_record,
             'newRecord', e.new_record, 'changedFields', e.changed_fields,
             'createdAt', pg_catalog.to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')))
           order by s.position),
         max(s.position) - 1
    into events, last_leaf
    from (select p.position, p.event_id from audit.seals p
           where p.chain = leased_chain and p.position > cursor_row.delivered_through + 1
             and (cursor_row.pending_through is null or p.position <= cursor_row.pending_through + 1)
           order by p.position limit batch_size) s
    join public.audit_logs e on e.id = s.event_id;
  if events is null then
    return null;
  end if;
  if cursor_row.pending_through is null then
    update platform.deployment_sink_cursors c set pending_through = last_leaf where c.chain = leased_chain;
  end if;
  select pg_catalog.jsonb_build_object('treeSize', k.tree_size, 'note', k.note) into checkpoint
    from audit.checkpoints k where k.chain = leased_chain order by k.tree_size desc limit 1;
  return pg_catalog.jsonb_build_object(
    'generation', cursor_row.generation, 'failures', cursor_row.failures,
    'failingSince', cursor_row.failing_since, 'events', events, 'checkpoint', checkpoint);
end
$$;
--> statement-breakpoint
-- Settles an attempt, only while `token` still holds the chain: success
-- moves the cursor to `last_leaf`; failure schedules the retry after
-- `retry_seconds`, and once the chain has failed for `pause_after_seconds`
-- pauses the whole sink and records a suspicious_activity event in the
-- system chain. Returns whether it paused the sink now.
create function platform.settle_deployment_batch(
  leased_chain text, token uuid, last_leaf bigint, failure text, retry_seconds double precision,
  pause_after_seconds double precision)
returns boolean
language plpgsql volatile security definer set search_path = '' as $$
declare
  cursor_row platform.deployment_sink_cursors;
begin
  if failure is null then
    update platform.deployment_sink_cursors c
       set delivered_through = greatest(c.delivered_through, last_leaf), pending_through = null, failures = 0,
           failing_since = null, next_attempt_at = pg_catalog.now(), lease_token = null, leased_until = null
     where c.chain = leased_chain and c.lease_token = token;
    return false;
  end if;
  update platform.deployment_sink_cursors c
     set failures = c.failures + 1, failing_since = coalesce(c.failing_since, pg_catalog.now()),
         next_attempt_at = pg_catalog.now() + pg_catalog.make_interval(secs => retry_seconds),
         lease_token = null, leased_until = null
   where c.chain = leased_chain and c.lease_token = token
  returning * into cursor_row;
  if not found or pg_catalog.now() - cursor_row.failing_since < pg_catalog.make_interval(secs => pause_after_seconds) then
    return false;
  end if;
  update platform.deployment_sink d
     set paused_at = pg_catalog.now(),
         paused_reason = pg_catalog.left(pg_catalog.format('chain %L failing since %s: %s',
                                                           leased_chain, cursor_row.failing_since, failure), 500)
   where d.paused_at is null;
  if not found then
    return false;
  end if;
  perform platform.write_security_event(null, 'suspicious_activity', 'high', null, null, null, null,
    pg_catalog.jsonb_build_object('reason', 'deployment_sink_paused', 'chain', leased_chain,
      'failing_since', cursor_row.failing_since, 'failures', cursor_row.failures,
      'last_error', pg_catalog.left(failure, 500)));
  return true;
end
$$;
--> statement-breakpoint
alter function platform.lease_deployment_chains(integer, integer) owner to skillhub_system;
--> statement-breakpoint
alter function platform.read_deployment_batch(text, uuid, integer) owner to skillhub_system;
--> statement-breakpoint
alter function platform.settle_deployment_batch(text, uuid, bigint, text, double precision, double precision)
  owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.lease_deployment_chains(integer, integer),
  platform.read_deployment_batch(text, uuid, integer),
  platform.settle_deployment_batch(text, uuid, bigint, text, double precision, double precision) from public;
--> statement-breakpoint
grant execute on function platform.lease_deployment_chains(integer, integer),
  platform.read_deployment_batch(text, uuid, integer),
  platform.settle_deployment_batch(text, uuid, bigint, text, double precision, double precision) to skillhub_app;
