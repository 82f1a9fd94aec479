-- Membership needs a proven email. Until now sign-up created the account
-- (and, by the email's domain, joined an existing workspace) at once, and
-- told a stranger whether an address already had an account.
--
-- A sign-up is now a request: it waits here, outside any tenant, until the
-- link mailed to the address comes back. Verifying it creates the workspace
-- and its owner (or joins the one workspace that lets verified addresses at
-- its domain in) in one transaction, inside one function. An admin's
-- invitation is the other way in: a tenant row whose mailed link creates
-- the account with the role the admin chose.
--
-- Tokens are stored only as SHA-256; the runtime role reaches the pending
-- requests and the sign-up throttle only through the functions below.
create table platform.sign_up_requests (
  id uuid not null default gen_random_uuid(),
  email text not null,
  token_hash text not null,
  -- The argon2id hash chosen at sign-up; wiped once the request is used.
  password_hash text,
  display_name text not null,
  workspace_name text,
  workspace_slug text,
  ip_address inet,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  constraint sign_up_requests_pkey primary key (id),
  constraint sign_up_requests_token_hash_key unique (token_hash),
  constraint sign_up_requests_email_check check (email = lower(email) and position('@' in email) > 1),
  constraint sign_up_requests_token_hash_check check (token_hash ~ '^[0-9a-f]{64}$'),
  constraint sign_up_requests_workspace_check check ((workspace_name is null) = (workspace_slug is null)),
  constraint sign_up_requests_password_check check ((used_at is null) = (password_hash is not null))
);
--> statement-breakpoint
create index sign_up_requests_expires_at_idx on platform.sign_up_requests (expires_at);
--> statement-breakpoint
-- The per-IP sign-up throttle counts here, so every server process sees
-- the same count. `refused` marks the first refusal of a window: it is
-- recorded once as a security event, later ones are not (no flood lever).
create table platform.sign_up_attempts (
  id bigint generated always as identity,
  ip_address inet not null,
  refused boolean not null default false,
  created_at timestamptz not null default now(),
  constraint sign_up_attempts_pkey primary key (id)
);
--> statement-breakpoint
create index sign_up_attempts_ip_address_created_at_idx on platform.sign_up_attempts (ip_address, created_at);
--> statement-breakpoint
revoke all on platform.sign_up_requests, platform.sign_up_attempts from public;
--> statement-breakpoint
grant select, insert, update, delete on platform.sign_up_requests, platform.sign_up_attempts to skillhub_system;
--> statement-breakpoint
-- Invitations belong to the workspace that sent them, like every tenant row.
create table invitations (
  tenant_id text not null default current_setting('app.current_tenant_id', true) references tenants (id) on delete restrict,
  id uuid not null default gen_random_uuid(),
  email text not null,
  role text not null,
  token_hash text not null,
  invited_by uuid not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_user_id uuid,
  revoked_at timestamptz,
  constraint invitations_pkey primary key (tenant_id, id),
  constraint invitations_tenant_id_token_hash_key unique (tenant_id, token_hash),
  constraint invitations_invited_by_fkey foreign key (tenant_id, invited_by) references users (tenant_id, id) on delete cascade,
  constraint invitations_accepted_user_id_fkey foreign key (tenant_id, accepted_user_id) references users (tenant_id, id) on delete set null (accepted_user_id),
  constraint invitations_email_check check (email = lower(email) and position('@' in email) > 1),
  constraint invitations_role_check check (role in ('owner', 'admin', 'member')),
  constraint invitations_token_hash_check check (token_hash ~ '^[0-9a-f]{64}$'),
  constraint invitations_settled_check check (accepted_at is null or revoked_at is null)
);
--> statement-breakpoint
create index invitations_tenant_id_created_at_idx on invitations (tenant_id, created_at desc);
--> statement-breakpoint
-- Accepting resolves the token before any tenant is known.
create index invitations_token_hash_idx on invitations (token_hash);
--> statement-breakpoint
alter table invitations enable row level security;
--> statement-breakpoint
alter table invitations force row level security;
--> statement-breakpoint
-- The same predicate as the users table's, read from the catalog rather than
-- spelled out again: whatever form the tenant check has reached by this
-- migration, invitations are isolated exactly like the accounts they create.
do $$
declare
  using_expr text;
  check_expr text;
begin
  select pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)
    into using_expr, check_expr
  from pg_catalog.pg_policy p
  where p.polrelid = 'public.users'::regclass and p.polname = 'tenant_isolation' and p.polcmd = '*';
  if using_expr is null or check_expr is null then
    raise exception 'users has no tenant_isolation policy for all commands to copy onto invitations'
      using hint = 'Create invitations'' policy by hand with the predicate the other tenant tables use.';
  end if;
  execute format('create policy tenant_isolation on invitations as permissive for all to public using (%s) with check (%s)',
                 using_expr, check_expr);
end
$$;
--> statement-breakpoint
-- Revoking is an update; an invitation is never deleted by the application.
grant select, insert, update on invitations to skillhub_app;
--> statement-breakpoint
grant select, update on invitations to skillhub_system;
--> statement-breakpoint
grant insert on users, site_settings to skillhub_system;
--> statement-breakpoint
select audit.enable_tracking('invitations'::regclass);
--> statement-breakpoint
-- Helpers of the three doors below, run with their rights (security
-- invoker, and no grant to the runtime role).
--
-- Records an application event in `tenant`'s chain (null: the system chain)
-- for the doors, which write into a tenant no context names yet.
create function platform.audit_membership(tenant text, action text, resource_type text, resource_id text,
  metadata jsonb)
returns void
language sql set search_path = '' as $$
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
    ip_address, request_id, metadata)
  values (tenant, audit.context_actor_type(), audit.context_text('app.actor_id'), action, resource_type,
    resource_id, audit.context_text('app.ip')::inet, audit.context_text('app.request_id'), metadata)
$$;
--> statement-breakpoint
-- Who is acting, for the events and captured changes of this transaction:
-- these functions run before any tenant context exists, so they name the
-- actor themselves. Transaction-local, like withTenant's settings.
create function platform.attribute_membership(actor_id text, ip inet, request_id text) returns void
language sql set search_path = '' as $$
  select pg_catalog.set_config('app.actor_type', 'system', true),
         pg_catalog.set_config('app.actor_id', actor_id, true),
         pg_catalog.set_config('app.ip', coalesce(ip::text, ''), true),
         pg_catalog.set_config('app.request_id', coalesce(request_id, ''), true)
$$;
--> statement-breakpoint
-- The workspace a verified address at `domain` may join: active, with that
-- domain, and with signUp.joinByDomain turned on in its settings (off unless
-- an admin turned it on).
create function platform.joinable_workspace(domain text) returns public.tenants
language sql stable set search_path = '' as $$
  select t.* from public.tenants t
  join public.site_settings s on s.tenant_id = t.id
  where t.domain = pg_catalog.lower(joinable_workspace.domain) and t.is_active
    and s.settings -> 'signUp' -> 'joinByDomain' = 'true'::jsonb
$$;
--> statement-breakpoint
-- Stores a sign-up until its emailed link comes back, and says what mail to
-- send. Outcomes:
--   throttled: this IP made max_per_ip requests within per_window;
--              retry_after_seconds says when the oldest leaves the window
--   slug_taken: the workspace address asked for is in use (whatever the email)
--   existing:  the address already has an account in the workspace it
--              would join; nothing is stored, its owner is told instead
--   pending:   stored; mail the link (workspaces: where the address
--              already has accounts, for the mail to mention)
-- The caller answers all but the first two the same way, so the answer
-- never says whether an account exists.
create function platform.request_sign_up(
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
      perform platform.log_security_event(event_type => 'access_blocked', severity => 'medium', ip => ip,
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
-- Uses a sign-up's token: in this one transaction it creates the workspace
-- (named at sign-up, or now) and its owner, or joins the workspace that lets
-- verified addresses at the email's domain in, and marks the token used.
-- An unknown, used or expired token, a missing workspace name or an
-- address already in the workspace writes nothing and says which (outcome);
-- a taken slug or a concurrent twin fails with a unique violation and
-- leaves nothing behind either.
create function platform.complete_sign_up(token_hash text, workspace_name text, workspace_slug text,
  ip inet, request_id text)
returns table (outcome text, tenant_id text, tenant_slug text, user_id uuid, role text)
language plpgsql security definer set search_path = '' as $$
declare
  r platform.sign_up_requests;
  target public.tenants;
  account uuid;
  account_role text;
begin
  select * into r from platform.sign_up_requests s where s.token_hash = complete_sign_up.token_hash for update;
  if not found then
    return query select 'unknown'::text, null::text, null::text, null::uuid, null::text;
    return;
  elsif r.used_at is not null then
    return query select 'used'::text, null::text, null::text, null::uuid, null::text;
    return;
  elsif r.expires_at <= pg_catalog.now() then
    return query select 'expired'::text, null::text, null::text, null::uuid, null::text;
    return;
  end if;
  perform platform.attribute_membership('sign-up', ip, complete_sign_up.request_id);

  select * into target from platform.joinable_workspace(pg_catalog.split_part(r.email, '@', 2));
  if target.id is not null then
    if exists (select from public.users u where u.tenant_id = target.id and u.email = r.email) then
      return query select 'already_member'::text, target.id, target.slug, null::uuid, null::text;
      return;
    end if;
    account_role := 'member';
  else
    if coalesce(complete_sign_up.workspace_slug, r.workspace_slug) is null then
      return query select 'needs_workspace'::text, null::text, null::text, null::uuid, null::text;
      return;
    end if;
    -- create_tenant records tenant.create, attributed to this sign-up.
    target := platform.create_tenant(('system', 'sign-up', complete_sign_up.request_id, complete_sign_up.ip)::platform.actor,
                                     name => coalesce(complete_sign_up.workspace_name, r.workspace_name),
                                     slug => coalesce(complete_sign_up.workspace_slug, r.workspace_slug));
    insert into public.site_settings (tenant_id, display_name) values (target.id, target.name);
    account_role := 'owner';
  end if;

  insert into public.users (tenant_id, email, display_name, password_hash, role)
  values (target.id, r.email, r.display_name, r.password_hash, account_role)
  returning id into account;
  update platform.sign_up_requests s set used_at = pg_catalog.now(), password_hash = null where s.id = r.id;
  perform platform.audit_membership(target.id, 'auth.email_verified', 'user', account::text,
    pg_catalog.jsonb_build_object('role', account_role, 'joined', account_role = 'member'));
  return query select case when account_role = 'member' then 'joined' else 'created' end,
    target.id, target.slug, account, account_role;
end
$$;
--> statement-breakpoint
-- Uses an invitation's token: creates the invited account with the role the
-- inviter chose and marks the invitation accepted, in one transaction. A
-- token that is unknown, used, revoked or expired, a deactivated workspace,
-- or an address that already has an account there writes nothing.
create function platform.accept_invitation(token_hash text, display_name text, password_hash text,
  ip inet, request_id text)
returns table (outcome text, tenant_id text, tenant_slug text, user_id uuid, role text)
language plpgsql security definer set search_path = '' as $$
declare
  inv public.invitations;
  workspace public.tenants;
  account uuid;
begin
  select * into inv from public.invitations i where i.token_hash = accept_invitation.token_hash for update;
  if not found then
    return query select 'unknown'::text, null::text, null::text, null::uuid, null::text;
    return;
  end if;
  select * into workspace from public.tenants t where t.id = inv.tenant_id;
  if inv.accepted_at is not null then
    return query select 'used'::text, null::text, null::text, null::uuid, null::text;
  elsif inv.revoked_at is not null then
    return query select 'revoked'::text, null::text, null::text, null::uuid, null::text;
  elsif inv.expires_at <= pg_catalog.now() then
    return query select 'expired'::text, null::text, null::text, null::uuid, null::text;
  elsif not workspace.is_active then
    return query select 'inactive'::text, null::text, null::text, null::uuid, null::text;
  elsif exists (select from public.users u where u.tenant_id = inv.tenant_id and u.email = inv.email) then
    return query select 'already_member'::text, workspace.id, workspace.slug, null::uuid, null::text;
  else
    perform platform.attribute_membership('invitation', ip, accept_invitation.request_id);
    insert into public.users (tenant_id, email, display_name, password_hash, role)
    values (inv.tenant_id, inv.email, accept_invitation.display_name, accept_invitation.password_hash, inv.role)
    returning id into account;
    update public.invitations i set accepted_at = pg_catalog.now(), accepted_user_id = account
    where i.tenant_id = inv.tenant_id and i.id = inv.id;
    perform platform.audit_membership(inv.tenant_id, 'invitation.accepted', 'invitation', inv.id::text,
      pg_catalog.jsonb_build_object('role', inv.role, 'user_id', account, 'invited_by', inv.invited_by));
    return query select 'accepted'::text, workspace.id, workspace.slug, account, inv.role;
  end if;
end
$$;
--> statement-breakpoint
do $$
declare
  f text;
begin
  foreach f in array array[
    'platform.audit_membership(text, text, text, text, jsonb)',
    'platform.attribute_membership(text, inet, text)',
    'platform.joinable_workspace(text)',
    'platform.request_sign_up(text, text, text, text, text, text, inet, text, integer, interval, interval)',
    'platform.complete_sign_up(text, text, text, inet, text)',
    'platform.accept_invitation(text, text, text, inet, text)']
  loop
    execute format('alter function %s owner to skillhub_system', f);
    execute format('revoke all on function %s from public', f);
  end loop;
end
$$;
--> statement-breakpoint
-- The three doors the server opens; the helpers above stay behind them.
grant execute on function
  platform.request_sign_up(text, text, text, text, text, text, inet, text, integer, interval, interval),
  platform.complete_sign_up(text, text, text, inet, text),
  platform.accept_invitation(text, text, text, inet, text)
  to skillhub_app;
