-- Organizations. Every tenant-scoped row will point here; the default tenant
-- receives everything the single-tenant installation held.
create table tenants (
  id text not null default gen_random_uuid()::text,
  name text not null,
  slug text not null,
  domain text,
  logo text,
  is_active boolean not null default true,
  plan text not null default 'free',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint tenants_pkey primary key (id),
  constraint tenants_slug_key unique (slug),
  constraint tenants_slug_check check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 63),
  constraint tenants_domain_check check (domain is null or domain = lower(domain)),
  constraint tenants_plan_check check (plan in ('free', 'team', 'enterprise'))
);
--> statement-breakpoint
create unique index tenants_domain_key on tenants (domain) where domain is not null;
--> statement-breakpoint
insert into tenants (id, name, slug, plan) values ('default', 'Default', 'default', 'free')
on conflict (id) do nothing;
