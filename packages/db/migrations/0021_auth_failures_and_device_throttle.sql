-- Every authentication and authorization failure is recorded, and none of
-- them becomes a lever to flood a workspace's security events: repeated
-- identical failures are counted, not written one by one. The login throttle
-- learns OWASP's device cookie, and TOTP secrets may only be stored sealed.
--
-- Tallies. A failure is identified by its kind (event type), who or what was
-- presented (the subject: an actor, a credential's prefix), from where (IP,
-- null when the source does not matter) and what it was tried on (the
-- target), within a five-minute window. The first few of a window become
-- security events as before; after that the window's row only counts, and
-- one more event is written each time the count reaches 10, 100, 1000, ...
-- so the ledger keeps the order of magnitude and the row the exact number.
-- One upsert on the window key keeps the count exact across server
-- processes and concurrent requests (the second of two racing inserts
-- becomes an update of the first's row).
create table public.security_event_tallies (
  tenant_id text references public.tenants (id) on delete restrict,
  window_start timestamptz not null,
  event_type public.security_event_type not null,
  subject text not null,
  ip_address inet,
  target text not null,
  occurrences bigint not null default 1,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  -- tenant_id is null for failures that name no workspace; such rows must
  -- still collide with each other, hence nulls not distinct.
  constraint security_event_tallies_key
    unique nulls not distinct (tenant_id, window_start, event_type, subject, ip_address, target),
  constraint security_event_tallies_occurrences_check check (occurrences > 0)
);
--> statement-breakpoint
alter table public.security_event_tallies enable row level security;
--> statement-breakpoint
alter table public.security_event_tallies force row level security;
--> statement-breakpoint
create policy tenant_isolation on public.security_event_tallies as permissive for all to public
  using (tenant_id = (select current_setting('app.current_tenant_id', true)))
  with check (tenant_id = (select current_setting('app.current_tenant_id', true)));
--> statement-breakpoint
grant select, insert, update on public.security_event_tallies to skillhub_app, skillhub_system;
--> statement-breakpoint
-- Counts one failure in its window and returns how many the window holds
-- now. Subject and target are cut to 200 characters: a longer path must not
-- make the key too large for its index (and two that share 200 characters
-- are the same failure for this purpose).
create function platform.tally_security_event(tenant text, event_type public.security_event_type, subject text,
  ip inet, target text) returns bigint
language sql set search_path = '' as $$
  insert into public.security_event_tallies as t (tenant_id, window_start, event_type, subject, ip_address, target)
  values (tenant, pg_catalog.date_bin('5 minutes', pg_catalog.now(), timestamptz '2000-01-01 00:00:00+00'),
    event_type, pg_catalog.left(coalesce(subject, ''), 200), ip, pg_catalog.left(coalesce(target, ''), 200))
  on conflict on constraint security_event_tallies_key
  do update set occurrences = t.occurrences + 1, last_seen_at = pg_catalog.now()
  returning t.occurrences
$$;
--> statement-breakpoint
-- Whether the n-th failure of a window is written as an event: the first
-- `first` of them, then the 10th, 100th, 1000th, ...
create function platform.tally_worth_an_event(occurrences bigint, first integer) returns boolean
language sql immutable set search_path = '' as $$
  select occurrences <= first or (occurrences >= 10 and occurrences::text ~ '^10*$')
$$;
--> statement-breakpoint
-- What an event written from a tally says about its window.
create function platform.tally_details(occurrences bigint, first integer) returns jsonb
language sql stable set search_path = '' as $$
  select pg_catalog.jsonb_build_object('repeat', pg_catalog.jsonb_build_object(
    'occurrence', occurrences,
    'windowStart', pg_catalog.date_bin('5 minutes', pg_catalog.now(), timestamptz '2000-01-01 00:00:00+00'),
    'windowMinutes', 5,
    'counted', occurrences > first))
$$;
--> statement-breakpoint
-- A repeated failure in the current tenant (the transaction's context): the
-- runtime role's door for denials and throttled sign-ins. It runs as its
-- caller, so the tally row is subject to the tenant policy, and the event
-- goes through log_security_event like every other in-tenant event.
-- Returns the event's id, or null when the failure was only counted.
create function public.log_repeated_security_event(
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
declare
  n bigint := platform.tally_security_event(audit.context_text('app.current_tenant_id'), event_type, subject,
    audit.context_text('app.ip')::inet, target);
begin
  if not platform.tally_worth_an_event(n, first) then
    return null;
  end if;
  return platform.log_security_event(event_type, severity, null, email, null, session_id,
    coalesce(details, '{}') || platform.tally_details(n, first));
end
$$;
--> statement-breakpoint
-- The same for a tenant found by one of the doors below from a credential or
-- a resource, never named by the application. It is the one place where a
-- failure is written into a tenant other than the context's (or into none).
-- Not granted to anyone: only the SECURITY DEFINER doors call it.
create function platform.log_tallied_security_event(
  tenant text,
  event_type public.security_event_type,
  severity public.security_severity,
  user_id uuid,
  ip inet,
  session_id uuid,
  subject text,
  target text,
  details jsonb,
  by_ip boolean,
  first integer
) returns uuid
language plpgsql set search_path = '' as $$
declare
  n bigint := platform.tally_security_event(tenant, event_type, subject, case when by_ip then ip end, target);
begin
  if not platform.tally_worth_an_event(n, first) then
    return null;
  end if;
  return platform.log_security_event(event_type, severity, user_id, null, ip, session_id,
    coalesce(details, '{}') || platform.tally_details(n, first), tenant);
end
$$;
--> statement-breakpoint
-- Finding the key named by a presented prefix (`sk_<prefix>_...`).
create index api_keys_prefix_idx on public.api_keys (prefix);
--> statement-breakpoint
-- An API key that was refused. The caller names what was presented (its
-- SHA-256 and its prefix, never the secret) and where from; the function
-- finds the key and its workspace itself and records the refusal there:
-- revoked, of a deactivated workspace, or a wrong secret for a real prefix.
-- A key that names no workspace is a system event, counted per IP whatever
-- its prefix, so a spray of random keys adds a few events per IP and window.
create function platform.record_api_key_rejection(key_hash text, prefix text, ip inet, request_id text)
returns void
language plpgsql security definer set search_path = '' as $$
declare
  key_tenant text;
  key_id uuid;
  revoked timestamptz;
  tenant_active boolean;
  matches integer := 0;
  reason text := 'unknown_api_key';
  severity public.security_severity := 'medium';
begin
  select a.tenant_id, a.id, a.revoked_at, t.is_active into key_tenant, key_id, revoked, tenant_active
  from public.api_keys a join public.tenants t on t.id = a.tenant_id
  where a.key_hash = record_api_key_rejection.key_hash
  limit 1;
  if found then
    if revoked is not null then
      reason := 'revoked_api_key';
    elsif not tenant_active then
      reason := 'workspace_deactivated';
    else
      return; -- a live key of an active workspace was not refused
    end if;
  elsif prefix is not null then
    select count(*)::integer, min(a.tenant_id), min(a.id::text)::uuid into matches, key_tenant, key_id
    from public.api_keys a where a.prefix = record_api_key_rejection.prefix;
    if matches = 1 then
      reason := 'wrong_api_key_secret';
      severity := 'high';
    else
      key_tenant := null;
      key_id := null;
    end if;
  end if;
  perform platform.log_tallied_security_event(key_tenant, 'access_blocked', severity, null, ip, null,
    case when key_tenant is null then 'api_key:unknown' else 'api_key:' || key_id::text end, 'authenticate',
    pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('reason', reason, 'credential', 'api_key',
      'prefix', prefix, 'apiKeyId', key_id, 'requestId', request_id)),
    true, 3);
end
$$;
--> statement-breakpoint
-- A session cookie that was refused, named by its token's SHA-256: ended
-- (signed out, revoked, expired, idle), of a deactivated account or
-- workspace, or unknown (a system event, counted per IP). A live session,
-- or one waiting for its second factor, was not refused and is not recorded.
create function platform.record_session_rejection(token_hash text, ip inet, request_id text)
returns void
language plpgsql security definer set search_path = '' as $$
declare
  s public.user_sessions;
  user_active boolean;
  tenant_active boolean;
  reason text;
  severity public.security_severity := 'medium';
begin
  select * into s from public.user_sessions u where u.token_hash = record_session_rejection.token_hash
  order by u.created_at desc limit 1;
  if not found then
    perform platform.log_tallied_security_event(null, 'access_blocked', 'medium', null, ip, null,
      'session:unknown', 'authenticate',
      pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('reason', 'unknown_session',
        'credential', 'session', 'tokenHashPrefix', pg_catalog.left(token_hash, 12), 'requestId', request_id)),
      true, 3);
    return;
  end if;
  select u.is_active, t.is_active into user_active, tenant_active
  from public.users u join public.tenants t on t.id = u.tenant_id
  where u.tenant_id = s.tenant_id and u.id = s.user_id;
  if s.terminated_at is not null or s.expires_at <= pg_catalog.now()
     or s.last_activity_at + s.idle_timeout <= pg_catalog.now() then
    reason := 'ended_session';
    severity := 'low';
  elsif not user_active then
    reason := 'account_deactivated';
  elsif not tenant_active then
    reason := 'workspace_deactivated';
  else
    return;
  end if;
  perform platform.log_tallied_security_event(s.tenant_id, 'access_blocked', severity, s.user_id, ip, s.id,
    'session:' || s.id::text, 'authenticate',
    pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('reason', reason, 'credential', 'session',
      'terminationReason', s.termination_reason, 'requestId', request_id)),
    true, 3);
end
$$;
--> statement-breakpoint
-- A caller asked for a row it cannot see. Runs in the caller's own tenant
-- context (which names who tried, from where, in which request); finds the
-- row's owner itself and, when that is another tenant, records the attempt
-- there: one event per probing credential per target tenant and window,
-- then the 10th, 100th, ... Returns whether the row was another tenant's.
create function platform.record_cross_tenant_probe(table_name text, row_id uuid, details jsonb)
returns boolean
language plpgsql security definer set search_path = '' as $$
declare
  from_tenant text := audit.context_text('app.current_tenant_id');
  owner text;
begin
  if from_tenant is null then
    raise exception 'record_cross_tenant_probe must run inside the prober''s tenant context (withTenant)'
      using errcode = 'insufficient_privilege';
  end if;
  owner := platform.owner_of(table_name, row_id);
  if owner is null or owner = from_tenant then
    return false;
  end if;
  perform platform.log_tallied_security_event(owner, 'access_blocked', 'high', null,
    audit.context_text('app.ip')::inet, null,
    audit.context_actor_type() || ':' || coalesce(audit.context_text('app.actor_id'), ''), 'from:' || from_tenant,
    coalesce(details, '{}') || pg_catalog.jsonb_build_object('reason', 'cross_tenant_resource',
      'resource', table_name, 'resourceId', row_id, 'fromTenant', from_tenant,
      'actorType', audit.context_actor_type(), 'actorId', audit.context_text('app.actor_id')),
    false, 1);
  return true;
end
$$;
--> statement-breakpoint
-- A credential of the context's tenant presented on another workspace's
-- host: recorded in the workspace the host names (found here by its slug),
-- or as a system event when no workspace has that slug. Aggregated like a
-- probe: one event per credential per target and window.
create function platform.record_foreign_workspace_attempt(workspace text, details jsonb)
returns void
language plpgsql security definer set search_path = '' as $$
declare
  from_tenant text := audit.context_text('app.current_tenant_id');
  target text;
  from_slug text;
begin
  if from_tenant is null then
    raise exception 'record_foreign_workspace_attempt must run inside the credential''s tenant context (withTenant)'
      using errcode = 'insufficient_privilege';
  end if;
  select t.id into target from public.tenants t where t.slug = workspace;
  select t.slug into from_slug from public.tenants t where t.id = from_tenant;
  if target = from_tenant then
    return;
  end if;
  perform platform.log_tallied_security_event(target, 'access_blocked', 'high', null,
    audit.context_text('app.ip')::inet, null,
    audit.context_actor_type() || ':' || coalesce(audit.context_text('app.actor_id'), ''), 'from:' || from_tenant,
    coalesce(details, '{}') || pg_catalog.jsonb_build_object('reason', 'credential_of_another_tenant',
      'credentialTenant', from_slug, 'targetTenant', workspace),
    false, 1);
end
$$;
--> statement-breakpoint
-- Finding a trusted device's failures.
create index security_events_failed_by_device_idx on public.security_events ((details ->> 'device'), created_at)
  where event_type = 'login_failed' and details ? 'device';
--> statement-breakpoint
drop function if exists platform.should_block_login(text, inet, text);
--> statement-breakpoint
drop function if exists platform.should_block_login(text, inet);
--> statement-breakpoint
-- The login throttle of 0010 with OWASP's device cookie: a browser that
-- signed in as this user before presents its device id (the server checked
-- the cookie's signature and that it was issued for this user). Such an
-- attempt is exempt from the per-email block, which an attacker who knows
-- the email can trip from anywhere, and is limited by its own counter
-- instead (10 failures per device per window by default, 'throttle' ->
-- 'maxFailuresPerDevice'); its failures do not count against the email,
-- so the owner's own typos never lock strangers out either. The per-IP
-- block applies to everyone.
create function platform.should_block_login(email text, ip inet, tenant_id text default null,
  device text default null)
returns table (blocked boolean, reason text, failures integer, retry_after_seconds integer)
language plpgsql stable security definer set search_path = '' as $$
declare
  tenant text := coalesce(should_block_login.tenant_id, audit.context_text('app.current_tenant_id'));
  normalized text := pg_catalog.lower(email);
  cfg jsonb;
  email_limit integer;
  device_limit integer;
  ip_limit integer;
  shared_after integer;
  window_length interval;
  counted integer;
  ip_failures integer;
  ip_recent timestamptz[];
  recent_accounts integer;
  oldest timestamptz;
begin
  select s.settings into cfg from public.site_settings s where s.tenant_id = tenant;
  cfg := coalesce(cfg, '{}');
  email_limit := coalesce((cfg -> 'throttle' ->> 'maxFailuresPerEmail')::integer, 5);
  device_limit := coalesce((cfg -> 'throttle' ->> 'maxFailuresPerDevice')::integer, 10);
  ip_limit := coalesce((cfg -> 'throttle' ->> 'maxFailuresPerIp')::integer, 10);
  shared_after := coalesce((cfg -> 'throttle' ->> 'sharedIpAccounts')::integer, 5);
  window_length := pg_catalog.make_interval(mins => coalesce((cfg -> 'throttle' ->> 'windowMinutes')::integer, 15));

  if ip is not null and exists (select from pg_catalog.jsonb_array_elements_text(cfg -> 'allowlist' -> 'ips') a
                                where ip <<= a::cidr) then
    return query select false, 'allowlisted'::text, 0, 0;
    return;
  end if;
  if (ip is not null and exists (select from pg_catalog.jsonb_array_elements_text(cfg -> 'blocklist' -> 'ips') b
                                 where ip <<= b::cidr))
     or exists (select from pg_catalog.jsonb_array_elements_text(cfg -> 'blocklist' -> 'emails') b
                where normalized = pg_catalog.lower(b)
                   or (b like '@%' and normalized like '%' || pg_catalog.lower(b))) then
    return query select true, 'blocklist'::text, 0, 0;
    return;
  end if;

  -- Counting stops at the limit: a flood of failures costs no more to check.
  if device is not null then
    select count(*), min(f.created_at) into counted, oldest from (
      select e.created_at from public.security_events e
      where e.event_type = 'login_failed' and e.details ? 'device' and (e.details ->> 'device') = device
        and e.tenant_id = tenant and e.created_at > pg_catalog.now() - window_length
      order by e.created_at desc limit device_limit) f;
    if counted >= device_limit then
      return query select true, 'device'::text, counted,
        greatest(1, extract(epoch from oldest + window_length - pg_catalog.now())::integer);
      return;
    end if;
  else
    select count(*), min(f.created_at) into counted, oldest from (
      select e.created_at from public.security_events e
      where e.event_type = 'login_failed' and e.tenant_id = tenant and e.email = normalized
        and not (e.details ? 'device') and e.created_at > pg_catalog.now() - window_length
      order by e.created_at desc limit email_limit) f;
    if counted >= email_limit then
      return query select true, 'email'::text, counted,
        greatest(1, extract(epoch from oldest + window_length - pg_catalog.now())::integer);
      return;
    end if;
  end if;
  if ip is null then
    return query select false, null::text, counted, 0;
    return;
  end if;
  -- Up to twice the limit, newest first: whether the IP is shared (the
  -- costlier question, up to 500 rows) matters only once the plain limit is
  -- reached, which almost no attempt does.
  select pg_catalog.array_agg(f.created_at order by f.created_at desc) into ip_recent from (
    select e.created_at from public.security_events e
    where e.event_type = 'login_failed' and e.ip_address = ip
      and e.created_at > pg_catalog.now() - window_length
    order by e.created_at desc limit ip_limit * 2) f;
  ip_failures := coalesce(pg_catalog.cardinality(ip_recent), 0);
  if ip_failures >= ip_limit then
    select count(distinct s.email) into recent_accounts from (
      select e.email from public.security_events e
      where e.event_type = 'login_success' and e.ip_address = ip
        and e.created_at > pg_catalog.now() - interval '24 hours'
      order by e.created_at desc limit 500) s;
    if recent_accounts >= shared_after then
      ip_limit := ip_limit * 2;
    end if;
    if ip_failures >= ip_limit then
      -- The block lifts when the limit-th newest failure leaves the window.
      return query select true, 'ip'::text, ip_failures,
        greatest(1, extract(epoch from ip_recent[ip_limit] + window_length - pg_catalog.now())::integer);
      return;
    end if;
  end if;
  return query select false, null::text, greatest(counted, ip_failures), 0;
end
$$;
--> statement-breakpoint
-- TOTP secrets are stored sealed (AES-256-GCM, by the server, with a key the
-- database never sees): `v1.<key id>.<iv>.<ciphertext>.<tag>`. Not valid for
-- rows written before: `skillhub secrets reencrypt` (which `skillhub serve`
-- runs before it listens) seals those; from here on a plain secret cannot
-- be written.
alter table public.users add constraint users_mfa_secret_sealed_check
  check (mfa_secret is null
         or mfa_secret ~ '^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$') not valid;
--> statement-breakpoint
do $$
declare
  f text;
begin
  foreach f in array array[
    'platform.tally_security_event(text, public.security_event_type, text, inet, text)',
    'platform.tally_worth_an_event(bigint, integer)',
    'platform.tally_details(bigint, integer)',
    'platform.log_tallied_security_event(text, public.security_event_type, public.security_severity, uuid, inet, uuid, text, text, jsonb, boolean, integer)',
    'platform.record_api_key_rejection(text, text, inet, text)',
    'platform.record_session_rejection(text, inet, text)',
    'platform.record_cross_tenant_probe(text, uuid, jsonb)',
    'platform.record_foreign_workspace_attempt(text, jsonb)',
    'platform.should_block_login(text, inet, text, text)']
  loop
    execute format('alter function %s owner to skillhub_system', f);
    execute format('revoke all on function %s from public', f);
  end loop;
  -- The in-tenant tally runs as the runtime role (its rows pass the tenant
  -- policy); log_tallied_security_event, which writes outside the context,
  -- is reachable only through the doors.
  foreach f in array array[
    'platform.tally_security_event(text, public.security_event_type, text, inet, text)',
    'platform.tally_worth_an_event(bigint, integer)',
    'platform.tally_details(bigint, integer)',
    'platform.record_api_key_rejection(text, text, inet, text)',
    'platform.record_session_rejection(text, inet, text)',
    'platform.record_cross_tenant_probe(text, uuid, jsonb)',
    'platform.record_foreign_workspace_attempt(text, jsonb)',
    'platform.should_block_login(text, inet, text, text)',
    'public.log_repeated_security_event(public.security_event_type, public.security_severity, text, text, jsonb, text, uuid, integer)']
  loop
    execute format('grant execute on function %s to skillhub_app', f);
  end loop;
  execute 'revoke all on function public.log_repeated_security_event(public.security_event_type, public.security_severity, text, text, jsonb, text, uuid, integer) from public';
end
$$;
