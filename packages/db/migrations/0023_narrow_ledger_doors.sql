-- Narrow doors into the ledger.
--
-- The runtime role could insert any audit row it liked (another actor, a
-- back-dated time, a forged change record, a transaction id that sorts
-- before sealed history), and platform.log_security_event took a tenant id
-- from its caller, so any connection could write into any tenant's chain.
-- Now the runtime role writes the ledger only through functions that fill
-- everything but the event itself from the verified context (0022):
--   audit.record_event              application events, in the context's tenant
--   platform.log_security_event     security events, in the context's tenant
--   platform.log_system_security_event   events outside any tenant (the system chain)
--   platform.record_foreign_probe   a probe of another tenant's resource, recorded in the
--                                   tenant that owns it, which the function finds itself
--   platform.record_host_mismatch   a credential presented on another workspace's host,
--                                   recorded in the workspace that host names
--   public.log_repeated_security_event   a repeated failure, tallied, in the context's tenant
-- and change records are written by the generated capture functions alone.
-- No function the runtime role may call takes a tenant id from its caller to
-- write into that tenant. The doors of 0021 that find a credential's tenant
-- themselves (record_api_key_rejection, record_session_rejection) write
-- through the same internal writer; 0021's record_cross_tenant_probe and
-- record_foreign_workspace_attempt are replaced by the probe and
-- host-mismatch doors here, which keep their tallies.
revoke insert on audit_logs from skillhub_app;
--> statement-breakpoint
-- An application event in the transaction's tenant. Tenant, actor, request
-- id and IP come from the verified context; time and transaction id from
-- the server (created_at and txid defaults), so none can be forged or
-- back-dated.
create function audit.record_event(action text, resource_type text default null, resource_id text default null,
  metadata jsonb default '{}')
returns uuid
language plpgsql security definer set search_path = '' as $$
declare
  ctx platform.request_context := platform.verified_context();
  created uuid;
begin
  if ctx.tenant_id is null then
    raise exception 'audit.record_event records into the transaction''s verified tenant, and this transaction has none'
      using errcode = 'insufficient_privilege',
            hint = 'Record application events inside withTenant.';
  end if;
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address,
    request_id, metadata)
  values (ctx.tenant_id, ctx.actor_type, ctx.actor_id, action, resource_type, resource_id, ctx.ip, ctx.request_id,
    coalesce(metadata, '{}'))
  returning id into created;
  return created;
end
$$;
--> statement-breakpoint
-- Writes a security event and its twin in the audit ledger, for the tenant
-- it is given (null: the system chain). Not a door: no role but its owner
-- may call it, so only the SECURITY DEFINER functions below reach it, each
-- having decided the tenant itself. The twin's actor and request id are the
-- verified context's (platform.attribution: outside one, the door's stated
-- caller): who did it, even when recorded elsewhere.
create function platform.write_security_event(
  tenant text,
  event_type public.security_event_type,
  severity public.security_severity,
  user_id uuid,
  email text,
  ip inet,
  session_id uuid,
  details jsonb
) returns uuid
language plpgsql set search_path = '' as $$
declare
  ctx platform.request_context := platform.attribution();
  created uuid;
begin
  ip := coalesce(ip, ctx.ip);
  insert into public.security_events (tenant_id, event_type, severity, user_id, email, ip_address, session_id, details)
  values (tenant, event_type, severity, user_id, pg_catalog.lower(email), ip, session_id, coalesce(details, '{}'))
  returning id into created;
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address,
    request_id, metadata)
  values (tenant, coalesce(ctx.actor_type, 'system'), coalesce(ctx.actor_id, user_id::text),
    'security.' || event_type::text, 'security_event', created::text, ip, ctx.request_id,
    pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('severity', severity, 'email', pg_catalog.lower(email),
      'session_id', session_id, 'user_id', user_id)) || coalesce(details, '{}'));
  return created;
end
$$;
--> statement-breakpoint
drop function platform.log_security_event(public.security_event_type, public.security_severity, uuid, text, inet, uuid,
  jsonb, text);
--> statement-breakpoint
-- A security event in the transaction's verified tenant. What the caller
-- leaves out (user, IP) comes from the context.
create function platform.log_security_event(
  event_type public.security_event_type,
  severity public.security_severity default 'info',
  user_id uuid default null,
  email text default null,
  ip inet default null,
  session_id uuid default null,
  details jsonb default '{}'
) returns uuid
language plpgsql security definer set search_path = '' as $$
declare
  ctx platform.request_context := platform.verified_context();
begin
  if ctx.tenant_id is null then
    raise exception 'platform.log_security_event records into the transaction''s verified tenant, and this transaction has none'
      using errcode = 'insufficient_privilege',
            hint = 'Call it inside withTenant; an event outside any tenant goes through platform.log_system_security_event.';
  end if;
  return platform.write_security_event(ctx.tenant_id, event_type, severity,
    coalesce(user_id, case when ctx.actor_type = 'user' and ctx.actor_id ~ '^[0-9a-f-]{36}$'
                           then ctx.actor_id::uuid end),
    email, coalesce(ip, ctx.ip), session_id, details);
end
$$;
--> statement-breakpoint
-- An event that belongs to no tenant (a sign-in to a workspace that does
-- not exist, say): always the system chain, whatever the context.
create function platform.log_system_security_event(
  event_type public.security_event_type,
  severity public.security_severity default 'info',
  email text default null,
  ip inet default null,
  details jsonb default '{}'
) returns uuid
language plpgsql security definer set search_path = '' as $$
begin
  return platform.write_security_event(null, event_type, severity, null, email,
    coalesce(ip, (platform.attribution()).ip), null, details);
end
$$;
--> statement-breakpoint
-- 0021's tallied writer, now through the internal writer above: the tenant
-- is the one a door found (from a credential or a row) or the verified
-- context's, never one the runtime role names (it cannot call this).
create or replace function platform.log_tallied_security_event(
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
  return platform.write_security_event(tenant, event_type, severity, user_id, null, ip, session_id,
    coalesce(details, '{}') || platform.tally_details(n, first));
end
$$;
--> statement-breakpoint
-- A repeated failure in the transaction's verified tenant (0021's door for
-- denials and throttled sign-ins), taking tenant and IP from the verified
-- context. It runs as its caller, so the tally row is subject to the
-- tenant policy, and the event goes through log_security_event.
create or replace function public.log_repeated_security_event(
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
  ctx platform.request_context := platform.verified_context();
  n bigint;
begin
  if ctx.tenant_id is null then
    raise exception 'log_repeated_security_event records into the transaction''s verified tenant, and this transaction has none'
      using errcode = 'insufficient_privilege',
            hint = 'Call it inside withTenant.';
  end if;
  n := platform.tally_security_event(ctx.tenant_id, event_type, subject, ctx.ip, target);
  if not platform.tally_worth_an_event(n, first) then
    return null;
  end if;
  return platform.log_security_event(event_type, severity, null, email, null, session_id,
    coalesce(details, '{}') || platform.tally_details(n, first));
end
$$;
--> statement-breakpoint
drop function platform.record_cross_tenant_probe(text, uuid, jsonb);
--> statement-breakpoint
drop function platform.record_foreign_workspace_attempt(text, jsonb);
--> statement-breakpoint
-- The caller, in its verified tenant, asked for a row it cannot see. When
-- another tenant owns that row, the attempt is recorded there (access_blocked,
-- high), naming the prober from the verified context: once per probing
-- credential, target tenant and five minutes, then the 10th, 100th, ...
-- (0021's tallies). The caller names the row, never the tenant; it learns
-- only whether the row was another tenant's, which its own 404 already
-- told apart from nothing (and it cannot say whose).
create function platform.record_foreign_probe(table_name text, row_id uuid, details jsonb default '{}')
returns boolean
language plpgsql security definer set search_path = '' as $$
declare
  ctx platform.request_context := platform.verified_context();
  owner text;
begin
  if ctx.tenant_id is null then
    raise exception 'platform.record_foreign_probe records who probed from the verified tenant context, and this transaction has none'
      using errcode = 'insufficient_privilege',
            hint = 'Call it inside withTenant of the caller''s own tenant.';
  end if;
  owner := platform.owner_of(table_name, row_id);
  if owner is null or owner = ctx.tenant_id then
    return false;
  end if;
  perform platform.log_tallied_security_event(owner, 'access_blocked', 'high', null, ctx.ip, null,
    coalesce(ctx.actor_type, 'system') || ':' || coalesce(ctx.actor_id, ''), 'from:' || ctx.tenant_id,
    coalesce(details, '{}') || pg_catalog.jsonb_build_object('reason', 'cross_tenant_resource',
      'resource', table_name, 'resourceId', row_id, 'fromTenant', ctx.tenant_id,
      'actorType', ctx.actor_type, 'actorId', ctx.actor_id),
    false, 1);
  return true;
end
$$;
--> statement-breakpoint
-- A credential of the verified tenant was presented on the host of the
-- workspace `target_slug` names: recorded there (in the system chain when no
-- workspace has that slug), naming the credential's own workspace and actor
-- from the verified context; aggregated with the probes (0021's key: the
-- credential, the target tenant, 'from:' its own, five minutes).
create function platform.record_host_mismatch(target_slug text, details jsonb default '{}')
returns void
language plpgsql security definer set search_path = '' as $$
declare
  ctx platform.request_context := platform.verified_context();
  target text;
  own_slug text;
begin
  if ctx.tenant_id is null then
    raise exception 'platform.record_host_mismatch records whose credential it was from the verified tenant context, and this transaction has none'
      using errcode = 'insufficient_privilege',
            hint = 'Call it inside withTenant of the credential''s tenant.';
  end if;
  select t.id into target from public.tenants t where t.slug = target_slug;
  if target = ctx.tenant_id then
    return;
  end if;
  select t.slug into own_slug from public.tenants t where t.id = ctx.tenant_id;
  perform platform.log_tallied_security_event(target, 'access_blocked', 'high', null, ctx.ip, null,
    coalesce(ctx.actor_type, 'system') || ':' || coalesce(ctx.actor_id, ''), 'from:' || ctx.tenant_id,
    coalesce(details, '{}') || pg_catalog.jsonb_build_object('reason', 'credential_of_another_tenant',
      'credentialTenant', own_slug, 'targetTenant', target_slug,
      'actorType', ctx.actor_type, 'actorId', ctx.actor_id),
    false, 1);
end
$$;
--> statement-breakpoint
-- resolve_session of 0010: an expired session is ended and recorded in its
-- own tenant, through the internal writer instead of a tenant-taking door.
create or replace function platform.resolve_session(token_hash text)
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
    perform platform.write_security_event(s.tenant_id, 'session_terminated', 'info', s.user_id, null, null, s.id,
      pg_catalog.jsonb_build_object('reason', why));
    return;
  end if;
  return query select s.tenant_id, t.slug, s.id, s.user_id, u.role, s.mfa_pending, t.is_active, u.is_active
    from public.users u join public.tenants t on t.id = u.tenant_id
    where u.tenant_id = s.tenant_id and u.id = s.user_id;
end
$$;
--> statement-breakpoint
-- 0020's helper of the membership doors, reading who acts through
-- platform.attribution() (the doors set it with attribute_membership: they
-- run before any tenant context exists) now that the helpers of 0008 go.
create or replace function platform.audit_membership(tenant text, action text, resource_type text, resource_id text,
  metadata jsonb)
returns void
language sql set search_path = '' as $$
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
    ip_address, request_id, metadata)
  select tenant, coalesce(c.actor_type, 'system'), c.actor_id, action, resource_type, resource_id, c.ip,
    c.request_id, metadata
  from platform.attribution() c
$$;
--> statement-breakpoint
-- request_sign_up of 0020: a throttled sign-up names no workspace, so it is
-- a system event (log_security_event now records only into the verified
-- tenant).
create or replace function platform.request_sign_up(
  email text, password_hash text, display_name text, workspace_name text, workspace_slug text,
  token_hash text, ip inet, request_id text,
  max_per_ip integer default 5, per_window interval default interval '15 minutes',
  valid_for interval default interval '24 hours'
) returns table (outcome text, sign_up_id uuid, retry_after_seconds integer, workspaces text[])
language plpgsql security definer set search_path = '' as $$
declare
  normalized text := pg_catalog.lower(pg_catalog.btrim(request_sign_up.email));
  -- A request whose address the server could not tell shares one bucket.
  bucket inet := coalesce(ip, '::'::inet);
  recent integer;
  oldest timestamptz;
  target public.tenants;
  created uuid;
  accounts text[];
begin
  perform platform.attribute_membership('sign-up', ip, request_sign_up.request_id);
  -- Concurrent requests from one IP count one after the other.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skillhub.sign_up:' || bucket::text));
  select count(*), min(a.created_at) into recent, oldest from (
    select s.created_at from platform.sign_up_attempts s
    where s.ip_address = bucket and not s.refused and s.created_at > pg_catalog.now() - per_window
    order by s.created_at desc limit max_per_ip) a;
  if recent >= max_per_ip then
    if not exists (select from platform.sign_up_attempts s
                   where s.ip_address = bucket and s.refused and s.created_at > oldest) then
      insert into platform.sign_up_attempts (ip_address, refused) values (bucket, true);
      perform platform.log_system_security_event(event_type => 'access_blocked', severity => 'medium', ip => ip,
        details => pg_catalog.jsonb_build_object('reason', 'sign_up_throttled', 'requests', recent));
    end if;
    return query select 'throttled'::text, null::uuid,
      greatest(1, pg_catalog.ceil(extract(epoch from oldest + per_window - pg_catalog.now()))::integer), null::text[];
    return;
  end if;
  insert into platform.sign_up_attempts (ip_address) values (bucket);
  delete from platform.sign_up_attempts s where s.ip_address = bucket and s.created_at < pg_catalog.now() - per_window;
  delete from platform.sign_up_requests r where r.expires_at < pg_catalog.now() - interval '7 days';

  if request_sign_up.workspace_slug is not null
     and exists (select from public.tenants t where t.slug = request_sign_up.workspace_slug) then
    return query select 'slug_taken'::text, null::uuid, 0, null::text[];
    return;
  end if;

  select * into target from platform.joinable_workspace(pg_catalog.split_part(normalized, '@', 2));
  if target.id is not null
     and exists (select from public.users u where u.tenant_id = target.id and u.email = normalized) then
    perform platform.audit_membership(null, 'auth.sign_up_requested', 'sign_up_request', null,
      pg_catalog.jsonb_build_object('email', normalized, 'outcome', 'existing_account'));
    return query select 'existing'::text, null::uuid, 0, array[target.slug];
    return;
  end if;

  insert into platform.sign_up_requests (email, token_hash, password_hash, display_name, workspace_name,
    workspace_slug, ip_address, expires_at)
  values (normalized, request_sign_up.token_hash, request_sign_up.password_hash, request_sign_up.display_name,
    request_sign_up.workspace_name, request_sign_up.workspace_slug, ip, pg_catalog.now() + valid_for)
  returning id into created;
  select pg_catalog.array_agg(t.slug order by t.slug) into accounts
  from public.users u join public.tenants t on t.id = u.tenant_id
  where u.email = normalized and u.is_active and t.is_active;
  perform platform.audit_membership(null, 'auth.sign_up_requested', 'sign_up_request', created::text,
    pg_catalog.jsonb_build_object('email', normalized, 'outcome', 'pending'));
  return query select 'pending'::text, created, 0, coalesce(accounts, '{}');
end
$$;
--> statement-breakpoint
do $$
declare
  f text;
begin
  foreach f in array array[
    'audit.record_event(text, text, text, jsonb)',
    'platform.log_security_event(public.security_event_type, public.security_severity, uuid, text, inet, uuid, jsonb)',
    'platform.log_system_security_event(public.security_event_type, public.security_severity, text, inet, jsonb)',
    'platform.record_foreign_probe(text, uuid, jsonb)',
    'platform.record_host_mismatch(text, jsonb)']
  loop
    execute format('alter function %s owner to skillhub_system', f);
    execute format('revoke all on function %s from public', f);
    execute format('grant execute on function %s to skillhub_app', f);
  end loop;
end
$$;
--> statement-breakpoint
alter function platform.write_security_event(text, public.security_event_type, public.security_severity, uuid, text,
  inet, uuid, jsonb) owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.write_security_event(text, public.security_event_type, public.security_severity, uuid,
  text, inet, uuid, jsonb) from public;
--> statement-breakpoint
-- Which tenant owns a row is now the probe door's business alone: the
-- runtime role could ask it of any id.
revoke execute on function platform.owner_of(text, uuid) from skillhub_app;
--> statement-breakpoint
-- Nothing reads the settings through 0008's helpers any more, and no
-- function reads a tenant, actor, request id or IP from a plain setting but
-- platform.attribution (and the membership doors that set what it reads).
do $$
declare
  readers text;
begin
  select string_agg(p.oid::regprocedure::text, ', ') into readers
  from pg_catalog.pg_proc p
  where p.pronamespace in ('public'::regnamespace, 'platform'::regnamespace, 'audit'::regnamespace)
    and p.oid not in ('audit.context_text(text)'::regprocedure, 'audit.context_actor_type()'::regprocedure,
                      'platform.attribution()'::regprocedure)
    and (p.prosrc like '%audit.context\_%' or p.prosrc ~ 'current_setting\(''app\.(current_tenant_id|actor|request_id|ip)');
  if readers is not null then
    raise exception 'functions % still read the tenant context from plain settings', readers
      using hint = 'Read platform.verified_context() (or platform.attribution() for who acts) instead.';
  end if;
end
$$;
--> statement-breakpoint
drop function audit.context_text(text);
--> statement-breakpoint
drop function audit.context_actor_type();
--> statement-breakpoint
-- Sealing refuses events whose tenant does not exist: no chain may vouch
-- for them. Since the runtime role can no longer name a tenant, only the
-- owner or a superuser writing the ledger directly can leave one. Each is
-- recorded here, once, and sealing moves past it without breaking any
-- chain; the doctor reports them.
create table audit.refused_events (
  event_id uuid not null,
  txid xid8 not null,
  seq bigint not null,
  -- The tenant id the event names (no such tenant exists); not a tenant_id
  -- column, since no tenant reads this table.
  named_tenant text,
  reason text not null,
  refused_at timestamptz not null default now(),
  constraint refused_events_pkey primary key (event_id)
);
--> statement-breakpoint
create index refused_events_txid_seq_idx on audit.refused_events (txid, seq);
--> statement-breakpoint
revoke all on audit.refused_events from public;
--> statement-breakpoint
grant select, insert on audit.refused_events to skillhub_system;
--> statement-breakpoint
create trigger refused_events_append_only before update or delete on audit.refused_events
  for each row execute function audit.reject_change();
--> statement-breakpoint
create trigger refused_events_no_truncate before truncate on audit.refused_events
  for each statement execute function audit.reject_change();
--> statement-breakpoint
-- Where sealing stands: the last event it sealed or refused, in (txid, seq)
-- order; null on an empty ledger.
create function audit.sealing_cursor(out txid xid8, out seq bigint)
language sql stable set search_path = '' as $$
  select c.txid, c.seq from (
    (select s.txid, s.seq from audit.seals s order by s.txid desc, s.seq desc limit 1)
    union all
    (select r.txid, r.seq from audit.refused_events r order by r.txid desc, r.seq desc limit 1)
  ) c
  order by c.txid desc, c.seq desc
  limit 1
$$;
--> statement-breakpoint
revoke all on function audit.sealing_cursor() from public;
--> statement-breakpoint
grant execute on function audit.sealing_cursor() to skillhub_system;
--> statement-breakpoint
-- seal_pending of 0015, refusing events of unknown tenants. A warning names
-- how many it refused (in the server log); audit.refused_events names which.
create or replace function audit.seal_pending(max_events integer default 10000) returns integer
language plpgsql security definer set search_path = '' as $$
declare
  horizon xid8 := pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot());
  last_txid xid8;
  last_seq bigint;
  sealed integer;
  refused integer;
begin
  if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('skillhub.audit.seal')) then
    return 0;
  end if;
  select c.txid, c.seq into last_txid, last_seq from audit.sealing_cursor() c;
  with batch as materialized (
    select l.id, l.txid, l.seq, l.tenant_id, coalesce(l.tenant_id, '') as chain, audit.event_hash(l) as event_hash,
           l.tenant_id is not null and not exists (select from public.tenants t where t.id = l.tenant_id) as orphan
    from public.audit_logs l
    where l.txid < horizon and (l.txid, l.seq) > (coalesce(last_txid, '0'::xid8), coalesce(last_seq, 0))
    order by l.txid, l.seq
    limit max_events
  ),
  refusals as (
    insert into audit.refused_events (event_id, txid, seq, named_tenant, reason)
    select b.id, b.txid, b.seq, b.tenant_id, 'its tenant does not exist' from batch b where b.orphan
    returning 1
  ),
  heads as (
    select c.chain, coalesce(h.position, 0) as position, coalesce(h.chain_hash, audit.genesis_hash(c.chain)) as chain_hash
    from (select distinct b.chain from batch b where not b.orphan) c
    left join lateral (select s.position, s.chain_hash from audit.seals s where s.chain = c.chain
                       order by s.position desc limit 1) h on true
  ),
  sealing as (
    insert into audit.seals (chain, position, event_id, txid, seq, event_hash, chain_hash)
    select b.chain, h.position + pg_catalog.row_number() over w, b.id, b.txid, b.seq, b.event_hash,
           audit.chain_fold(h.chain_hash, b.event_hash) over w
    from batch b join heads h on h.chain = b.chain
    where not b.orphan
    window w as (partition by b.chain order by b.txid, b.seq rows between unbounded preceding and current row)
    returning 1
  )
  select (select count(*) from sealing), (select count(*) from refusals) into sealed, refused;
  if refused > 0 then
    raise warning 'sealing refused % audit events whose tenant does not exist', refused
      using hint = 'They were written outside the application; see audit.refused_events and skillhub doctor.';
  end if;
  return sealed;
end
$$;
--> statement-breakpoint
create or replace function audit.unsealed_before(before xid8) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (
    select from public.audit_logs l, audit.sealing_cursor() c
    where l.txid < before and (c.txid is null or (l.txid, l.seq) > (c.txid, c.seq)))
$$;
--> statement-breakpoint
create or replace function audit.sealing_status()
returns table (pending bigint, held_back_by_xid xid8, oldest_open_transaction_started timestamptz)
language sql stable security definer set search_path = '' as $$
  select
    (select count(*) from public.audit_logs l, audit.sealing_cursor() c
      where c.txid is null or (l.txid, l.seq) > (c.txid, c.seq)),
    pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot()),
    (select min(a.xact_start) from pg_catalog.pg_stat_activity a where a.backend_xid is not null)
$$;
