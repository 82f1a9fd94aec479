-- The single-tenant catalog as it stood before tenants existed. Later
-- migrations turn it multi-tenant without losing a row; keep this file as
-- history, never edit it.
create extension if not exists pgcrypto;
--> statement-breakpoint
create table users (
  id uuid not null default gen_random_uuid(),
  email text not null,
  display_name text not null,
  password_hash text,
  role text not null default 'member',
  is_active boolean not null default true,
  mfa_enabled boolean not null default false,
  mfa_secret text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint users_pkey primary key (id),
  constraint users_email_key unique (email),
  constraint users_role_check check (role in ('owner', 'admin', 'member')),
  constraint users_email_check check (email = lower(email) and position('@' in email) > 1)
);
--> statement-breakpoint
create table skills (
  id uuid not null default gen_random_uuid(),
  slug text not null,
  name text not null,
  description text not null default '',
  content text not null default '',
  tags text[] not null default '{}',
  author_id uuid,
  visibility text not null default 'internal',
  latest_version integer not null default 0,
  rating_count integer not null default 0,
  rating_sum integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint skills_pkey primary key (id),
  constraint skills_slug_key unique (slug),
  constraint skills_author_id_fkey foreign key (author_id) references users (id) on delete set null,
  constraint skills_slug_check check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  constraint skills_visibility_check check (visibility in ('private', 'internal', 'public'))
);
--> statement-breakpoint
create table skill_versions (
  id uuid not null default gen_random_uuid(),
  skill_id uuid not null,
  version integer not null,
  content text not null,
  changelog text not null default '',
  created_by uuid,
  created_at timestamptz not null default now(),
  constraint skill_versions_pkey primary key (id),
  constraint skill_versions_skill_id_version_key unique (skill_id, version),
  constraint skill_versions_skill_id_fkey foreign key (skill_id) references skills (id) on delete cascade,
  constraint skill_versions_created_by_fkey foreign key (created_by) references users (id) on delete set null,
  constraint skill_versions_version_check check (version > 0)
);
--> statement-breakpoint
create table ratings (
  id uuid not null default gen_random_uuid(),
  skill_id uuid not null,
  user_id uuid not null,
  score smallint not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint ratings_pkey primary key (id),
  constraint ratings_skill_id_user_id_key unique (skill_id, user_id),
  constraint ratings_skill_id_fkey foreign key (skill_id) references skills (id) on delete cascade,
  constraint ratings_user_id_fkey foreign key (user_id) references users (id) on delete cascade,
  constraint ratings_score_check check (score between 1 and 5)
);
--> statement-breakpoint
create table api_keys (
  id uuid not null default gen_random_uuid(),
  name text not null,
  prefix text not null,
  key_hash text not null,
  scopes text[] not null default '{}',
  created_by uuid,
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  constraint api_keys_pkey primary key (id),
  constraint api_keys_prefix_key unique (prefix),
  constraint api_keys_key_hash_key unique (key_hash),
  constraint api_keys_created_by_fkey foreign key (created_by) references users (id) on delete set null
);
--> statement-breakpoint
create table usage_events (
  id uuid not null default gen_random_uuid(),
  skill_id uuid not null,
  user_id uuid,
  api_key_id uuid,
  source text not null default 'web',
  occurred_at timestamptz not null default now(),
  constraint usage_events_pkey primary key (id),
  constraint usage_events_skill_id_fkey foreign key (skill_id) references skills (id) on delete cascade,
  constraint usage_events_user_id_fkey foreign key (user_id) references users (id) on delete set null,
  constraint usage_events_api_key_id_fkey foreign key (api_key_id) references api_keys (id) on delete set null
);
--> statement-breakpoint
create table skill_embeddings (
  id uuid not null default gen_random_uuid(),
  skill_id uuid not null,
  model text not null,
  embedding real[] not null,
  updated_at timestamptz not null default now(),
  constraint skill_embeddings_pkey primary key (id),
  constraint skill_embeddings_skill_id_key unique (skill_id),
  constraint skill_embeddings_skill_id_fkey foreign key (skill_id) references skills (id) on delete cascade
);
--> statement-breakpoint
create table skill_reviews (
  id uuid not null default gen_random_uuid(),
  skill_id uuid not null,
  reviewer_id uuid,
  status text not null default 'pending',
  notes text not null default '',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint skill_reviews_pkey primary key (id),
  constraint skill_reviews_skill_id_key unique (skill_id),
  constraint skill_reviews_skill_id_fkey foreign key (skill_id) references skills (id) on delete cascade,
  constraint skill_reviews_reviewer_id_fkey foreign key (reviewer_id) references users (id) on delete set null,
  constraint skill_reviews_status_check check (status in ('pending', 'approved', 'changes_requested', 'rejected'))
);
--> statement-breakpoint
-- One row of settings for the whole (single-tenant) site: the unique index
-- on a constant allows at most one row.
create table site_settings (
  id uuid not null default gen_random_uuid(),
  display_name text not null default 'Skillhub',
  logo_url text,
  default_visibility text not null default 'internal',
  settings jsonb not null default '{}',
  updated_at timestamptz not null default now(),
  constraint site_settings_pkey primary key (id),
  constraint site_settings_default_visibility_check check (default_visibility in ('private', 'internal', 'public'))
);
--> statement-breakpoint
create unique index site_settings_single_row on site_settings ((true));
