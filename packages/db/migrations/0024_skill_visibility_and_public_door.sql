-- Visibility that means something.
--
-- A skill is private, internal or public. Until now the column changed
-- nothing: every member and every skills:read key of the workspace read
-- every skill. Now the database decides, on the verified context of 0022:
--
--   private   its author and the workspace's admins and owners;
--   internal  every member of the workspace (what the tenant policy allows);
--   public    the same, and also anyone at the read-only public door below.
--
-- Who counts as "the author" for each kind of actor:
--   a user         itself (the context's actor id);
--   an API key     the user who created it: withTenant signs that user's id
--                  into the context ('u'), so a key reads its creator's
--                  private skills and writes skills in its creator's name.
--                  A key never inherits its creator's admin view: a key is
--                  a bearer secret handed to an integration, and a leaked
--                  admin's key must not open every member's private work;
--   a system actor the operator's own tools inside a workspace (the CLI's
--                  demo and tenant commands), run by whoever holds the
--                  owner's credentials and could read every row anyway:
--                  they see every skill, like an owner.
--
-- The rule is a restrictive policy beside tenant_isolation, so it only ever
-- narrows what the tenant policy allows, and it is enforced on every path:
-- list, search, similar skills, counts, exports, merges, and direct SQL.

-- Whose private skills the verified context may read: '*' for every one
-- (an admin, an owner, a system actor), otherwise the id of the user the
-- actor acts for, or null (no private skill at all). Policies call it as
-- `(select platform.private_skill_reader())`, an initplan PostgreSQL runs
-- once per statement and only when a private row is met.
create function platform.private_skill_reader() returns text
language plpgsql stable security definer set search_path = '' as $$
declare
  claims jsonb := platform.context_claims();
begin
  if claims ->> 'r' in ('admin', 'owner') or claims ->> 'at' = 'system' then
    return '*';
  end if;
  -- 'u' is the user the actor acts for; a context signed before it existed
  -- names a user actor only by its id.
  return coalesce(claims ->> 'u', case when claims ->> 'at' = 'user' then claims ->> 'a' end);
end
$$;
--> statement-breakpoint
alter function platform.private_skill_reader() owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.private_skill_reader() from public;
--> statement-breakpoint
grant execute on function platform.private_skill_reader() to skillhub_app;
--> statement-breakpoint
-- Reading, and writing: a row the writer could not read afterwards cannot be
-- written either, so a member cannot turn another's skill private (it would
-- vanish from them) nor write a private skill in another's name.
create policy private_to_author on public.skills as restrictive for all to public
  using (visibility <> 'private' or (select platform.private_skill_reader()) in ('*', author_id::text))
  with check (visibility <> 'private' or (select platform.private_skill_reader()) in ('*', author_id::text));
--> statement-breakpoint
-- A new skill is the writer's own, or nobody's (an admin's, an owner's or a
-- system actor's may name another author: an import, the demo).
create policy authored_by_writer on public.skills as restrictive for insert to public
  with check (author_id is null or (select platform.private_skill_reader()) in ('*', author_id::text));
--> statement-breakpoint
-- What hangs off a skill is visible exactly when the skill is: its
-- versions and embedding hold its content, and its ratings, reviews and uses
-- would tell that a private skill exists and how it fares. The sub-select
-- on skills is itself under both of skills' policies. Deletes cascading
-- from a skill (foreign keys) are not filtered: PostgreSQL runs them
-- without row level security.
do $$
declare
  t text;
begin
  foreach t in array array['skill_versions', 'skill_embeddings', 'ratings', 'skill_reviews', 'usage_events']
  loop
    execute pg_catalog.format(
      'create policy skill_visible on public.%1$I as restrictive for all to public
         using (exists (select from public.skills s where s.tenant_id = %1$I.tenant_id and s.id = %1$I.skill_id))
         with check (exists (select from public.skills s where s.tenant_id = %1$I.tenant_id and s.id = %1$I.skill_id))',
      t);
  end loop;
end
$$;
--> statement-breakpoint
-- The public door: a workspace's public skills, read by anyone without
-- credentials. The caller names the workspace by its slug and the door
-- resolves it itself; it never takes a tenant id. Only public skills of an
-- active workspace, and only the fields meant for everyone (no id, author,
-- ratings or tenant). A miss (no such workspace, a skill that is not
-- public, no such skill) is one and the same empty answer from one query,
-- so the caller cannot tell them apart, by the answer or by its time.
--
-- Each read is recorded in the workspace's chain as data_export (info),
-- tallied like the failures of 0021: per workspace, what was read and five
-- minutes, not per IP (an anonymous reader has as many addresses as it
-- likes), so the 1st, 10th, 100th... read of a window becomes an event and
-- the tally keeps the exact count: anonymous traffic cannot flood the
-- ledger. Who asked (the request id and IP) comes from the caller's stated
-- attribution (PlatformDoor's settings), as for the other pre-tenant doors.
create function platform.record_public_read(tenant text, target text) returns void
language plpgsql set search_path = '' as $$
begin
  perform platform.log_tallied_security_event(tenant, 'data_export', 'info', null,
    (platform.attribution()).ip, null, 'anonymous', target,
    pg_catalog.jsonb_build_object('reason', 'public_read', 'resource', target), false, 1);
end
$$;
--> statement-breakpoint
alter function platform.record_public_read(text, text) owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.record_public_read(text, text) from public;
--> statement-breakpoint
create function platform.public_skill(workspace text, skill_slug text)
returns table (slug text, name text, description text, tags text[], content text, latest_version integer,
  updated_at timestamptz)
language plpgsql security definer set search_path = '' as $$
declare
  s public.skills;
begin
  select k.* into s
  from public.tenants t
  join public.skills k on k.tenant_id = t.id
  where t.slug = workspace and t.is_active and k.slug = skill_slug and k.visibility = 'public';
  if s.tenant_id is null then
    return;
  end if;
  perform platform.record_public_read(s.tenant_id, 'public:skill:' || s.slug);
  return query select s.slug, s.name, s.description, s.tags, s.content, s.latest_version, s.updated_at;
end
$$;
--> statement-breakpoint
-- One page of a workspace's public skills by slug, after `after_slug`. An
-- unknown workspace has no public skills: the same empty page as a
-- workspace that publishes none.
create function platform.public_skills(workspace text, after_slug text, max_rows integer)
returns table (slug text, name text, description text, tags text[], latest_version integer, updated_at timestamptz)
language plpgsql security definer set search_path = '' as $$
declare
  tenant text;
begin
  select t.id into tenant from public.tenants t where t.slug = workspace and t.is_active;
  if tenant is null then
    return;
  end if;
  perform platform.record_public_read(tenant, 'public:list');
  return query
    select k.slug, k.name, k.description, k.tags, k.latest_version, k.updated_at
    from public.skills k
    where k.tenant_id = tenant and k.visibility = 'public' and (after_slug is null or k.slug > after_slug)
    order by k.slug
    -- A page of up to 100, and one more to tell whether another follows.
    limit least(greatest(max_rows, 1), 101);
end
$$;
--> statement-breakpoint
do $$
declare
  f text;
begin
  foreach f in array array['platform.public_skill(text, text)', 'platform.public_skills(text, text, integer)']
  loop
    execute format('alter function %s owner to skillhub_system', f);
    execute format('revoke all on function %s from public', f);
    execute format('grant execute on function %s to skillhub_app', f);
  end loop;
end
$$;
