-- The named doors across tenants. Each is SECURITY DEFINER, owned by
-- skillhub_system, with an empty search_path, and writes its own audit
-- record. Nothing else in the application reads across tenants.
create function platform.audit(tenant text, action text, resource_id text, metadata jsonb) returns void
language sql security definer set search_path = '' as $$
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
    ip_address, request_id, metadata)
  values (tenant, audit.context_actor_type(), audit.context_text('app.actor_id'), action, 'tenant',
    resource_id, audit.context_text('app.ip')::inet, audit.context_text('app.request_id'), metadata)
$$;
--> statement-breakpoint
create function platform.create_tenant(name text, slug text, domain text default null, plan text default 'free')
returns public.tenants
language plpgsql security definer set search_path = '' as $$
declare
  created public.tenants;
begin
  insert into public.tenants (name, slug, domain, plan)
  values (create_tenant.name, create_tenant.slug, pg_catalog.lower(create_tenant.domain), create_tenant.plan)
  returning * into created;
  perform platform.audit(created.id, 'tenant.create', created.id,
    pg_catalog.jsonb_build_object('slug', created.slug, 'name', created.name, 'plan', created.plan));
  return created;
end
$$;
--> statement-breakpoint
create function platform.set_tenant_active(tenant_id text, active boolean) returns public.tenants
language plpgsql security definer set search_path = '' as $$
declare
  changed public.tenants;
begin
  update public.tenants t set is_active = active, updated_at = pg_catalog.now()
  where t.id = set_tenant_active.tenant_id returning * into changed;
  if found then
    perform platform.audit(changed.id, case when active then 'tenant.activate' else 'tenant.deactivate' end,
      changed.id, '{}');
  end if;
  return changed;
end
$$;
--> statement-breakpoint
-- Lookups made before a tenant is known. They reveal only what a caller
-- needs to enter a tenant, and are recorded as system events.
create function platform.find_tenant(slug text default null, domain text default null)
returns setof public.tenants
language plpgsql security definer set search_path = '' as $$
begin
  return query select * from public.tenants t
    where (find_tenant.slug is not null and t.slug = find_tenant.slug)
       or (find_tenant.domain is not null and t.domain = pg_catalog.lower(find_tenant.domain));
  perform platform.audit(null, 'tenant.resolve', null,
    pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('slug', slug, 'domain', domain)));
end
$$;
--> statement-breakpoint
create function platform.list_tenants() returns setof public.tenants
language plpgsql security definer set search_path = '' as $$
begin
  perform platform.audit(null, 'tenant.list', null, '{}');
  return query select * from public.tenants order by created_at, id;
end
$$;
--> statement-breakpoint
do $$
declare
  f text;
begin
  foreach f in array array['platform.audit(text, text, text, jsonb)',
                           'platform.create_tenant(text, text, text, text)',
                           'platform.set_tenant_active(text, boolean)',
                           'platform.find_tenant(text, text)',
                           'platform.list_tenants()']
  loop
    execute format('alter function %s owner to skillhub_system', f);
    execute format('revoke all on function %s from public', f);
  end loop;
end
$$;
--> statement-breakpoint
grant execute on function platform.create_tenant(text, text, text, text), platform.set_tenant_active(text, boolean),
  platform.find_tenant(text, text), platform.list_tenants() to skillhub_app;
