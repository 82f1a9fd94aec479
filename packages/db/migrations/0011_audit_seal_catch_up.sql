-- Lets a writer wait until its own committed events are sealed: true while
-- any event from a transaction below `before` is still unsealed (it may be
-- held back by another transaction that is still open).
create function audit.unsealed_before(before xid8) returns boolean
language sql stable security definer set search_path = '' as $$
  with last as (select s.txid, s.seq from audit.seals s order by s.txid desc, s.seq desc limit 1)
  select exists (
    select from public.audit_logs l
    where l.txid < before
      and (not exists (select from last) or (l.txid, l.seq) > (select last.txid, last.seq from last)))
$$;
--> statement-breakpoint
alter function audit.unsealed_before(xid8) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.unsealed_before(xid8) from public;
--> statement-breakpoint
grant execute on function audit.unsealed_before(xid8) to skillhub_app;
