-- public.create_user_session with its tenant named, every statement in it filtered by that tenant: the
-- sign-in's session and its security events, which on a Citus cluster run as one call delegated to the
-- tenant's node (docs/citus.md, "Writes on the shards"). There the undelegated function failed twice
-- over: its reads of user_sessions by user alone were planned across every shard ("a column definition
-- list is required for functions returning record"), and its security events, written by a door owned
-- by skillhub_system after the session row the runtime role had just written, would have met "cannot
-- perform query on placements that were modified in this transaction by a different user". Invoker, as
-- before: row level security keeps it to the transaction's tenant, and a tenant other than the context's
-- finds no user. create_user_session stays, for callers inside the database.
create function public.create_tenant_session(
  tenant text, user_id uuid, ip inet, device jsonb, token_hash text, idle_timeout interval,
  absolute_timeout interval, mfa_pending boolean
) returns public.user_sessions
language plpgsql set search_path = '' as $$
declare
  created public.user_sessions;
  account public.users;
  fingerprint text := device ->> 'fingerprint';
  known_device boolean;
  first_session boolean;
begin
  select * into account from public.users u where u.tenant_id = tenant and u.id = create_tenant_session.user_id;
  if not found then
    raise exception 'no user % in this tenant', create_tenant_session.user_id using errcode = 'no_data_found';
  end if;
  select not exists (select 1 from public.user_sessions s where s.tenant_id = tenant and s.user_id = account.id),
         exists (select 1 from public.user_sessions s
                 where s.tenant_id = tenant and s.user_id = account.id and s.device_fingerprint = fingerprint)
    into first_session, known_device;
  insert into public.user_sessions (tenant_id, user_id, token_hash, device_fingerprint, user_agent, ip_address, last_ip,
    location, mfa_pending, idle_timeout, expires_at)
  values (tenant, account.id, coalesce(create_tenant_session.token_hash, pg_catalog.encode(public.gen_random_bytes(32), 'hex')),
    fingerprint, device ->> 'userAgent', ip, ip, device ->> 'location', create_tenant_session.mfa_pending,
    create_tenant_session.idle_timeout, pg_catalog.now() + absolute_timeout)
  returning * into created;
  if not create_tenant_session.mfa_pending then
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
revoke all on function public.create_tenant_session(text, uuid, inet, jsonb, text, interval, interval, boolean)
  from public;
--> statement-breakpoint
grant execute on function public.create_tenant_session(text, uuid, inet, jsonb, text, interval, interval, boolean)
  to skillhub_app;
