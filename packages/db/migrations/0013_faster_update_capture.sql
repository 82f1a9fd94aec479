-- Pairs old and new rows of an UPDATE on the key columns themselves when the
-- key is (tenant_id, id), as on every tenant table: a plain hash join on two
-- columns instead of comparing jsonb arrays built per row. Measured by
-- bench/audit.ts, the jsonb pairing made statement-level capture slower than
-- a row-level trigger for updates. Other keys keep the generic pairing.
create or replace function audit.capture_update() returns trigger
language plpgsql set search_path = '' as $$
declare
  redacted text[] := tg_argv[0]::text[];
  pk text[] := tg_argv[1]::text[];
  paired bigint;
begin
  if pk = array['tenant_id', 'id'] then
    insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
      ip_address, request_id, operation, table_name, old_record, new_record, changed_fields)
    select p.tenant_id, audit.context_actor_type(), audit.context_text('app.actor_id'),
           tg_table_name || '.update', tg_table_name, p.id,
           audit.context_text('app.ip')::inet, audit.context_text('app.request_id'),
           'UPDATE', tg_table_name, p.o - redacted, p.n - redacted,
           array(select k.key from pg_catalog.jsonb_each(p.n) k
                 where k.value is distinct from p.o -> k.key order by k.key)
    from (select n.tenant_id::text as tenant_id, n.id::text as id,
                 pg_catalog.to_jsonb(o) as o, pg_catalog.to_jsonb(n) as n
          from old_rows o join new_rows n on n.tenant_id = o.tenant_id and n.id = o.id) p;
    -- A key that itself changed leaves rows the join cannot pair: only then
    -- fall through to the generic path, which records them old and new apart.
    get diagnostics paired = row_count;
    if paired = (select count(*) from new_rows) then
      return null;
    end if;
  end if;
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
    ip_address, request_id, operation, table_name, old_record, new_record, changed_fields)
  select coalesce(n.j ->> 'tenant_id', o.j ->> 'tenant_id', audit.context_text('app.current_tenant_id')),
         audit.context_actor_type(), audit.context_text('app.actor_id'),
         tg_table_name || '.update', tg_table_name,
         case when pk = array['tenant_id', 'id'] then coalesce(n.j, o.j) ->> 'id'
              else (coalesce(n.j, o.j) - 'tenant_id')::text end,
         audit.context_text('app.ip')::inet, audit.context_text('app.request_id'),
         'UPDATE', tg_table_name, o.j - redacted, n.j - redacted,
         array(select k.key from pg_catalog.jsonb_each(n.j) k
               where k.value is distinct from o.j -> k.key order by k.key)
  from (select pg_catalog.to_jsonb(t) as j from old_rows t) o
  full join (select pg_catalog.to_jsonb(t) as j from new_rows t) n
    on (select pg_catalog.jsonb_agg(o.j -> c) from pg_catalog.unnest(pk) c)
     = (select pg_catalog.jsonb_agg(n.j -> c) from pg_catalog.unnest(pk) c)
  where pk <> array['tenant_id', 'id'] or o.j is null or n.j is null;
  return null;
end
$$;
