/**
 * The row policies on public.skills two ways, for variant (d0) and its
 * server-side figures, which swap them in for their rounds only: the plain
 * setting migrations 0005-0021 trusted (and no visibility rule, which 0024
 * added), and the verified context of 0022 with 0024's visibility rule (as 0042 wrote it).
 */
export const plainPolicy = `alter policy tenant_isolation on public.skills
    using (tenant_id = (select current_setting('app.current_tenant_id', true)))
    with check (tenant_id = (select current_setting('app.current_tenant_id', true)));
  alter policy private_to_author on public.skills using (true) with check (true);
  alter policy authored_by_writer on public.skills with check (true)`;

export const verifiedPolicy = `alter policy tenant_isolation on public.skills
    using (tenant_id = (select platform.current_tenant_id()))
    with check (tenant_id = (select platform.current_tenant_id()));
  alter policy private_to_author on public.skills
    using (visibility <> 'private' or (select platform.private_skill_reader()) = any (array['*', author_id::text]))
    with check (visibility <> 'private' or (select platform.private_skill_reader()) = any (array['*', author_id::text]));
  alter policy authored_by_writer on public.skills
    with check (author_id is null or (select platform.private_skill_reader()) = any (array['*', author_id::text]))`;
