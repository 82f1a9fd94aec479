-- platform.accept_invitation (0020) finds the invitation's workspace first and then locks the invitation
-- by it: a Citus coordinator refuses a row lock on a distributed table without its distribution column
-- ("could not run distributed query with FOR UPDATE/SHARE commands"), so accepting an invitation failed
-- on a cluster. The token still names the invitation alone, and the lock still holds it while the account
-- is made; the rest is 0020's body.
create or replace function platform.accept_invitation(token_hash text, display_name text, password_hash text,
  ip inet, request_id text)
returns table (outcome text, tenant_id text, tenant_slug text, user_id uuid, role text)
language plpgsql security definer set search_path = '' as $$
declare
  inv public.invitations;
  workspace public.tenants;
  account uuid;
  invited_into text;
begin
  select i.tenant_id into invited_into from public.invitations i where i.token_hash = accept_invitation.token_hash;
  select * into inv from public.invitations i
  where i.tenant_id = invited_into and i.token_hash = accept_invitation.token_hash
  for update;
  if not found then
    return query select 'unknown'::text, null::text, null::text, null::uuid, null::text;
    return;
  end if;
  select * into workspace from public.tenants t where t.id = inv.tenant_id;
  if inv.accepted_at is not null then
    return query select 'used'::text, null::text, null::text, null::uuid, null::text;
  elsif inv.revoked_at is not null then
    return query select 'revoked'::text, null::text, null::text, null::uuid, null::text;
  elsif inv.expires_at <= pg_catalog.now() then
    return query select 'expired'::text, null::text, null::text, null::uuid, null::text;
  elsif not workspace.is_active then
    return query select 'inactive'::text, null::text, null::text, null::uuid, null::text;
  elsif exists (select from public.users u where u.tenant_id = inv.tenant_id and u.email = inv.email) then
    return query select 'already_member'::text, workspace.id, workspace.slug, null::uuid, null::text;
  else
    perform platform.attribute_membership('invitation', ip, accept_invitation.request_id);
    insert into public.users (tenant_id, email, display_name, password_hash, role)
    values (inv.tenant_id, inv.email, accept_invitation.display_name, accept_invitation.password_hash, inv.role)
    returning id into account;
    update public.invitations i set accepted_at = pg_catalog.now(), accepted_user_id = account
    where i.tenant_id = inv.tenant_id and i.id = inv.id;
    perform platform.audit_membership(inv.tenant_id, 'invitation.accepted', 'invitation', inv.id::text,
      pg_catalog.jsonb_build_object('role', inv.role, 'user_id', account, 'invited_by', inv.invited_by));
    return query select 'accepted'::text, workspace.id, workspace.slug, account, inv.role;
  end if;
end
$$;
