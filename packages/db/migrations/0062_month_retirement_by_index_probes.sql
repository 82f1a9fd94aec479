-- Retiring a ledger month costs index probes per chain, not a read of every event (issue 16).
--
-- 0052's plan read every event of the month (grouped by chain, with a seal
-- probe per event) to learn, per chain, how many events it has there,
-- whether all are sealed, and its last leaf in the month; and each chain's
-- plan read every event of the chain since its cutoff (a month of traffic
-- and more) to find the first leaf not expired. The server runs the plan
-- before signing and the door runs it again, so both grew with the month's
-- events: a month of millions of events took seconds. The door itself
-- counted a chain's events from before partitioning by walking every leaf
-- of its range. Each answer now comes from the indexes the ledger already
-- has, with the same result on a ledger that verifies:
--
-- * The chains with events in the month: a skip scan of the month's
--   (tenant_id, created_at) index, one probe per chain (and one for the
--   system chain's null), in the order 0052 grouped them.
-- * Sealed: sealing (audit.seal_pending) seals or refuses events in (txid,
--   seq) order, each run a prefix of what is final below its snapshot's
--   xmin, so an event at or before the sealing cursor (the last sealed or
--   refused (txid, seq)) is sealed unless it was refused, and one after it
--   is not. "Every event of the month is sealed" is then one probe of the
--   month's (txid, seq) index past the cursor, plus the refused events
--   within the month's (txid, seq) span; only when some are found are they
--   counted per chain, for the reason the month stays.
-- * A chain's last leaf in the month: a chain's leaves are in (txid, seq)
--   order, and every event of the month is at or before the month's last
--   (txid, seq) (one probe of the same index), so the chain's leaves up to
--   that point are found by bisecting its positions (audit.seals' primary
--   key, about log2(leaves) probes); walking back from there, the first
--   leaf whose event lies in the month is the last one. The leaves passed
--   on the way are events of later months written by transactions that
--   took their ids before the month's last one did (midnight's overlap).
-- * Expired: the leaves [start, last] are the month's events, the chain's
--   events from before partitioning (older than the month) and the later
--   months' events sealed before the month's last leaf; so all of them are
--   older than the cutoff when the chain's newest event in the month is
--   (one probe of (tenant_id, created_at)) and the latest of those later
--   ones is: exactly 0052's "no leaf up to the last one is past the
--   cutoff", without reading the chain's events since the cutoff.
-- * Events: the leaves in (start, last] less those outside the month,
--   which are counted from the later months' (txid, seq) indexes and the
--   history partition's (tenant_id, created_at) index, as the door deletes
--   them; the later months' events at or before the month's last (txid,
--   seq) are found once per month, and the newest of them bounds the
--   partitions each chain's count and DELETE read (none when there are
--   none, and no DELETE for a chain with nothing outside the month). Every leaf of the range is an event of the ledger (earlier
--   leaves left under earlier records, whole), so this is the month's
--   count on a ledger that verifies (where rows went missing outside any
--   record, which verification reports, it counts their leaves too). A chain whose month stays because of
--   unsealed events, or whose events there lie inside leaves already
--   removed, is counted event by event, as before: nothing is retired then.
--
-- What each chain may remove, every reason a month stays (and the reason
-- named, with the same precedence), the locks, the signed-note checks, the
-- records and the events are 0052's. A legal hold on a subject still reads
-- the chain's events of the range, as 0052 did, but only up to the
-- month's last leaf: a chain with such a hold pays per event, the others
-- do not.

-- 0052's chain plan, planning only up to leaf `upto` when given: the
-- caller has checked that the leaves up to it are expired (the month plan
-- above), so the first unexpired leaf is not looked for. With `upto` null
-- it is 0052's plan, unchanged, which the 4-argument form below still is.
create function audit.chain_retention_plan(p_chain text, origin text, min_days integer, max_days integer,
  upto bigint)
returns table (chain text, keep_days integer, cutoff timestamptz, planned_at timestamptz, start_leaf bigint,
               expired_end bigint, end_leaf bigint, checkpoint_size bigint, checkpoint_root bytea, chain_hash bytea,
               blocked_by text, body text)
language plpgsql set search_path = '' as $$
declare
  policy integer;
  sealed bigint;
  limit_leaf bigint;
  hold record;
  sink record;
begin
  chain := p_chain;
  if chain is null then
    raise exception 'retention plans a chain, and none was named' using errcode = 'invalid_parameter_value';
  end if;
  if min_days is null or min_days < 1 or (max_days is not null and max_days < min_days) then
    raise exception 'the deployment''s retention bounds are not valid (minimum %, maximum %)', min_days, max_days
      using errcode = 'invalid_parameter_value';
  end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skillhub.retention'), pg_catalog.hashtext(chain));
  planned_at := pg_catalog.now();
  if chain = '' then
    select s.audit_retention_days into policy from audit.system_retention s;
  else
    select s.audit_retention_days into policy from public.site_settings s where s.tenant_id = p_chain;
  end if;
  start_leaf := coalesce((select pg_catalog.max(r.end_leaf) from audit.retention_records r where r.chain = p_chain), 0);
  end_leaf := start_leaf;
  expired_end := start_leaf;
  if policy is null then
    blocked_by := 'no retention policy: events are kept forever';
    return next;
    return;
  end if;
  keep_days := greatest(policy, min_days);
  if max_days is not null then
    keep_days := least(keep_days, max_days);
  end if;
  cutoff := planned_at - pg_catalog.make_interval(days => keep_days);
  sealed := coalesce((select pg_catalog.max(s.position) from audit.seals s where s.chain = p_chain), 0);
  if upto is not null then
    expired_end := least(upto, sealed);
  -- The first leaf that must stay: the earliest-sealed event not older than the cutoff.
  elsif p_chain = '' then
    expired_end := coalesce((select pg_catalog.min(s.position) - 1 from public.audit_logs l
                             join audit.seals s on s.event_id = l.id
                             where l.tenant_id is null and l.created_at >= cutoff), sealed);
  else
    expired_end := coalesce((select pg_catalog.min(s.position) - 1 from public.audit_logs l
                             join audit.seals s on s.event_id = l.id
                             where l.tenant_id = p_chain and l.created_at >= cutoff), sealed);
  end if;
  end_leaf := greatest(expired_end, start_leaf);
  select h.id into hold from audit.legal_holds h
   where h.chain = p_chain and h.released_at is null and h.subject is null
   order by h.placed_at limit 1;
  if hold.id is not null and end_leaf > start_leaf then
    end_leaf := start_leaf;
    blocked_by := pg_catalog.format('legal hold %s on the workspace', hold.id);
  end if;
  for hold in select h.id, h.subject from audit.legal_holds h
              where h.chain = p_chain and h.released_at is null and h.subject is not null loop
    exit when end_leaf <= start_leaf;
    limit_leaf := (select pg_catalog.min(s.position) - 1 from audit.seals s
                   join public.audit_logs l on l.id = s.event_id
                   where s.chain = p_chain and s.position > start_leaf and s.position <= end_leaf
                     and audit.event_concerns(l, hold.subject));
    if limit_leaf is not null and limit_leaf < end_leaf then
      end_leaf := limit_leaf;
      blocked_by := pg_catalog.format('legal hold %s on subject %s (its first event is leaf %s)', hold.id,
                                      hold.subject, limit_leaf);
    end if;
  end loop;
  for sink in select k.name, coalesce(c.delivered_through, -1) as through from public.audit_sinks k
              left join public.audit_sink_cursors c on c.tenant_id = k.tenant_id and c.sink_id = k.id
              where k.tenant_id = p_chain loop
    if sink.through + 1 < end_leaf then
      end_leaf := greatest(sink.through + 1, start_leaf);
      blocked_by := pg_catalog.format('sink "%s" has acknowledged leaves up to %s only', sink.name, sink.through);
    end if;
  end loop;
  if exists (select from platform.deployment_sink) then
    limit_leaf := coalesce((select c.delivered_through from platform.deployment_sink_cursors c
                            where c.chain = p_chain), -1) + 1;
    if limit_leaf < end_leaf then
      end_leaf := greatest(limit_leaf, start_leaf);
      blocked_by := pg_catalog.format('the deployment sink has acknowledged leaves up to %s only', limit_leaf - 1);
    end if;
  end if;
  select c.tree_size, c.root_hash into checkpoint_size, checkpoint_root from audit.checkpoints c
   where c.chain = p_chain order by c.tree_size desc limit 1;
  if coalesce(checkpoint_size, 0) < end_leaf then
    end_leaf := greatest(coalesce(checkpoint_size, 0), start_leaf);
    blocked_by := pg_catalog.format('no signed checkpoint covers past leaf %s yet', coalesce(checkpoint_size, 0));
  end if;
  if end_leaf > start_leaf then
    select s.chain_hash into chain_hash from audit.seals s where s.chain = p_chain and s.position = end_leaf;
    body := audit.retention_note_body(origin, start_leaf, end_leaf, planned_at, keep_days, cutoff, checkpoint_size,
                                      checkpoint_root, chain_hash);
  end if;
  return next;
end
$$;
--> statement-breakpoint
alter function audit.chain_retention_plan(text, text, integer, integer, bigint) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.chain_retention_plan(text, text, integer, integer, bigint) from public;
--> statement-breakpoint
create or replace function audit.chain_retention_plan(p_chain text, origin text, min_days integer, max_days integer)
returns table (chain text, keep_days integer, cutoff timestamptz, planned_at timestamptz, start_leaf bigint,
               expired_end bigint, end_leaf bigint, checkpoint_size bigint, checkpoint_root bytea, chain_hash bytea,
               blocked_by text, body text)
language sql set search_path = '' as $$
  select * from audit.chain_retention_plan(p_chain, origin, min_days, max_days, null)
$$;
--> statement-breakpoint
-- The newest event of the months after `month_to` written by a transaction
-- that took its id before the month's last event's (midnight's overlap:
-- one probe of each later partition's (txid, seq) index), or null when
-- none was. The range's events of later months are among these.
create function audit.month_overlap_until(month_to timestamptz, month_txid xid8, month_seq bigint)
returns timestamptz
language sql stable set search_path = '' as $$
  select pg_catalog.max(l.created_at) from public.audit_logs l
   where l.created_at >= month_to and (l.txid, l.seq) <= (month_txid, month_seq)
$$;
--> statement-breakpoint
alter function audit.month_overlap_until(timestamptz, xid8, bigint) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.month_overlap_until(timestamptz, xid8, bigint) from public;
--> statement-breakpoint
-- Where one chain's leaves meet a month: its last leaf in the month after
-- `start_leaf` (null when none is), and the leaves in (start_leaf,
-- last_leaf] outside the month: from before partitioning (`history`) and
-- from later months (`later`, the newest of them `later_newest`). The
-- month's events all lie at or before (`month_txid`, `month_seq`), its last
-- in (txid, seq) order; the later months' events at or before it were
-- written up to `overlap_until` (null: there are none), which bounds the
-- partitions read for them. Not a door: its callers are skillhub_system's.
create function audit.month_chain_leaves(p_chain text, month_from timestamptz, month_to timestamptz,
  month_txid xid8, month_seq bigint, overlap_until timestamptz, start_leaf bigint,
  out last_leaf bigint, out history bigint, out later bigint, out later_newest timestamptz)
language plpgsql stable set search_path = '' as $$
declare
  low bigint := start_leaf;
  high bigint;
  middle bigint;
  probe record;
  leaf record;
begin
  history := 0;
  later := 0;
  high := coalesce((select pg_catalog.max(s.position) from audit.seals s where s.chain = p_chain), 0);
  -- The chain's last leaf at or before the month's last (txid, seq): leaves are in (txid, seq) order.
  while low < high loop
    middle := low + (high - low + 1) / 2;
    select s.txid, s.seq into probe from audit.seals s where s.chain = p_chain and s.position = middle;
    if (probe.txid, probe.seq) <= (month_txid, month_seq) then
      low := middle;
    else
      high := middle - 1;
    end if;
  end loop;
  -- Back from there to the first leaf whose event lies in the month.
  for leaf in select s.position, s.event_id from audit.seals s
              where s.chain = p_chain and s.position > start_leaf and s.position <= low
              order by s.position desc loop
    if exists (select from public.audit_logs l
               where l.id = leaf.event_id and l.created_at >= month_from and l.created_at < month_to) then
      last_leaf := leaf.position;
      exit;
    end if;
  end loop;
  if last_leaf is null then
    return;
  end if;
  if overlap_until is not null then
    select s.txid, s.seq into probe from audit.seals s where s.chain = p_chain and s.position = last_leaf;
    select pg_catalog.count(*), pg_catalog.max(l.created_at) into later, later_newest from public.audit_logs l
     where l.created_at >= month_to and l.created_at <= overlap_until and (l.txid, l.seq) <= (probe.txid, probe.seq)
       and l.tenant_id is not distinct from nullif(p_chain, '')
       and exists (select from audit.seals s where s.event_id = l.id and s.chain = p_chain
                   and s.position > start_leaf and s.position <= last_leaf);
  end if;
  if p_chain = '' then
    history := (select pg_catalog.count(*) from public.audit_logs l
                where l.created_at < month_from and l.tenant_id is null
                  and exists (select from audit.seals s where s.event_id = l.id and s.chain = p_chain
                              and s.position > start_leaf and s.position <= last_leaf));
  else
    history := (select pg_catalog.count(*) from public.audit_logs l
                where l.created_at < month_from and l.tenant_id = p_chain
                  and exists (select from audit.seals s where s.event_id = l.id and s.chain = p_chain
                              and s.position > start_leaf and s.position <= last_leaf));
  end if;
end
$$;
--> statement-breakpoint
alter function audit.month_chain_leaves(text, timestamptz, timestamptz, xid8, bigint, timestamptz, bigint)
  owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.month_chain_leaves(text, timestamptz, timestamptz, xid8, bigint, timestamptz, bigint)
  from public;
--> statement-breakpoint
-- 0052's plan, one column more: `outside`, the events of the chain's range
-- outside the month, which the door deletes (its record counts events +
-- outside). A new result type, so the function is made anew.
drop function audit.month_retirement_plan(text, integer, integer);
--> statement-breakpoint
create function audit.month_retirement_plan(deployment text, min_days integer, max_days integer default null)
returns table (partition_name text, range_from timestamptz, range_to timestamptz, chain text, events bigint,
               start_leaf bigint, end_leaf bigint, keep_days integer, cutoff timestamptz, planned_at timestamptz,
               checkpoint_size bigint, checkpoint_root bytea, chain_hash bytea, blocked_by text, body text,
               outside bigint)
language plpgsql security definer set search_path = '' as $$
declare
  month record;
  last_event record;
  first_event record;
  sealing record;
  unsealed jsonb;
  present text;
  origin text;
  leaves record;
  plan record;
  newest timestamptz;
  overlap_until timestamptz;
begin
  perform audit.assert_ledger_retention();
  if deployment is null or deployment = '' or min_days is null or min_days < 1 then
    raise exception 'retiring a month needs the deployment''s name and its retention bounds'
      using errcode = 'invalid_parameter_value';
  end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skillhub.ledger_retirement'));
  select l.partition_name, l.range_from, l.range_to into month from audit.ledger_partitions l
   where l.table_name = 'audit_logs' and l.range_from is not null order by l.range_from limit 1;
  if month.partition_name is null then
    return;
  end if;
  partition_name := month.partition_name;
  range_from := month.range_from;
  range_to := month.range_to;
  if month.range_to > pg_catalog.now() - pg_catalog.make_interval(days => min_days) then
    blocked_by := pg_catalog.format('the month ends %s, less than the deployment''s minimum of %s days ago',
      pg_catalog.to_char(month.range_to at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'), min_days);
    return next;
    return;
  end if;
  select l.txid, l.seq into last_event from public.audit_logs l
   where l.created_at >= month.range_from and l.created_at < month.range_to
   order by l.txid desc, l.seq desc limit 1;
  if last_event.txid is null then
    return next;
    return;
  end if;
  select l.txid, l.seq into first_event from public.audit_logs l
   where l.created_at >= month.range_from and l.created_at < month.range_to
   order by l.txid, l.seq limit 1;
  overlap_until := audit.month_overlap_until(month.range_to, last_event.txid, last_event.seq);
  -- Events of the month not sealed, per chain: those past the sealing cursor, and those refused.
  select c.txid, c.seq into sealing from audit.sealing_cursor() c;
  select pg_catalog.jsonb_object_agg(u.chain, u.events) into unsealed from (
    select w.chain, pg_catalog.sum(w.events) as events from (
      select coalesce(l.tenant_id, '') as chain, pg_catalog.count(*) as events from public.audit_logs l
       where l.created_at >= month.range_from and l.created_at < month.range_to
         and (l.txid, l.seq) > (coalesce(sealing.txid, '0'::xid8), coalesce(sealing.seq, 0))
       group by 1
      union all
      select coalesce(l.tenant_id, ''), pg_catalog.count(*) from audit.refused_events r
       join public.audit_logs l on l.id = r.event_id
       where (r.txid, r.seq) >= (first_event.txid, first_event.seq) and (r.txid, r.seq) <= (last_event.txid, last_event.seq)
         and l.created_at >= month.range_from and l.created_at < month.range_to
       group by 1) w
    group by w.chain) u;
  -- The chains, in 0052's order: the system chain first, then the workspaces by id, one index probe each.
  if exists (select from public.audit_logs l
             where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id is null) then
    present := '';
  else
    present := (select l.tenant_id from public.audit_logs l
                where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id is not null
                order by l.tenant_id limit 1);
  end if;
  while present is not null loop
    origin := deployment || '/audit/' || case when present = '' then 'system' else present end;
    -- The chain's retention lock first (audit.chain_retention_plan takes it again): its removed leaves stay put.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skillhub.retention'), pg_catalog.hashtext(present));
    start_leaf := coalesce((select pg_catalog.max(r.end_leaf) from audit.retention_records r where r.chain = present), 0);
    select * into leaves from audit.month_chain_leaves(present, month.range_from, month.range_to, last_event.txid,
      last_event.seq, overlap_until, start_leaf);
    select * into plan from audit.chain_retention_plan(present, origin, min_days, max_days,
      coalesce(leaves.last_leaf, start_leaf));
    chain := present;
    start_leaf := plan.start_leaf;
    end_leaf := leaves.last_leaf;
    keep_days := plan.keep_days;
    cutoff := plan.cutoff;
    planned_at := plan.planned_at;
    checkpoint_size := plan.checkpoint_size;
    checkpoint_root := plan.checkpoint_root;
    chain_hash := null;
    body := null;
    blocked_by := null;
    outside := leaves.history + leaves.later;
    events := leaves.last_leaf - plan.start_leaf - outside;
    if (unsealed ->> present) is not null or leaves.last_leaf is null then
      -- The month stays for this chain whatever else holds: its events there, counted one by one.
      outside := null;
      if present = '' then
        events := (select pg_catalog.count(*) from public.audit_logs l
                   where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id is null);
      else
        events := (select pg_catalog.count(*) from public.audit_logs l
                   where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id = present);
      end if;
    end if;
    if (unsealed ->> present) is not null then
      blocked_by := pg_catalog.format('%s of its events in the month are not sealed yet', unsealed ->> present);
    elsif plan.keep_days is null then
      blocked_by := plan.blocked_by;
    elsif leaves.last_leaf is null then
      blocked_by := pg_catalog.format('its events in the month lie inside leaves already removed (up to %s)',
                                      plan.start_leaf);
    else
      if present = '' then
        newest := (select l.created_at from public.audit_logs l
                   where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id is null
                   order by l.created_at desc limit 1);
      else
        newest := (select l.created_at from public.audit_logs l
                   where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id = present
                   order by l.created_at desc limit 1);
      end if;
      if newest >= plan.cutoff or leaves.later_newest >= plan.cutoff then
        blocked_by := pg_catalog.format('events of the month are not expired (policy %s days, cutoff %s)',
          plan.keep_days, pg_catalog.to_char(plan.cutoff at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'));
      elsif leaves.last_leaf > plan.end_leaf then
        blocked_by := plan.blocked_by;
      else
        select s.chain_hash into chain_hash from audit.seals s
         where s.chain = present and s.position = leaves.last_leaf;
        body := audit.retention_note_body(origin, plan.start_leaf, leaves.last_leaf, plan.planned_at, plan.keep_days,
          plan.cutoff, plan.checkpoint_size, plan.checkpoint_root, chain_hash);
      end if;
    end if;
    return next;
    present := (select l.tenant_id from public.audit_logs l
                where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id > present
                order by l.tenant_id limit 1);
  end loop;
end
$$;
--> statement-breakpoint
alter function audit.month_retirement_plan(text, integer, integer) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.month_retirement_plan(text, integer, integer) from public;
--> statement-breakpoint
grant execute on function audit.month_retirement_plan(text, integer, integer) to skillhub_app;
--> statement-breakpoint
-- 0052's door, with the plan's `outside` in place of its own counts, and
-- the range's events from before partitioning found on the history
-- partition's (tenant_id, created_at) index instead of by walking every
-- leaf of the range.
create or replace function audit.retire_ledger_month(deployment text, notes text[], min_days integer,
  max_days integer default null)
returns table (partition_name text, chain text, start_leaf bigint, end_leaf bigint, events_removed bigint)
language plpgsql security definer set search_path = '' as $$
declare
  plan record;
  month text;
  month_from timestamptz;
  month_to timestamptz;
  matched text;
  split integer;
  signature text;
  signed_by bytea;
  checkpoint_origin text;
  last_seal record;
  removed bigint;
  month_last record;
  overlap_until timestamptz;
  overlap_known boolean := false;
  chains jsonb := '[]';
  planned integer := 0;
begin
  perform audit.assert_ledger_retention();
  for plan in select * from audit.month_retirement_plan(deployment, min_days, max_days) loop
    if plan.blocked_by is not null then
      raise exception 'month % of the ledger may not be retired: %', plan.partition_name,
        case when plan.chain is null then plan.blocked_by
             else pg_catalog.format('chain "%s": %s', plan.chain, plan.blocked_by) end
        using errcode = 'object_not_in_prerequisite_state';
    end if;
    month := plan.partition_name;
    month_from := plan.range_from;
    month_to := plan.range_to;
    continue when plan.chain is null;
    planned := planned + 1;
    select n into matched from pg_catalog.unnest(notes) n
     where pg_catalog.strpos(n, pg_catalog.chr(10) || pg_catalog.chr(10)) > 0
       and pg_catalog.left(n, pg_catalog.strpos(n, pg_catalog.chr(10) || pg_catalog.chr(10))) = plan.body
     limit 1;
    if matched is null then
      raise exception 'no retention record given states what retiring % may remove from chain "%" now',
        plan.partition_name, plan.chain
        using errcode = 'invalid_parameter_value',
              hint = 'Sign the bodies audit.month_retirement_plan returns, in the same transaction.';
    end if;
    split := pg_catalog.strpos(matched, pg_catalog.chr(10) || pg_catalog.chr(10));
    select pg_catalog.split_part(c.note, pg_catalog.chr(10), 1) into checkpoint_origin from audit.checkpoints c
     where c.chain = plan.chain and c.tree_size = plan.checkpoint_size limit 1;
    if checkpoint_origin is distinct from pg_catalog.split_part(matched, pg_catalog.chr(10), 1) then
      raise exception 'the retention record''s origin is not its checkpoint''s' using errcode = 'invalid_parameter_value';
    end if;
    signature := pg_catalog.substr(matched, split + 2);
    if signature !~ ('^' || pg_catalog.chr(8212) || ' \S+ [A-Za-z0-9+/]+=*\n$') then
      raise exception 'the retention record carries no signature line' using errcode = 'invalid_parameter_value';
    end if;
    signed_by := pg_catalog.decode(pg_catalog.split_part(pg_catalog.rtrim(signature, pg_catalog.chr(10)), ' ', 3),
                                   'base64');
    if pg_catalog.octet_length(signed_by) <> 68 then
      raise exception 'the retention record''s signature is not an Ed25519 signature'
        using errcode = 'invalid_parameter_value';
    end if;
    insert into audit.retention_records (chain, start_leaf, end_leaf, removed_at, keep_days, cutoff, checkpoint_size,
      checkpoint_root, chain_hash, key_id, note, events_removed)
    values (plan.chain, plan.start_leaf, plan.end_leaf, plan.planned_at, plan.keep_days, plan.cutoff,
      plan.checkpoint_size, plan.checkpoint_root, plan.chain_hash,
      pg_catalog.encode(pg_catalog.substr(signed_by, 1, 4), 'hex'), matched, plan.events + plan.outside);
    -- Leaves of the range outside the month (the plan counted them): sealed before the month's last leaf,
    -- from the months after it (on each later partition's (txid, seq) index, those written up to the
    -- month's overlap: within a chain leaf order is (txid, seq) order), and from before partitioning (the
    -- _history partition, on its (tenant_id, created_at) index).
    removed := 0;
    if plan.outside > 0 then
      if not overlap_known then
        select l.txid, l.seq into month_last from public.audit_logs l
         where l.created_at >= month_from and l.created_at < month_to order by l.txid desc, l.seq desc limit 1;
        overlap_until := audit.month_overlap_until(month_to, month_last.txid, month_last.seq);
        overlap_known := true;
      end if;
      select s.txid, s.seq into last_seal from audit.seals s where s.chain = plan.chain and s.position = plan.end_leaf;
      with gone as (
        delete from public.audit_logs l
         where l.created_at >= month_to and l.created_at <= overlap_until
           and (l.txid, l.seq) <= (last_seal.txid, last_seal.seq)
           and l.tenant_id is not distinct from nullif(plan.chain, '')
           and exists (select from audit.seals s where s.event_id = l.id and s.chain = plan.chain
                       and s.position > plan.start_leaf and s.position <= plan.end_leaf)
        returning 1)
      select pg_catalog.count(*) into removed from gone;
      if plan.chain = '' then
        with gone as (
          delete from public.audit_logs l
           where l.created_at < month_from and l.tenant_id is null
             and exists (select from audit.seals s where s.event_id = l.id and s.chain = plan.chain
                         and s.position > plan.start_leaf and s.position <= plan.end_leaf)
          returning 1)
        select removed + pg_catalog.count(*) into removed from gone;
      else
        with gone as (
          delete from public.audit_logs l
           where l.created_at < month_from and l.tenant_id = plan.chain
             and exists (select from audit.seals s where s.event_id = l.id and s.chain = plan.chain
                         and s.position > plan.start_leaf and s.position <= plan.end_leaf)
          returning 1)
        select removed + pg_catalog.count(*) into removed from gone;
      end if;
    end if;
    insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, metadata)
    values (nullif(plan.chain, ''), 'system', 'retention', 'audit.retention_applied', 'audit_chain',
      coalesce(nullif(plan.chain, ''), 'system'), pg_catalog.jsonb_build_object(
        'startLeaf', plan.start_leaf, 'endLeaf', plan.end_leaf, 'eventsRemoved', plan.events + removed,
        'keepDays', plan.keep_days, 'cutoff', plan.cutoff, 'checkpointSize', plan.checkpoint_size,
        'partition', plan.partition_name, 'outsideMonth', removed));
    chains := chains || pg_catalog.jsonb_build_object('chain', coalesce(nullif(plan.chain, ''), 'system'),
      'startLeaf', plan.start_leaf, 'endLeaf', plan.end_leaf, 'events', plan.events + removed);
    partition_name := plan.partition_name;
    chain := plan.chain;
    start_leaf := plan.start_leaf;
    end_leaf := plan.end_leaf;
    events_removed := plan.events + removed;
    return next;
  end loop;
  if month is null then
    return;
  end if;
  if coalesce(pg_catalog.cardinality(notes), 0) <> planned then
    raise exception 'retiring % takes % retention record(s), one per chain, and % were given', month, planned,
      coalesce(pg_catalog.cardinality(notes), 0)
      using errcode = 'invalid_parameter_value';
  end if;
  perform audit.drop_ledger_month('audit_logs', month);
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, metadata)
  values (null, 'system', 'retention', 'audit.ledger_month_retired', 'table', 'public.' || month,
    pg_catalog.jsonb_build_object('partition', month, 'rangeFrom', month_from, 'rangeTo', month_to, 'chains', chains));
end
$$;
