-- audit.record_event with its tenant named by the caller and checked against the transaction's verified
-- context: the same door, which on a Citus cluster can be delegated by that argument. There Citus refuses
-- a door that reaches a placement the request's transaction already wrote as the runtime role ("cannot
-- perform query on placements that were modified in this transaction by a different user"), and sends a
-- call delegated by its tenant argument over the transaction's own connection to the tenant's node, where
-- it runs as its definer in the same worker transaction as the write it describes (docs/citus.md, "Writes
-- on the shards"). Naming the tenant gives no caller more: any tenant but the context's is refused, so an
-- event still lands only in the transaction's own chain. audit.record_event stays for the functions that
-- call it inside the database.
create function audit.record_tenant_event(tenant text, action text, resource_type text, resource_id text,
  metadata jsonb)
returns uuid
language plpgsql security definer set search_path = '' as $$
declare
  ctx platform.request_context := platform.verified_context();
  created uuid;
begin
  if ctx.tenant_id is null or ctx.tenant_id is distinct from tenant then
    raise exception 'audit.record_tenant_event records into the transaction''s verified tenant, and was given another'
      using errcode = 'insufficient_privilege',
            hint = 'Record application events inside withTenant, naming its tenant.';
  end if;
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address,
    request_id, metadata)
  values (ctx.tenant_id, ctx.actor_type, ctx.actor_id, action, resource_type, resource_id, ctx.ip, ctx.request_id,
    coalesce(metadata, '{}'))
  returning id into created;
  return created;
end
$$;
--> statement-breakpoint
alter function audit.record_tenant_event(text, text, text, text, jsonb) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.record_tenant_event(text, text, text, text, jsonb) from public;
--> statement-breakpoint
grant execute on function audit.record_tenant_event(text, text, text, text, jsonb) to skillhub_app;
