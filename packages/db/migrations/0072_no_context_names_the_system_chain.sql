-- Since 0070 the system chain's rows carry tenant_id '', so a tenant context
-- naming '' would pass every row policy's `tenant_id = current_tenant_id()`
-- on exactly the system chain's events, security events and tallies, and
-- the doors would write into it under that context. Only withTenant signs
-- contexts, and it refuses '' (assertTenantId); the database no longer
-- relies on that: a context naming '' names no tenant here, so it reads
-- no row of any tenant table and every door that needs a tenant refuses it.
create or replace function platform.current_tenant_id() returns text
language plpgsql stable security definer set search_path = '' as $$
begin
  return nullif(platform.context_claims() ->> 't', '');
end
$$;
--> statement-breakpoint
create or replace function platform.verified_context() returns platform.request_context
language plpgsql stable security definer set search_path = '' as $$
declare
  claims jsonb := platform.context_claims();
begin
  if claims is null then
    return null;
  end if;
  return (nullif(claims ->> 't', ''), claims ->> 'at', claims ->> 'a', claims ->> 'r', claims ->> 'q',
          (claims ->> 'ip')::inet, pg_catalog.to_timestamp((claims ->> 'iat')::double precision / 1000))
         ::platform.request_context;
end
$$;
