-- Which workspaces hold a TOTP secret not sealed with the current key.
--
-- `skillhub serve` reseals such secrets before it listens. Opening a tenant
-- transaction in every workspace to find out costs one round trip per
-- workspace on every start (ten thousand workspaces: seconds of startup for,
-- almost always, nothing to do). This door answers the question in one
-- statement and returns workspace ids only, never a secret; the resealing
-- itself still happens inside each workspace's own transaction, so every
-- change stays in that workspace's audit trail. The scan is recorded in the
-- system chain like every platform read.
create function platform.tenants_with_stale_mfa_secrets(actor platform.actor, current_key_prefix text)
returns setof text
language plpgsql security definer set search_path = '' as $$
begin
  if current_key_prefix is null or current_key_prefix = '' then
    raise exception 'the current key prefix is required'
      using hint = 'Pass the prefix every freshly sealed secret starts with, such as v1.<key id>.';
  end if;
  perform platform.audit(actor, null, 'tenant.list', null,
    pg_catalog.jsonb_build_object('purpose', 'stale_mfa_secret_scan'));
  return query
    select distinct u.tenant_id from public.users u
    where u.mfa_secret is not null
      and not pg_catalog.starts_with(u.mfa_secret, current_key_prefix);
end
$$;
--> statement-breakpoint
revoke all on function platform.tenants_with_stale_mfa_secrets(platform.actor, text) from public;
--> statement-breakpoint
alter function platform.tenants_with_stale_mfa_secrets(platform.actor, text) owner to skillhub_system;
--> statement-breakpoint
grant execute on function platform.tenants_with_stale_mfa_secrets(platform.actor, text) to skillhub_app;
