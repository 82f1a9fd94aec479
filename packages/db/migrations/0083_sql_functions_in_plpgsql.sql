-- The last eight functions written in SQL with parameters that read (or, for audit_membership, write) a
-- table Citus distributes or replicates, now in PL/pgSQL with the same signatures, volatility, owners,
-- grants and results. A Citus coordinator cannot plan such an SQL body ("parameters in SQL functions") and,
-- for platform.tally_security_event before 0080, crashed instead: a segmentation fault in its fast-path
-- planner reached from fmgr_sql, which any member could trigger through a door calling it. PL/pgSQL
-- statements are planned like any other. On one server nothing is lost: each of the eight has a `set`
-- clause, so none was ever inlined into its caller, and PL/pgSQL keeps its plans for the session where an
-- SQL function's were planned again in every calling statement. The doctor's citus_sql_functions now
-- holds on one server too, so no migration brings the kind back.

create or replace function audit.event_concerns(e public.audit_logs, subject text) returns boolean
language plpgsql stable set search_path = '' as $$
begin
  return e.actor_id = subject or e.resource_id = subject
      or pg_catalog.lower(e.metadata ->> 'email') = subject or e.metadata ->> 'userId' = subject
      or e.metadata ->> 'user_id' = subject
      or pg_catalog.lower(e.new_record ->> 'email') = subject or pg_catalog.lower(e.old_record ->> 'email') = subject
      or (e.table_name = 'users' and (e.new_record ->> 'id' = subject or e.old_record ->> 'id' = subject))
      or e.new_record ->> 'user_id' = subject or e.old_record ->> 'user_id' = subject
      or e.personal operator(pg_catalog.?) ('user:' || subject)
      or (pg_catalog.strpos(subject, '@') > 1
          and e.personal operator(pg_catalog.?) audit.subject_of('email', subject));
end
$$;

create or replace function audit.month_overlap_until(month_to timestamptz, month_txid xid8, month_seq bigint)
returns timestamptz
language plpgsql stable set search_path = '' as $$
begin
  return (select pg_catalog.max(l.created_at) from public.audit_logs l
          where l.created_at >= month_to and (l.txid, l.seq) <= (month_txid, month_seq));
end
$$;

create or replace function audit.subject_of(kind text, value text) returns text
language plpgsql stable security definer set search_path = '' as $$
begin
  if kind = 'user' and value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return 'user:' || pg_catalog.lower(value);
  elsif kind = 'email' and pg_catalog.strpos(pg_catalog.btrim(value), '@') > 1 then
    return 'email:' || pg_catalog.encode(public.hmac(pg_catalog.convert_to(pg_catalog.lower(pg_catalog.btrim(value)), 'UTF8'),
                                                     (select s.secret from audit.subject_secret s), 'sha256'), 'hex');
  end if;
  return null;
end
$$;

create or replace function audit.subject_on_hold(tenant text, subject text) returns boolean
language plpgsql stable security definer set search_path = '' as $$
begin
  return exists (select from audit.legal_holds h
                 where h.chain = tenant and h.released_at is null
                   and (h.subject is null or h.subject = pg_catalog.lower(pg_catalog.btrim(subject_on_hold.subject))));
end
$$;

create or replace function audit.unsealed_before(before xid8) returns boolean
language plpgsql stable security definer set search_path = '' as $$
begin
  return exists (
    select from public.audit_logs l, audit.sealing_cursor() c
    where l.txid < before and (c.txid is null or (l.txid, l.seq) > (c.txid, c.seq)));
end
$$;

-- An event's seal is in its own chain: named, the probe uses the whole of the seal's key (event_id, chain),
-- and on a cluster the two tables join on their distribution columns, as Citus requires.
create or replace function audit.unsealed_ledger_events(p_from timestamptz, p_to timestamptz) returns bigint
language plpgsql stable security definer set search_path = '' as $$
begin
  return (select pg_catalog.count(*) from public.audit_logs l
          where l.created_at >= p_from and l.created_at < p_to
            and not exists (select from audit.seals s where s.event_id = l.id and s.chain = l.tenant_id));
end
$$;

create or replace function platform.audit_membership(tenant text, action text, resource_type text, resource_id text,
  metadata jsonb)
returns void
language plpgsql set search_path = '' as $$
begin
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
    ip_address, request_id, metadata)
  select coalesce(audit_membership.tenant, ''), coalesce(c.actor_type, 'system'), c.actor_id,
    audit_membership.action, audit_membership.resource_type, audit_membership.resource_id, c.ip, c.request_id,
    audit_membership.metadata
  from platform.attribution() c;
end
$$;

-- No row is null, as the SQL function's was: a caller reading `target.id is not null` sees the same.
create or replace function platform.joinable_workspace(domain text) returns public.tenants
language plpgsql stable set search_path = '' as $$
declare
  found_workspace public.tenants;
begin
  select t.* into found_workspace from public.tenants t
  join public.site_settings s on s.tenant_id = t.id
  where t.domain = pg_catalog.lower(joinable_workspace.domain) and t.is_active
    and s.settings -> 'signUp' -> 'joinByDomain' = 'true'::jsonb;
  if not found then
    return null;
  end if;
  return found_workspace;
end
$$;
