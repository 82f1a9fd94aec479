-- Full-text search over a skill's name, description and content, weighted
-- in that order. An immutable function lets the GIN index and the queries
-- share one expression instead of storing a derived column.
create function public.skill_search_document(name text, description text, content text) returns tsvector
language sql immutable parallel safe set search_path = '' as $$
  select pg_catalog.setweight(pg_catalog.to_tsvector('pg_catalog.english'::regconfig, coalesce(name, '')), 'A')
      || pg_catalog.setweight(pg_catalog.to_tsvector('pg_catalog.english'::regconfig, coalesce(description, '')), 'B')
      || pg_catalog.setweight(pg_catalog.to_tsvector('pg_catalog.english'::regconfig, coalesce(content, '')), 'C')
$$;
--> statement-breakpoint
create index skills_search_idx on skills using gin (public.skill_search_document(name, description, content));
--> statement-breakpoint
create index skills_tags_idx on skills using gin (tags);
--> statement-breakpoint
-- A published version's content never changes; merging may renumber and
-- re-parent versions, which keeps their content as it was.
create function public.reject_version_content_change() returns trigger
language plpgsql set search_path = '' as $$
begin
  if new.content is distinct from old.content then
    raise exception 'version % of skill % is published and cannot change', old.version, old.skill_id
      using errcode = 'integrity_constraint_violation',
            hint = 'Publish a new version instead.';
  end if;
  return new;
end
$$;
--> statement-breakpoint
create trigger skill_versions_immutable_content before update on skill_versions
  for each row execute function public.reject_version_content_change();
