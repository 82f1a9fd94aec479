-- API keys that end by themselves. A key made for a contractor, a demo or
-- a CI job that runs for a quarter should not outlive its purpose because
-- nobody remembered to revoke it: an optional expiry is chosen when the key
-- is made, and a key past it is refused like a revoked one.
alter table api_keys add column expires_at timestamptz;
--> statement-breakpoint
alter table api_keys add constraint api_keys_expiry_after_creation check (expires_at is null or expires_at > created_at);
--> statement-breakpoint
-- resolve_api_key of 0027, refusing a key past its expiry and returning the
-- expiry, so a server that keeps resolved keys in memory stops serving one
-- at that moment (no announcement marks the passing of time).
drop function platform.resolve_api_key(text);
--> statement-breakpoint
create function platform.resolve_api_key(key_hash text)
returns table (tenant_id text, tenant_slug text, key_id uuid, scopes text[], created_by uuid, tenant_active boolean,
  expires_at timestamptz)
language plpgsql stable security definer set search_path = '' as $$
begin
  return query select k.tenant_id, t.slug, k.id, k.scopes, k.created_by, t.is_active, k.expires_at
    from public.api_keys k join public.tenants t on t.id = k.tenant_id
    where k.key_hash = resolve_api_key.key_hash and k.revoked_at is null
      and (k.expires_at is null or k.expires_at > pg_catalog.now());
end
$$;
--> statement-breakpoint
alter function platform.resolve_api_key(text) owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.resolve_api_key(text) from public;
--> statement-breakpoint
grant execute on function platform.resolve_api_key(text) to skillhub_app;
