-- Listing every workspace and switching one on or off are operator work,
-- done from the CLI; the server never does either. Until now the runtime
-- role could call both, so one injected statement in the server could read
-- the name and slug of every customer or take any workspace offline. They
-- now belong to the role that runs the migrations (the operator's owner
-- connection, which `skillhub tenant` uses); the runtime role keeps only
-- what the server needs: creating a workspace (sign-up) and finding one by
-- the slug or domain a person typed.
revoke execute on function platform.set_tenant_active(platform.actor, text, boolean),
  platform.list_tenants(platform.actor) from skillhub_app;
--> statement-breakpoint
do $$
begin
  -- A superuser owner can call them anyway; a plain owner role needs the grant.
  execute format('grant execute on function platform.set_tenant_active(platform.actor, text, boolean), '
    'platform.list_tenants(platform.actor) to %I', current_user);
end
$$;
