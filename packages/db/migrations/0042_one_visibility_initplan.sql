-- The visibility policies of 0024 read the private-skill reader once per
-- statement, as intended, but wrote the test as `(select ...) in ('*',
-- author_id::text)`. PostgreSQL expands an IN list holding a column into
-- `= '*' or = author_id::text`, copying the sub-select into each arm, so
-- every statement that met a private row ran two initplans and verified the
-- tenant context twice for this policy alone (three times with the tenant
-- policy). `= any (array[...])` keeps one sub-select: the same rule, the same
-- answer for a null author (null, so the row is not visible), one
-- verification.
alter policy private_to_author on public.skills
  using (visibility <> 'private' or (select platform.private_skill_reader()) = any (array['*', author_id::text]))
  with check (visibility <> 'private' or (select platform.private_skill_reader()) = any (array['*', author_id::text]));
--> statement-breakpoint
alter policy authored_by_writer on public.skills
  with check (author_id is null or (select platform.private_skill_reader()) = any (array['*', author_id::text]));
