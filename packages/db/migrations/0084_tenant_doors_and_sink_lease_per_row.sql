-- Three more doors with their tenant named, as 0078, 0079, 0081 and 0082 did for the others a request calls:
-- a repeated failure's tally and event, and a legal hold's placing and release. Each refuses any tenant but
-- the verified context's and then calls the door it names, so it gives no caller more than that door. On a
-- Citus cluster each is delegated by its tenant argument to the tenant's node, where the tally or hold and
-- the ledger event are written in one worker transaction (undelegated, both failed there even alone:
-- "cannot perform query on placements that were modified in this transaction by a different user", the
-- tally written as the runtime role and the event as skillhub_system). Invoker: the doors they call check
-- their callers as before. The old doors stay, for callers inside the database.

-- The check the three share: the tenant named is the transaction's verified tenant. What 0081's door
-- checks in its own body, here once. Each passes its name without its schema: a quoted schema-qualified
-- name in an audit function's body reads as a ledger action to the console's phrasing test.
create function platform.assert_context_tenant(tenant text, door text) returns void
language plpgsql stable set search_path = '' as $$
declare
  context_tenant text := (platform.verified_context()).tenant_id;
begin
  if context_tenant is null or context_tenant is distinct from tenant then
    raise exception '% works in the transaction''s verified tenant, and was given another', door
      using errcode = 'insufficient_privilege',
            hint = 'Call it inside withTenant, naming its tenant.';
  end if;
end
$$;
--> statement-breakpoint
create function public.log_repeated_tenant_security_event(
  tenant text,
  event_type public.security_event_type,
  severity public.security_severity,
  subject text,
  target text,
  details jsonb default '{}',
  email text default null,
  session_id uuid default null,
  first integer default 3
) returns uuid
language plpgsql set search_path = '' as $$
begin
  perform platform.assert_context_tenant(tenant, 'log_repeated_tenant_security_event');
  return public.log_repeated_security_event(event_type, severity, subject, target, details, email, session_id, first);
end
$$;
--> statement-breakpoint
create function audit.place_tenant_legal_hold(tenant text, subject text, reason text) returns uuid
language plpgsql set search_path = '' as $$
begin
  perform platform.assert_context_tenant(tenant, 'place_tenant_legal_hold');
  return audit.place_legal_hold(subject, reason);
end
$$;
--> statement-breakpoint
create function audit.release_tenant_legal_hold(tenant text, hold uuid, reason text) returns boolean
language plpgsql set search_path = '' as $$
begin
  perform platform.assert_context_tenant(tenant, 'release_tenant_legal_hold');
  return audit.release_legal_hold(hold, reason);
end
$$;
--> statement-breakpoint
revoke all on function public.log_repeated_tenant_security_event(text, public.security_event_type,
  public.security_severity, text, text, jsonb, text, uuid, integer), audit.place_tenant_legal_hold(text, text, text),
  audit.release_tenant_legal_hold(text, uuid, text), platform.assert_context_tenant(text, text) from public;
--> statement-breakpoint
grant execute on function public.log_repeated_tenant_security_event(text, public.security_event_type,
  public.security_severity, text, text, jsonb, text, uuid, integer), audit.place_tenant_legal_hold(text, text, text),
  audit.release_tenant_legal_hold(text, uuid, text), platform.assert_context_tenant(text, text) to skillhub_app;
--> statement-breakpoint
-- 0080's tally with its tenant's key computed before the insert, as write_security_event does: a Citus
-- worker running a delegated door checks that each statement in it routes by the door's tenant, and an
-- insert whose key is an expression (coalesce) is refused ("queries must filter by the distribution
-- argument in the same colocation group when using the forced function pushdown"). The same row otherwise.
create or replace function platform.tally_security_event(tenant text, event_type public.security_event_type, subject text,
  ip inet, target text) returns bigint
language plpgsql set search_path = '' as $$
declare
  seen bigint;
begin
  tenant := coalesce(tenant, '');
  insert into public.security_event_tallies as t (tenant_id, window_start, event_type, subject, ip_address, target)
  values (tenant, pg_catalog.date_bin('5 minutes', pg_catalog.now(), timestamptz '2000-01-01 00:00:00+00'),
    event_type, pg_catalog.left(coalesce(subject, ''), 200), ip, pg_catalog.left(coalesce(target, ''), 200))
  on conflict on constraint security_event_tallies_key
  do update set occurrences = t.occurrences + 1, last_seen_at = excluded.last_seen_at
  returning t.occurrences into seen;
  return seen;
end
$$;
--> statement-breakpoint
-- The sink lease, a sink at a time: the due sinks are read without a lock, then each is leased by an update
-- of its own row, named by its tenant, that skips a row another process holds and leases only a sink still
-- due and unleased. Citus refuses a lock over a distributed table without its distribution column ("could
-- not run distributed query with FOR UPDATE/SHARE commands"), so the one statement of 0039 failed every
-- delivery pass on a cluster. Processes still never share a sink and never wait for each other: a sink one
-- process has just leased is skipped while its lease is being written, and found leased afterwards.
create or replace function platform.lease_audit_sinks_unguarded(max_sinks integer, lease_seconds integer)
returns table (tenant_id text, sink_id uuid, lease_token uuid)
language plpgsql volatile security definer set search_path = '' as $$
declare
  due record;
  token uuid;
begin
  if max_sinks not between 1 and 1000 or lease_seconds not between 1 and 3600 then
    raise exception 'lease between 1 and 1000 sinks for 1 to 3600 seconds'
      using errcode = 'invalid_parameter_value';
  end if;
  for due in
    select d.tenant_id, d.sink_id from public.audit_sink_cursors d
     where d.paused_at is null and d.next_attempt_at <= pg_catalog.now()
       and (d.leased_until is null or d.leased_until < pg_catalog.now())
       and exists (select from audit.seals s where s.chain = d.tenant_id and s.position > d.delivered_through + 1)
     order by d.next_attempt_at
     limit max_sinks
  loop
    -- Drawn here: Citus refuses a volatile function in an update of a distributed table.
    token := pg_catalog.gen_random_uuid();
    return query
    update public.audit_sink_cursors c
       set lease_token = token,
           leased_until = pg_catalog.now() + pg_catalog.make_interval(secs => lease_seconds)
     where (c.tenant_id, c.sink_id) in (
             select d.tenant_id, d.sink_id from public.audit_sink_cursors d
              where d.tenant_id = due.tenant_id and d.sink_id = due.sink_id
                and d.paused_at is null and (d.leased_until is null or d.leased_until < pg_catalog.now())
              for update skip locked)
    returning c.tenant_id, c.sink_id, c.lease_token;
  end loop;
end
$$;
--> statement-breakpoint
-- The deployment sink's lease on a cluster, a chain at a time: its cursors stay on the coordinator, and
-- Citus refuses a statement joining them to the seal set's shards ("direct joins between distributed and
-- local tables are not supported"), so there each due chain's unsent seals are probed by a query of their
-- own, routed by the chain. On one server 0040's single statement stays: it leases the same chains in the
-- same order, and at 10,000 workspaces with nothing to send a pass took 17 ms where the loop took 49 ms.
-- Which one runs is where the conversion left the ledger (audit.shard_representatives is its mark).
create or replace function platform.lease_deployment_chains_unguarded(max_chains integer, lease_seconds integer)
returns table (chain text, lease_token uuid, url text, format text, signing_secret text)
language plpgsql volatile security definer set search_path = '' as $$
declare
  sink platform.deployment_sink;
  due record;
  token uuid;
  taken integer := 0;
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
  if pg_catalog.to_regclass('audit.shard_representatives') is null then
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
    return;
  end if;
  for due in
    select d.chain, d.delivered_through from platform.deployment_sink_cursors d
     where d.next_attempt_at <= pg_catalog.now() and (d.leased_until is null or d.leased_until < pg_catalog.now())
     order by d.next_attempt_at
  loop
    exit when taken >= max_chains;
    continue when not exists (select from audit.seals s
                              where s.chain = due.chain and s.position > due.delivered_through + 1);
    token := pg_catalog.gen_random_uuid();
    return query
    update platform.deployment_sink_cursors c
       set lease_token = token,
           leased_until = pg_catalog.now() + pg_catalog.make_interval(secs => lease_seconds)
     where c.chain in (
             select d.chain from platform.deployment_sink_cursors d
              where d.chain = due.chain and (d.leased_until is null or d.leased_until < pg_catalog.now())
              for update skip locked)
    returning c.chain, c.lease_token, sink.url, sink.format, sink.signing_secret;
    if found then
      taken := taken + 1;
    end if;
  end loop;
end
$$;
