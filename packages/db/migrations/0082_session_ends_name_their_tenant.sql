-- update_session_activity and terminate_session (0010) with their tenant named and every statement filtered
-- by it, as 0079 did for the session's start: each writes the session as the runtime role and then a
-- security event through a door, which on a Citus cluster must run as one call delegated to the tenant's
-- node (undelegated, a password change failed at the end of the other sessions: "cannot perform query on
-- placements that were modified in this transaction by a different user"). Invoker, as before: row level
-- security keeps them to the context's tenant, where another tenant's session is not found. The 0010
-- functions stay, for callers inside the database.
create function public.update_tenant_session_activity(tenant text, session_id uuid, ip inet default null,
  every interval default interval '5 minutes')
returns boolean
language plpgsql set search_path = '' as $$
declare
  s public.user_sessions;
begin
  select * into s from public.user_sessions u
  where u.tenant_id = tenant and u.id = session_id and u.terminated_at is null;
  if not found then
    return false;
  end if;
  if ip is not null and s.last_ip is distinct from ip then
    update public.user_sessions u set last_ip = ip, last_activity_at = pg_catalog.now()
    where u.tenant_id = tenant and u.id = session_id;
    perform platform.log_security_event('suspicious_activity', 'medium', s.user_id, null, ip, s.id,
      pg_catalog.jsonb_build_object('reason', 'session_ip_changed', 'previousIp', s.last_ip::text));
  elsif s.last_activity_at < pg_catalog.now() - least(every, s.idle_timeout / 4) then
    update public.user_sessions u set last_activity_at = pg_catalog.now() where u.tenant_id = tenant and u.id = session_id;
  end if;
  return true;
end
$$;
--> statement-breakpoint
create function public.terminate_tenant_session(tenant text, session_id uuid, reason text) returns boolean
language plpgsql set search_path = '' as $$
declare
  ended public.user_sessions;
begin
  update public.user_sessions s set terminated_at = pg_catalog.now(), termination_reason = reason
  where s.tenant_id = tenant and s.id = session_id and s.terminated_at is null
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
revoke all on function public.update_tenant_session_activity(text, uuid, inet, interval) from public;
--> statement-breakpoint
grant execute on function public.update_tenant_session_activity(text, uuid, inet, interval) to skillhub_app;
--> statement-breakpoint
revoke all on function public.terminate_tenant_session(text, uuid, text) from public;
--> statement-breakpoint
grant execute on function public.terminate_tenant_session(text, uuid, text) to skillhub_app;
