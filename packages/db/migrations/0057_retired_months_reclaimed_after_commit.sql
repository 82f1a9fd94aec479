-- A retired month leaves the ledger at once; its files are freed after.
--
-- 0052 detached and dropped a month in the retention door's transaction.
-- DETACH costs the same at any size; the DROP's cost is the files: at
-- commit PostgreSQL truncates the relation's first segment to zero (it is
-- unlinked after the next checkpoint) and truncates and unlinks every other
-- segment, for the table and each of its indexes, in the committing backend
-- (md.c, mdunlinkfork). Traced with strace, those truncate() calls are 96%
-- of a 1.1 GB month's 1.3 s DROP, and grow with the month's bytes (the
-- kernel gives back every cached page and extent; bench/README.md has the
-- figures). They run while the transaction still holds what DETACH took:
-- an ACCESS EXCLUSIVE lock on audit_logs, so every write to the ledger
-- waited for the disk to be freed.
--
-- Now the door's transaction only detaches the month and sets it aside in
-- the schema audit_retired, which no role but its owner may use (a month
-- partition already has no grant for anyone but the owner, and RLS forced,
-- 0044): the month leaves the ledger, its rows are unreachable and its
-- retention records and audit.ledger_month_retired are written in one
-- transaction, as before. audit.reclaim_retired_month then drops one
-- set-aside month per transaction, holding no lock on the ledger; the
-- retention run calls it right after the months it retires, and any later
-- run reclaims what an interrupted one left.

create schema audit_retired;
--> statement-breakpoint
revoke all on schema audit_retired from public;
--> statement-breakpoint
-- 0052's checks, unchanged; the month is set aside instead of dropped.
create or replace function audit.drop_ledger_month(p_table text, p_partition text) returns void
language plpgsql security definer set search_path = '' set lock_timeout = '10s' as $$
declare
  month record;
  has_events boolean;
begin
  select l.table_name, l.partition_name, l.range_from, l.range_to into month from audit.ledger_partitions l
   where l.table_name = p_table and l.partition_name = p_partition and l.range_from is not null
     and l.table_name in ('audit_logs', 'security_events');
  if month.partition_name is null then
    raise exception '% is not a month partition of the ledger', p_partition using errcode = 'insufficient_privilege';
  end if;
  if p_table = 'audit_logs' then
    select exists (select from public.audit_logs l where l.created_at >= month.range_from and l.created_at < month.range_to)
      into has_events;
    if has_events and not exists (select from audit.retention_records r where r.txid = pg_catalog.pg_current_xact_id()) then
      raise exception 'month % of the ledger holds events and no retention record covers them', p_partition
        using errcode = 'insufficient_privilege';
    end if;
  end if;
  -- The partition's controls change as it leaves (its cloned row guard goes with DETACH): handled by this
  -- transaction, not a weakening.
  update audit.security_controls c set adopted_in = pg_catalog.pg_current_xact_id()
   where c.relid = pg_catalog.format('public.%I', p_partition)::regclass;
  execute pg_catalog.format('alter table public.%I detach partition public.%I', p_table, p_partition);
  execute pg_catalog.format('alter table public.%I set schema audit_retired', p_partition);
end
$$;
--> statement-breakpoint
-- Drops the first month set aside in audit_retired (by name) and returns
-- its name, or null when none is left. Owned by the ledger's owner (the
-- months are its tables); only the server's retention run may call it.
-- Two runs at once take turns, and the second finds the month gone.
create function audit.reclaim_retired_month() returns text
language plpgsql security definer set search_path = '' set lock_timeout = '10s' as $$
declare
  retired record;
begin
  perform audit.assert_ledger_retention();
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skillhub.ledger_reclaim'));
  select c.oid, c.relname::text as name into retired from pg_catalog.pg_class c
   where c.relnamespace = 'audit_retired'::regnamespace and c.relkind = 'r'
   order by c.relname limit 1;
  if retired.oid is null then
    return null;
  end if;
  -- Its controls leave with it: handled by this transaction, not a weakening.
  update audit.security_controls s set adopted_in = pg_catalog.pg_current_xact_id() where s.relid = retired.oid;
  execute pg_catalog.format('drop table audit_retired.%I', retired.name);
  return retired.name;
end
$$;
--> statement-breakpoint
revoke all on function audit.reclaim_retired_month() from public;
--> statement-breakpoint
grant execute on function audit.reclaim_retired_month() to skillhub_app;
--> statement-breakpoint
do $$
begin
  -- The reclaim runs as the ledger's owner and checks the retention run's context; a superuser owner can
  -- call the check anyway, a plain owner role needs the grant.
  execute pg_catalog.format('grant execute on function audit.assert_ledger_retention() to %I', current_user);
end
$$;
