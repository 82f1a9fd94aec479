-- Who may do what at run time.
--
-- skillhub_app: the group role the server's login role joins. It holds
-- plain DML on tenant tables and is subject to every policy; it owns
-- nothing, so it can neither disable RLS nor drop a policy.
--
-- skillhub_system: owns the few SECURITY DEFINER functions that must look
-- across tenants (resolving a tenant before one is known, platform admin).
-- It cannot log in; those functions are the only door it opens.
do $$
begin
  if not exists (select from pg_roles where rolname = 'skillhub_app') then
    create role skillhub_app nologin nosuperuser nobypassrls nocreatedb nocreaterole noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'skillhub_system') then
    if not (select rolsuper from pg_roles where rolname = current_user) then
      raise exception 'the role skillhub_system does not exist and % cannot create it', current_user
        using hint = 'Ask a superuser to run: create role skillhub_system nologin bypassrls; grant skillhub_system to ' || current_user || ';';
    end if;
    create role skillhub_system nologin bypassrls nosuperuser nocreatedb nocreaterole;
    -- Lets the sealing status name a long-running transaction of any role.
    grant pg_read_all_stats to skillhub_system;
  end if;
end
$$;
--> statement-breakpoint
revoke all on schema public from public;
--> statement-breakpoint
grant usage on schema public to skillhub_app, skillhub_system;
--> statement-breakpoint
grant select, insert, update, delete on users, skills, skill_versions, ratings, api_keys,
  usage_events, skill_embeddings, skill_reviews, site_settings to skillhub_app;
--> statement-breakpoint
grant select on tenants to skillhub_app;
--> statement-breakpoint
grant select, insert, update on tenants to skillhub_system;
--> statement-breakpoint
grant select on api_keys, users to skillhub_system;
--> statement-breakpoint
create schema platform;
--> statement-breakpoint
revoke all on schema platform from public;
--> statement-breakpoint
grant usage on schema platform to skillhub_app, skillhub_system;
