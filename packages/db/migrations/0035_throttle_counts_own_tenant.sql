-- The login throttle counts the verified tenant's sign-ins, and no other's.
--
-- platform.should_block_login took an optional tenant (for the owner's
-- benchmarks) and honoured it for any caller: the runtime role could ask,
-- from any context or none, how many failed sign-ins an address had in
-- another workspace in the last window, and whether that workspace's
-- blocklist or allowlist named it. The function of 0022, with one check
-- first: a tenant other than the verified one is counted only for a member
-- of skillhub_system (the owner: benchmarks, operators).
create or replace function platform.should_block_login(email text, ip inet, tenant_id text default null,
  device text default null)
returns table (blocked boolean, reason text, failures integer, retry_after_seconds integer)
language plpgsql stable security definer set search_path = '' as $$
declare
  verified text := platform.current_tenant_id();
  tenant text := coalesce(should_block_login.tenant_id, verified);
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
  if tenant is distinct from verified and not pg_catalog.pg_has_role(session_user, 'skillhub_system', 'member') then
    raise exception 'the login throttle counts only the sign-ins of the tenant in context'
      using errcode = 'insufficient_privilege',
            hint = 'Call it inside withTenant without naming a tenant.';
  end if;
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
