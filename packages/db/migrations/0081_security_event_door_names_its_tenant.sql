-- platform.log_security_event with its tenant named by the caller and refused unless it is the verified
-- context's, as 0078 did for application events: on a Citus cluster the door is delegated by that argument
-- to the tenant's node, where it runs in the worker transaction that holds the request's writes (undelegated,
-- a password change failed there: "cannot perform query on placements that were modified in this
-- transaction by a different user"). It gives no caller more than log_security_event, which stays.
create function platform.log_tenant_security_event(
  tenant text,
  event_type public.security_event_type,
  severity public.security_severity,
  user_id uuid,
  email text,
  ip inet,
  session_id uuid,
  details jsonb
) returns uuid
language plpgsql security definer set search_path = '' as $$
declare
  context_tenant text := (platform.verified_context()).tenant_id;
begin
  if context_tenant is null or context_tenant is distinct from tenant then
    raise exception 'platform.log_tenant_security_event records into the transaction''s verified tenant, and was given another'
      using errcode = 'insufficient_privilege',
            hint = 'Call it inside withTenant, naming its tenant.';
  end if;
  -- Runs where this call runs: on a cluster, on the tenant's node.
  return platform.log_security_event(event_type, severity, user_id, email, ip, session_id, details);
end
$$;
--> statement-breakpoint
alter function platform.log_tenant_security_event(text, public.security_event_type, public.security_severity, uuid,
  text, inet, uuid, jsonb) owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.log_tenant_security_event(text, public.security_event_type, public.security_severity,
  uuid, text, inet, uuid, jsonb) from public;
--> statement-breakpoint
grant execute on function platform.log_tenant_security_event(text, public.security_event_type,
  public.security_severity, uuid, text, inet, uuid, jsonb) to skillhub_app;
