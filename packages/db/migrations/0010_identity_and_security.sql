-- Sign-in sessions, MFA recovery codes, security events and the login
-- throttle. Sessions and security events are tenant-scoped like every other
-- table; the functions that must run before a tenant is known live in
-- `platform` and are SECURITY DEFINER.
create type public.security_event_type as enum (
  'login_success', 'login_failed', 'logout', 'password_changed', 'mfa_enabled', 'mfa_disabled',
  'session_terminated', 'access_blocked', 'blacklist_hit', 'suspicious_activity', 'permission_denied', 'data_export');
--> statement-breakpoint
create type public.security_severity as enum ('info', 'low', 'medium', 'high', 'critical');
--> statement-breakpoint
create table user_sessions (
  tenant_id text not null default current_setting('app.current_tenant_id', true) references tenants (id) on delete restrict,
  id uuid not null default gen_random_uuid(),
  user_id uuid not null,
  token_hash text not null,
  device_fingerprint text,
  user_agent text,
  ip_address inet,
  last_ip inet,
  location text,
  mfa_pending boolean not null default false,
  idle_timeout interval not null default interval '30 minutes',
  created_at timestamptz not null default now(),
  last_activity_at timestamptz not null default now(),
  expires_at timestamptz not null,
  terminated_at timestamptz,
  termination_reason text,
  constraint user_sessions_pkey primary key (tenant_id, id),
  constraint user_sessions_tenant_id_token_hash_key unique (tenant_id, token_hash),
  constraint user_sessions_user_id_fkey foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade,
  constraint user_sessions_terminated_check check ((terminated_at is null) = (termination_reason is null))
);
--> statement-breakpoint
create index user_sessions_token_hash_idx on user_sessions (token_hash);
--> statement-breakpoint
create index user_sessions_tenant_id_user_id_idx on user_sessions (tenant_id, user_id, created_at desc);
--> statement-breakpoint
create table mfa_recovery_codes (
  tenant_id text not null default current_setting('app.current_tenant_id', true) references tenants (id) on delete restrict,
  id uuid not null default gen_random_uuid(),
  user_id uuid not null,
  code_hash text not null,
  used_at timestamptz,
  created_at timestamptz not null default now(),
  constraint mfa_recovery_codes_pkey primary key (tenant_id, id),
  constraint mfa_recovery_codes_tenant_id_code_hash_key unique (tenant_id, code_hash),
  constraint mfa_recovery_codes_user_id_fkey foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
);
--> statement-breakpoint
create index mfa_recovery_codes_tenant_id_user_id_idx on mfa_recovery_codes (tenant_id, user_id);
--> statement-breakpoint
-- The last TOTP time step a user's second factor was accepted for: a code is
-- good once (RFC 6238, section 5.2), even while its 30 seconds last.
alter table users add column mfa_last_used_step bigint;
--> statement-breakpoint
-- Append-only like the audit ledger. tenant_id is null for attempts that
-- never reached a tenant (an unknown workspace, say).
create table security_events (
  id uuid not null default gen_random_uuid(),
  tenant_id text references tenants (id),
  event_type public.security_event_type not null,
  severity public.security_severity not null default 'info',
  user_id uuid,
  email text,
  ip_address inet,
  session_id uuid,
  details jsonb not null default '{}',
  created_at timestamptz not null default now(),
  constraint security_events_pkey primary key (id)
);
--> statement-breakpoint
create index security_events_tenant_id_created_at_idx on security_events (tenant_id, created_at desc);
--> statement-breakpoint
-- The throttle's three questions, each answered by a short index range scan.
create index security_events_failed_by_email_idx on security_events (tenant_id, email, created_at)
  where event_type = 'login_failed';
--> statement-breakpoint
create index security_events_failed_by_ip_idx on security_events (ip_address, created_at)
  where event_type = 'login_failed';
--> statement-breakpoint
create index security_events_success_by_ip_idx on security_events (ip_address, created_at, email)
  where event_type = 'login_success';
--> statement-breakpoint
create index security_events_tenant_id_user_id_idx on security_events (tenant_id, user_id, created_at desc);
--> statement-breakpoint
create trigger security_events_append_only before update or delete on security_events
  for each row execute function audit.reject_change();
--> statement-breakpoint
create trigger security_events_no_truncate before truncate on security_events
  for each statement execute function audit.reject_change();
--> statement-breakpoint
do $$
declare
  t text;
begin
  foreach t in array array['user_sessions', 'mfa_recovery_codes', 'security_events'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format($f$create policy tenant_isolation on %I as permissive for all to public
                      using (tenant_id = (select current_setting('app.current_tenant_id', true)))
                      with check (tenant_id = (select current_setting('app.current_tenant_id', true)))$f$, t);
  end loop;
end
$$;
--> statement-breakpoint
grant select, insert, update, delete on user_sessions, mfa_recovery_codes to skillhub_app;
--> statement-breakpoint
grant select on security_events to skillhub_app;
--> statement-breakpoint
grant select, insert on security_events to skillhub_system;
--> statement-breakpoint
grant select, update on user_sessions to skillhub_system;
--> statement-breakpoint
grant select on site_settings, skills, skill_versions, ratings, usage_events, skill_embeddings, skill_reviews
  to skillhub_system;
--> statement-breakpoint
-- Records a security event, and the same event in the audit ledger. What the
-- caller leaves out (tenant, user, IP) comes from the transaction's context.
create function platform.log_security_event(
  event_type public.security_event_type,
  severity public.security_severity default 'info',
  user_id uuid default null,
  email text default null,
  ip inet default null,
  session_id uuid default null,
  details jsonb default '{}',
  tenant_id text default null
) returns uuid
language plpgsql security definer set search_path = '' as $$
declare
  tenant text := coalesce(log_security_event.tenant_id, audit.context_text('app.current_tenant_id'));
  actor_user uuid := coalesce(log_security_event.user_id,
    case when audit.context_actor_type() = 'user' and audit.context_text('app.actor_id') ~ '^[0-9a-f-]{36}$'
         then audit.context_text('app.actor_id')::uuid end);
  address inet := coalesce(ip, audit.context_text('app.ip')::inet);
  created uuid;
begin
  insert into public.security_events (tenant_id, event_type, severity, user_id, email, ip_address, session_id, details)
  values (tenant, event_type, severity, actor_user, pg_catalog.lower(email), address, session_id, coalesce(details, '{}'))
  returning id into created;
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address,
    request_id, metadata)
  values (tenant, audit.context_actor_type(), coalesce(audit.context_text('app.actor_id'), actor_user::text),
    'security.' || event_type::text, 'security_event', created::text, address, audit.context_text('app.request_id'),
    pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('severity', severity, 'email', pg_catalog.lower(email),
      'session_id', session_id, 'user_id', actor_user)) || coalesce(details, '{}'));
  return created;
end
$$;
--> statement-breakpoint
-- Whether a sign-in attempt must be refused before its password is checked.
-- Defaults: 5 failures per email (in the tenant) or 10 per IP (across
-- tenants) within 15 minutes; an IP from which many accounts signed in
-- recently (an office, a VPN) gets twice the IP allowance. Each tenant can
-- change the numbers in site_settings.settings -> 'throttle', allowlist IPs
-- or CIDRs in -> 'allowlist' -> 'ips', and block IPs, emails or '@domains' in
-- -> 'blocklist'. Blocks lift by themselves as failures age out of the window.
create function platform.should_block_login(email text, ip inet, tenant_id text default null)
returns table (blocked boolean, reason text, failures integer, retry_after_seconds integer)
language plpgsql stable security definer set search_path = '' as $$
declare
  tenant text := coalesce(should_block_login.tenant_id, audit.context_text('app.current_tenant_id'));
  normalized text := pg_catalog.lower(email);
  cfg jsonb;
  email_limit integer;
  ip_limit integer;
  shared_after integer;
  window_length interval;
  email_failures integer;
  ip_failures integer;
  ip_recent timestamptz[];
  recent_accounts integer;
  oldest timestamptz;
begin
  select s.settings into cfg from public.site_settings s where s.tenant_id = tenant;
  cfg := coalesce(cfg, '{}');
  email_limit := coalesce((cfg -> 'throttle' ->> 'maxFailuresPerEmail')::integer, 5);
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
  select count(*), min(f.created_at) into email_failures, oldest from (
    select e.created_at from public.security_events e
    where e.event_type = 'login_failed' and e.tenant_id = tenant and e.email = normalized
      and e.created_at > pg_catalog.now() - window_length
    order by e.created_at desc limit email_limit) f;
  if email_failures >= email_limit then
    return query select true, 'email'::text, email_failures,
      greatest(1, extract(epoch from oldest + window_length - pg_catalog.now())::integer);
    return;
  end if;
  if ip is null then
    return query select false, null::text, email_failures, 0;
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
  return query select false, null::text, greatest(email_failures, ip_failures), 0;
end
$$;
--> statement-breakpoint
-- Starts a session for a user of the current tenant and records the sign-in.
-- A device never seen for this user before is recorded as suspicious.
create function public.create_user_session(
  user_id uuid, ip inet, device jsonb,
  token_hash text default null,
  idle_timeout interval default interval '30 minutes',
  absolute_timeout interval default interval '12 hours',
  mfa_pending boolean default false
) returns public.user_sessions
language plpgsql set search_path = '' as $$
declare
  created public.user_sessions;
  account public.users;
  fingerprint text := device ->> 'fingerprint';
  known_device boolean;
  first_session boolean;
begin
  select * into account from public.users u where u.id = create_user_session.user_id;
  if not found then
    raise exception 'no user % in this tenant', create_user_session.user_id using errcode = 'no_data_found';
  end if;
  select not exists (select from public.user_sessions s where s.user_id = account.id),
         exists (select from public.user_sessions s where s.user_id = account.id and s.device_fingerprint = fingerprint)
    into first_session, known_device;
  insert into public.user_sessions (user_id, token_hash, device_fingerprint, user_agent, ip_address, last_ip, location,
    mfa_pending, idle_timeout, expires_at)
  values (account.id, coalesce(create_user_session.token_hash, pg_catalog.encode(public.gen_random_bytes(32), 'hex')),
    fingerprint, device ->> 'userAgent', ip, ip, device ->> 'location', create_user_session.mfa_pending,
    create_user_session.idle_timeout, pg_catalog.now() + absolute_timeout)
  returning * into created;
  if not create_user_session.mfa_pending then
    perform platform.log_security_event('login_success', 'info', account.id, account.email, ip, created.id,
      pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('userAgent', device ->> 'userAgent',
        'location', device ->> 'location')));
  end if;
  if not first_session and not known_device then
    perform platform.log_security_event('suspicious_activity', 'medium', account.id, account.email, ip, created.id,
      pg_catalog.jsonb_build_object('reason', 'new_device', 'fingerprint', fingerprint));
  end if;
  return created;
end
$$;
--> statement-breakpoint
-- Marks a session active. Writes at most once per `every` so busy sessions
-- do not rewrite their row on each request, but at least four times per idle
-- timeout, so that a short timeout never ends a session in use; a request
-- from an IP the session has not used is recorded as suspicious.
create function public.update_session_activity(session_id uuid, ip inet default null,
  every interval default interval '5 minutes')
returns boolean
language plpgsql set search_path = '' as $$
declare
  s public.user_sessions;
begin
  select * into s from public.user_sessions u where u.id = session_id and u.terminated_at is null;
  if not found then
    return false;
  end if;
  if ip is not null and s.last_ip is distinct from ip then
    update public.user_sessions u set last_ip = ip, last_activity_at = pg_catalog.now() where u.id = session_id;
    perform platform.log_security_event('suspicious_activity', 'medium', s.user_id, null, ip, s.id,
      pg_catalog.jsonb_build_object('reason', 'session_ip_changed', 'previousIp', s.last_ip::text));
  elsif s.last_activity_at < pg_catalog.now() - least(every, s.idle_timeout / 4) then
    update public.user_sessions u set last_activity_at = pg_catalog.now() where u.id = session_id;
  end if;
  return true;
end
$$;
--> statement-breakpoint
-- Ends a session of the current tenant. Signing out is recorded as a logout;
-- every other reason as a terminated session.
create function public.terminate_session(session_id uuid, reason text) returns boolean
language plpgsql set search_path = '' as $$
declare
  ended public.user_sessions;
begin
  update public.user_sessions s set terminated_at = pg_catalog.now(), termination_reason = reason
  where s.id = session_id and s.terminated_at is null
  returning * into ended;
  if not found then
    return false;
  end if;
  perform platform.log_security_event(case when reason = 'logout' then 'logout' else 'session_terminated' end::public.security_event_type,
    'info', ended.user_id, null, null, ended.id, pg_catalog.jsonb_build_object('reason', reason));
  return true;
end
$$;
--> statement-breakpoint
-- Resolves a presented session token before any tenant is known. Expired
-- sessions are ended here (idle or absolute) and recorded.
create function platform.resolve_session(token_hash text)
returns table (tenant_id text, tenant_slug text, session_id uuid, user_id uuid, role text, mfa_pending boolean,
  tenant_active boolean, user_active boolean)
language plpgsql security definer set search_path = '' as $$
declare
  s public.user_sessions;
  why text;
begin
  select * into s from public.user_sessions u where u.token_hash = resolve_session.token_hash and u.terminated_at is null;
  if not found then
    return;
  end if;
  why := case when s.expires_at <= pg_catalog.now() then 'expired'
              when s.last_activity_at + s.idle_timeout <= pg_catalog.now() then 'idle_timeout' end;
  if why is not null then
    update public.user_sessions u set terminated_at = pg_catalog.now(), termination_reason = why
    where u.tenant_id = s.tenant_id and u.id = s.id;
    perform platform.log_security_event('session_terminated', 'info', s.user_id, null, null, s.id,
      pg_catalog.jsonb_build_object('reason', why), s.tenant_id);
    return;
  end if;
  return query select s.tenant_id, t.slug, s.id, s.user_id, u.role, s.mfa_pending, t.is_active, u.is_active
    from public.users u join public.tenants t on t.id = u.tenant_id
    where u.tenant_id = s.tenant_id and u.id = s.user_id;
end
$$;
--> statement-breakpoint
-- Resolves a presented API key (by its SHA-256) before any tenant is known.
create function platform.resolve_api_key(key_hash text)
returns table (tenant_id text, tenant_slug text, key_id uuid, scopes text[], created_by uuid, tenant_active boolean)
language plpgsql security definer set search_path = '' as $$
declare
  k public.api_keys;
begin
  select * into k from public.api_keys a where a.key_hash = resolve_api_key.key_hash and a.revoked_at is null;
  if not found then
    return;
  end if;
  -- last_used_at is informational: at most one write a minute per key.
  if k.last_used_at is null or k.last_used_at < pg_catalog.now() - interval '1 minute' then
    update public.api_keys a set last_used_at = pg_catalog.now() where a.tenant_id = k.tenant_id and a.id = k.id;
  end if;
  return query select k.tenant_id, t.slug, k.id, k.scopes, k.created_by, t.is_active
    from public.tenants t where t.id = k.tenant_id;
end
$$;
--> statement-breakpoint
-- Which tenant, if any, owns a row the caller could not see: lets the API
-- record an attempt on another tenant's resource without revealing it.
create function platform.owner_of(table_name text, row_id uuid) returns text
language plpgsql stable security definer set search_path = '' as $$
declare
  found_tenant text;
begin
  if table_name not in ('skills', 'skill_versions', 'ratings', 'usage_events', 'skill_embeddings', 'skill_reviews',
                        'api_keys', 'users', 'user_sessions') then
    raise exception 'owner_of does not look into %', table_name using errcode = 'invalid_parameter_value';
  end if;
  execute pg_catalog.format('select tenant_id from public.%I where id = $1 limit 1', table_name)
    into found_tenant using row_id;
  return found_tenant;
end
$$;
--> statement-breakpoint
grant update on api_keys to skillhub_system;
--> statement-breakpoint
grant select on mfa_recovery_codes to skillhub_system;
--> statement-breakpoint
do $$
declare
  f text;
begin
  foreach f in array array[
    'platform.log_security_event(public.security_event_type, public.security_severity, uuid, text, inet, uuid, jsonb, text)',
    'platform.should_block_login(text, inet, text)',
    'platform.resolve_session(text)',
    'platform.resolve_api_key(text)',
    'platform.owner_of(text, uuid)']
  loop
    execute format('alter function %s owner to skillhub_system', f);
    execute format('revoke all on function %s from public', f);
    execute format('grant execute on function %s to skillhub_app', f);
  end loop;
  foreach f in array array[
    'public.create_user_session(uuid, inet, jsonb, text, interval, interval, boolean)',
    'public.update_session_activity(uuid, inet, interval)',
    'public.terminate_session(uuid, text)']
  loop
    execute format('revoke all on function %s from public', f);
    execute format('grant execute on function %s to skillhub_app', f);
  end loop;
end
$$;
