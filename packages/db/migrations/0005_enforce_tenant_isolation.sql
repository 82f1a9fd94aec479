-- Step three: tenant_id becomes mandatory and PostgreSQL itself enforces it.
--
-- Keys and foreign keys between tenant tables all lead with tenant_id, so a
-- child row can never point at another tenant's parent, and the schema can
-- be distributed by tenant (Citus) without changing a constraint.

-- Foreign keys between tenant tables reference single-column keys; drop
-- them first so the keys can be rebuilt around tenant_id.
alter table skills drop constraint skills_author_id_fkey;
--> statement-breakpoint
alter table skill_versions drop constraint skill_versions_skill_id_fkey, drop constraint skill_versions_created_by_fkey;
--> statement-breakpoint
alter table ratings drop constraint ratings_skill_id_fkey, drop constraint ratings_user_id_fkey;
--> statement-breakpoint
alter table api_keys drop constraint api_keys_created_by_fkey;
--> statement-breakpoint
alter table usage_events drop constraint usage_events_skill_id_fkey, drop constraint usage_events_user_id_fkey, drop constraint usage_events_api_key_id_fkey;
--> statement-breakpoint
alter table skill_embeddings drop constraint skill_embeddings_skill_id_fkey;
--> statement-breakpoint
alter table skill_reviews drop constraint skill_reviews_skill_id_fkey, drop constraint skill_reviews_reviewer_id_fkey;
--> statement-breakpoint
-- The same five steps for each of the nine tables: mandatory tenant_id that
-- defaults to the transaction's tenant, a foreign key to tenants, a primary
-- key led by tenant_id, and row level security forced on the owner too.
do $$
declare
  t text;
begin
  foreach t in array array['users', 'skills', 'skill_versions', 'ratings', 'api_keys',
                           'usage_events', 'skill_embeddings', 'skill_reviews', 'site_settings']
  loop
    execute format('alter table %I alter column tenant_id set not null', t);
    execute format($f$alter table %I alter column tenant_id set default current_setting('app.current_tenant_id', true)$f$, t);
    execute format('alter table %I add constraint %I foreign key (tenant_id) references tenants (id) on delete restrict', t, t || '_tenant_id_fkey');
    execute format('alter table %I drop constraint %I', t, t || '_pkey');
    execute format('alter table %I add constraint %I primary key (tenant_id, id)', t, t || '_pkey');
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format($f$create policy tenant_isolation on %I as permissive for all to public
                      using (tenant_id = (select current_setting('app.current_tenant_id', true)))
                      with check (tenant_id = (select current_setting('app.current_tenant_id', true)))$f$, t);
  end loop;
end
$$;
--> statement-breakpoint
-- Global uniques become per-tenant uniques.
alter table users drop constraint users_email_key, add constraint users_tenant_id_email_key unique (tenant_id, email);
--> statement-breakpoint
alter table skills drop constraint skills_slug_key, add constraint skills_tenant_id_slug_key unique (tenant_id, slug);
--> statement-breakpoint
alter table skill_versions drop constraint skill_versions_skill_id_version_key,
  add constraint skill_versions_tenant_id_skill_id_version_key unique (tenant_id, skill_id, version);
--> statement-breakpoint
alter table ratings drop constraint ratings_skill_id_user_id_key,
  add constraint ratings_tenant_id_skill_id_user_id_key unique (tenant_id, skill_id, user_id);
--> statement-breakpoint
alter table api_keys drop constraint api_keys_prefix_key, drop constraint api_keys_key_hash_key,
  add constraint api_keys_tenant_id_prefix_key unique (tenant_id, prefix),
  add constraint api_keys_tenant_id_key_hash_key unique (tenant_id, key_hash);
--> statement-breakpoint
-- A presented key is resolved before its tenant is known.
create index api_keys_key_hash_idx on api_keys (key_hash);
--> statement-breakpoint
alter table skill_embeddings drop constraint skill_embeddings_skill_id_key,
  add constraint skill_embeddings_tenant_id_skill_id_key unique (tenant_id, skill_id);
--> statement-breakpoint
alter table skill_reviews drop constraint skill_reviews_skill_id_key,
  add constraint skill_reviews_tenant_id_skill_id_key unique (tenant_id, skill_id);
--> statement-breakpoint
drop index site_settings_single_row;
--> statement-breakpoint
alter table site_settings add constraint site_settings_tenant_id_key unique (tenant_id);
--> statement-breakpoint
-- Foreign keys between tenant tables, rebuilt with tenant_id. "set null (col)"
-- clears only the reference, never tenant_id.
alter table skills add constraint skills_author_id_fkey
  foreign key (tenant_id, author_id) references users (tenant_id, id) on delete set null (author_id);
--> statement-breakpoint
alter table skill_versions
  add constraint skill_versions_skill_id_fkey foreign key (tenant_id, skill_id) references skills (tenant_id, id) on delete cascade,
  add constraint skill_versions_created_by_fkey foreign key (tenant_id, created_by) references users (tenant_id, id) on delete set null (created_by);
--> statement-breakpoint
alter table ratings
  add constraint ratings_skill_id_fkey foreign key (tenant_id, skill_id) references skills (tenant_id, id) on delete cascade,
  add constraint ratings_user_id_fkey foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade;
--> statement-breakpoint
alter table api_keys add constraint api_keys_created_by_fkey
  foreign key (tenant_id, created_by) references users (tenant_id, id) on delete set null (created_by);
--> statement-breakpoint
alter table usage_events
  add constraint usage_events_skill_id_fkey foreign key (tenant_id, skill_id) references skills (tenant_id, id) on delete cascade,
  add constraint usage_events_user_id_fkey foreign key (tenant_id, user_id) references users (tenant_id, id) on delete set null (user_id),
  add constraint usage_events_api_key_id_fkey foreign key (tenant_id, api_key_id) references api_keys (tenant_id, id) on delete set null (api_key_id);
--> statement-breakpoint
alter table skill_embeddings add constraint skill_embeddings_skill_id_fkey
  foreign key (tenant_id, skill_id) references skills (tenant_id, id) on delete cascade;
--> statement-breakpoint
alter table skill_reviews
  add constraint skill_reviews_skill_id_fkey foreign key (tenant_id, skill_id) references skills (tenant_id, id) on delete cascade,
  add constraint skill_reviews_reviewer_id_fkey foreign key (tenant_id, reviewer_id) references users (tenant_id, id) on delete set null (reviewer_id);
--> statement-breakpoint
-- Indexes for the common reads and for the foreign keys' delete checks,
-- every one led by tenant_id.
create index skills_tenant_id_updated_at_idx on skills (tenant_id, updated_at desc);
--> statement-breakpoint
create index skills_tenant_id_author_id_idx on skills (tenant_id, author_id);
--> statement-breakpoint
create index ratings_tenant_id_user_id_idx on ratings (tenant_id, user_id);
--> statement-breakpoint
create index usage_events_tenant_id_skill_id_occurred_at_idx on usage_events (tenant_id, skill_id, occurred_at desc);
--> statement-breakpoint
create index usage_events_tenant_id_occurred_at_idx on usage_events (tenant_id, occurred_at desc);
--> statement-breakpoint
-- A tenant sees its own organization row and no other.
alter table tenants enable row level security;
--> statement-breakpoint
alter table tenants force row level security;
--> statement-breakpoint
create policy tenant_isolation on tenants as permissive for select to public
  using (id = (select current_setting('app.current_tenant_id', true)));
