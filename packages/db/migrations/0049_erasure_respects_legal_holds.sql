-- Erasure stops where a legal hold keeps a person's data. Migration 0047's
-- erase_subject destroyed a subject's keys whatever holds the workspace had
-- placed (0048), so data under a hold could be made unreadable, which is
-- what a hold forbids. erase_subject now asks first: a hold on the whole
-- workspace, or on the person by user id or by address (the member's
-- account and address both count), refuses the erasure and its dry run
-- (SQLSTATE 55000) before anything is read or changed. The body of 0047's
-- function stays, renamed, executable by its owner only.
alter function audit.erase_subject(text, text, boolean) rename to erase_subject_unheld;
--> statement-breakpoint
revoke all on function audit.erase_subject_unheld(text, text, boolean) from public, skillhub_app;
--> statement-breakpoint
create function audit.erase_subject(kind text, value text, dry_run boolean default true) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  tenant text := platform.current_tenant_id();
  named text := pg_catalog.lower(pg_catalog.btrim(value));
  account public.users;
  held text;
begin
  if tenant is not null and named is not null then
    if kind = 'user' and named ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      select * into account from public.users u where u.tenant_id = tenant and u.id = named::uuid;
    elsif kind = 'email' then
      select * into account from public.users u where u.tenant_id = tenant and u.email = named;
    end if;
    select c into held
    from pg_catalog.unnest(array[named, account.id::text, account.email]) c
    where c is not null and audit.subject_on_hold(tenant, c)
    limit 1;
    if held is not null then
      raise exception 'a legal hold keeps this person''s data in this workspace'
        using errcode = 'object_not_in_prerequisite_state',
              hint = 'Release the hold first (POST /audit/legal-holds/{id}/release, or skillhub retention hold release).';
    end if;
  end if;
  return audit.erase_subject_unheld(kind, value, dry_run);
end
$$;
--> statement-breakpoint
alter function audit.erase_subject(text, text, boolean) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.erase_subject(text, text, boolean) from public;
--> statement-breakpoint
grant execute on function audit.erase_subject(text, text, boolean) to skillhub_app;
--> statement-breakpoint
-- The retention policy column 0048 added to site_settings (tracked) is no
-- personal data; the doctor requires every tracked column to have a class.
select audit.classify_columns('public.site_settings', 'ordinary', array['audit_retention_days']);
