-- Platform operations say who asked. The functions of 0009 took their
-- actor, request id and IP from the transaction's settings, which a
-- platform call (no tenant transaction) never had: tenant.create,
-- tenant.deactivate and tenant.activate were recorded with no actor, from
-- the CLI, sign-up and the server alike. Each now takes the caller as its
-- first argument and reads no setting at all.
--
-- Where each record lands: creating, deactivating and activating a tenant
-- change that tenant, so they go to its own chain (as before); resolving a
-- slug or domain and listing tenants read only the directory entry a
-- sign-in form already names, so they stay in the system chain, now naming
-- the tenant a lookup found.
create type platform.actor as (actor_type text, actor_id text, request_id text, ip inet);
--> statement-breakpoint
create function platform.audit(actor platform.actor, tenant text, action text, resource_id text, metadata jsonb)
returns void
language plpgsql security definer set search_path = '' as $$
begin
  if actor.actor_type is null then
    raise exception 'platform operation % names no actor', action
      using hint = 'Pass who is asking: (actor_type, actor_id, request_id, ip)::platform.actor.';
  end if;
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
    ip_address, request_id, metadata)
  values (tenant, actor.actor_type, actor.actor_id, action, 'tenant', resource_id, actor.ip, actor.request_id,
    metadata);
end
$$;
--> statement-breakpoint
create function platform.create_tenant(actor platform.actor, name text, slug text, domain text default null,
  plan text default 'free')
returns public.tenants
language plpgsql security definer set search_path = '' as $$
declare
  created public.tenants;
begin
  insert into public.tenants (name, slug, domain, plan)
  values (create_tenant.name, create_tenant.slug, pg_catalog.lower(create_tenant.domain), create_tenant.plan)
  returning * into created;
  perform platform.audit(actor, created.id, 'tenant.create', created.id,
    pg_catalog.jsonb_build_object('slug', created.slug, 'name', created.name, 'plan', created.plan));
  return created;
end
$$;
--> statement-breakpoint
create function platform.set_tenant_active(actor platform.actor, tenant_id text, active boolean)
returns public.tenants
language plpgsql security definer set search_path = '' as $$
declare
  changed public.tenants;
begin
  update public.tenants t set is_active = active, updated_at = pg_catalog.now()
  where t.id = set_tenant_active.tenant_id returning * into changed;
  if found then
    perform platform.audit(actor, changed.id, case when active then 'tenant.activate' else 'tenant.deactivate' end,
      changed.id, '{}');
  end if;
  return changed;
end
$$;
--> statement-breakpoint
create function platform.find_tenant(actor platform.actor, slug text default null, domain text default null)
returns setof public.tenants
language plpgsql security definer set search_path = '' as $$
declare
  found_tenant public.tenants;
begin
  select * into found_tenant from public.tenants t
  where (find_tenant.slug is not null and t.slug = find_tenant.slug)
     or (find_tenant.domain is not null and t.domain = pg_catalog.lower(find_tenant.domain));
  perform platform.audit(actor, null, 'tenant.resolve', null,
    pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('slug', slug, 'domain', domain,
      'tenant', found_tenant.id)));
  if found_tenant.id is not null then
    return next found_tenant;
  end if;
end
$$;
--> statement-breakpoint
create function platform.list_tenants(actor platform.actor) returns setof public.tenants
language plpgsql security definer set search_path = '' as $$
begin
  perform platform.audit(actor, null, 'tenant.list', null, '{}');
  return query select * from public.tenants order by created_at, id;
end
$$;
--> statement-breakpoint
drop function platform.create_tenant(text, text, text, text);
--> statement-breakpoint
drop function platform.set_tenant_active(text, boolean);
--> statement-breakpoint
drop function platform.find_tenant(text, text);
--> statement-breakpoint
drop function platform.list_tenants();
--> statement-breakpoint
drop function platform.audit(text, text, text, jsonb);
--> statement-breakpoint
do $$
declare
  f text;
begin
  foreach f in array array['platform.audit(platform.actor, text, text, text, jsonb)',
                           'platform.create_tenant(platform.actor, text, text, text, text)',
                           'platform.set_tenant_active(platform.actor, text, boolean)',
                           'platform.find_tenant(platform.actor, text, text)',
                           'platform.list_tenants(platform.actor)']
  loop
    execute format('revoke all on function %s from public', f);
    execute format('alter function %s owner to skillhub_system', f);
  end loop;
end
$$;
--> statement-breakpoint
grant execute on function platform.create_tenant(platform.actor, text, text, text, text),
  platform.set_tenant_active(platform.actor, text, boolean), platform.find_tenant(platform.actor, text, text),
  platform.list_tenants(platform.actor) to skillhub_app;
