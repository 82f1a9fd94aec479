/**
 * The row policy on public.skills two ways, for variant (d0) and its
 * server-side figures, which swap it in for their rounds only: the plain
 * setting migrations 0005-0021 trusted, and the verified context of 0022.
 */
export const plainPolicy = `alter policy tenant_isolation on public.skills
  using (tenant_id = (select current_setting('app.current_tenant_id', true)))
  with check (tenant_id = (select current_setting('app.current_tenant_id', true)))`;

export const verifiedPolicy = `alter policy tenant_isolation on public.skills
  using (tenant_id = (select platform.current_tenant_id()))
  with check (tenant_id = (select platform.current_tenant_id()))`;
