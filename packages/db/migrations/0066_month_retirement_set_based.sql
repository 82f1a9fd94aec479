-- Retiring a ledger month costs a few statements, not a few dozen per chain (issue 16).
--
-- 0062 answered each chain's questions with index probes, but each probe
-- was a statement of its own: per chain, a lock, the chain's start, two
-- PL/pgSQL calls (audit.month_chain_leaves, whose bisection ran a statement
-- per step, and audit.chain_retention_plan with ten more), its newest event
-- in the month, its chain hash and the next chain; about 40 statements, so
-- about 1.5 ms of server CPU per chain, twice (the server plans to sign, the
-- door plans again). The door then found each chain's note by reading the
-- whole notes array (quadratic in chains), grew its `chains` jsonb a chain
-- at a time (quadratic too), and wrote a record and an event per chain in
-- statements of their own. A month of 1,000 workspaces took seconds.
--
-- The plan now asks the same questions of every chain at once:
--
-- * The chains with events in the month: the same skip scan of the month's
--   (tenant_id, created_at) index, as one recursive statement.
-- * Every chain's retention lock, in the same order (the system chain
--   first, then the workspaces by id), in one statement, before anything
--   of a chain is read (0062 locked each chain just before reading it).
-- * The rest in one statement: per chain, its start (retention records),
--   its last sealed leaf, its policy, its latest checkpoint, the deployment
--   sink's cursor, its newest event in the month, whether it has an active
--   legal hold or a sink of its own; its last leaf at or before the month's
--   last (txid, seq) by bisecting its positions (a recursive statement that
--   steps every chain at once), then back to its last leaf in the month;
--   and, for that leaf, its chain hash and the range's events outside the
--   month (history and later months), as 0062 counted them.
--
-- What each chain may remove and every reason it stays are 0062's (the
-- PL/pgSQL that decides them is a loop over that statement's rows, with no
-- statement of its own for an ordinary chain). A chain with an active legal
-- hold or a sink of its own is planned by 0062's audit.chain_retention_plan
-- as before (its holds and sinks decide in the order that function reads
-- them), so the answers, messages included, are 0062's; only those chains
-- pay per statement.
--
-- The door: one map of the notes by body (the first note given for a body,
-- as 0062's search found), the checkpoint's origin line read with the plan's
-- rows, every check in the same order per chain, then one insert of the
-- records, the deletes of the ranges' events outside the month (only for
-- chains that have some, as before), one insert of the
-- `audit.retention_applied` events in the chains' order, and the month's
-- `chains` list aggregated once. Records, events and their order are
-- unchanged: each record and event carries the same values, the events are
-- numbered (seq) in the same order, and the month's event the same list.
drop function audit.month_chain_leaves(text, timestamptz, timestamptz, xid8, bigint, timestamptz, bigint);
--> statement-breakpoint
create or replace function audit.month_retirement_plan(deployment text, min_days integer, max_days integer default null)
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
  present text[];
  origin text;
  ch record;
  plan record;
  overlap_until timestamptz;
  deployment_sink boolean;
  limit_leaf bigint;
  plan_keep integer;
  plan_cutoff timestamptz;
  plan_end bigint;
  plan_blocked text;
  plan_size bigint;
  plan_root bytea;
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
  -- The chains, in 0052's order: the system chain first, then the workspaces by id (a skip scan).
  with recursive workspaces(tenant, n) as (
    (select l.tenant_id, 1 from public.audit_logs l
      where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id is not null
      order by l.tenant_id limit 1)
    union all
    select (select l.tenant_id from public.audit_logs l
             where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id > w.tenant
             order by l.tenant_id limit 1), w.n + 1
      from workspaces w where w.tenant is not null)
  select pg_catalog.array_agg(p.chain order by p.n) into present from (
    select '' as chain, 0 as n
     where exists (select from public.audit_logs l
                   where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id is null)
    union all
    select w.tenant, w.n from workspaces w where w.tenant is not null) p;
  if present is null then
    return;
  end if;
  if max_days is not null and max_days < min_days then
    raise exception 'the deployment''s retention bounds are not valid (minimum %, maximum %)', min_days, max_days
      using errcode = 'invalid_parameter_value';
  end if;
  -- Every chain's retention lock, in that order, before anything of it is read: its removed leaves stay put.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skillhub.retention'), pg_catalog.hashtext(p.chain))
     from pg_catalog.unnest(present) with ordinality p(chain, n) order by p.n;
  deployment_sink := exists (select from platform.deployment_sink);
  for ch in
    with recursive chains as materialized (
      select p.chain, p.n,
             coalesce((select pg_catalog.max(r.end_leaf) from audit.retention_records r where r.chain = p.chain), 0)
               as start_leaf,
             coalesce((select pg_catalog.max(s.position) from audit.seals s where s.chain = p.chain), 0) as sealed
        from pg_catalog.unnest(present) with ordinality p(chain, n)),
    -- Each chain's last leaf at or before the month's last (txid, seq), every chain bisected at once.
    bisect(chain, low, high) as (
      select h.chain, h.start_leaf, h.sealed from chains h
      union all
      select b.chain,
             case when (s.txid, s.seq) <= (last_event.txid, last_event.seq) then b.low + (b.high - b.low + 1) / 2
                  else b.low end,
             case when (s.txid, s.seq) <= (last_event.txid, last_event.seq) then b.high
                  else b.low + (b.high - b.low + 1) / 2 - 1 end
        from bisect b
        left join audit.seals s on s.chain = b.chain and s.position = b.low + (b.high - b.low + 1) / 2
       where b.low < b.high),
    reached as (
      select h.chain, h.n, h.start_leaf, h.sealed,
             -- Back from there to the first leaf whose event lies in the month.
             (select s.position from audit.seals s
               where s.chain = h.chain and s.position > h.start_leaf and s.position <= b.low
                 and exists (select from public.audit_logs l
                             where l.id = s.event_id and l.created_at >= month.range_from
                               and l.created_at < month.range_to)
               order by s.position desc limit 1) as last_leaf
        from chains h join bisect b on b.chain = h.chain and b.low >= b.high)
    select r.chain, r.n, r.start_leaf, r.sealed, r.last_leaf, ls.chain_hash as last_hash,
           case when r.chain = '' then (select y.audit_retention_days from audit.system_retention y)
                else (select y.audit_retention_days from public.site_settings y where y.tenant_id = r.chain) end
             as policy,
           exists (select from audit.legal_holds h where h.chain = r.chain and h.released_at is null)
             or exists (select from public.audit_sinks sk where sk.tenant_id = r.chain) as own_rules,
           (select d.delivered_through from platform.deployment_sink_cursors d where d.chain = r.chain)
             as deployment_through,
           k.tree_size, k.root_hash,
           case when r.chain = '' then
             (select l.created_at from public.audit_logs l
               where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id is null
               order by l.created_at desc limit 1)
           else
             (select l.created_at from public.audit_logs l
               where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id = r.chain
               order by l.created_at desc limit 1) end as newest,
           coalesce(later.events, 0) as later, later.newest as later_newest,
           case when r.last_leaf is null then 0
                when r.chain = '' then
             (select pg_catalog.count(*) from public.audit_logs l
               where l.created_at < month.range_from and l.tenant_id is null
                 and exists (select from audit.seals s where s.event_id = l.id and s.chain = r.chain
                             and s.position > r.start_leaf and s.position <= r.last_leaf))
           else
             (select pg_catalog.count(*) from public.audit_logs l
               where l.created_at < month.range_from and l.tenant_id = r.chain
                 and exists (select from audit.seals s where s.event_id = l.id and s.chain = r.chain
                             and s.position > r.start_leaf and s.position <= r.last_leaf)) end as history
      from reached r
      left join audit.seals ls on ls.chain = r.chain and ls.position = r.last_leaf
      left join lateral (select cp.tree_size, cp.root_hash from audit.checkpoints cp
                          where cp.chain = r.chain order by cp.tree_size desc limit 1) k on true
      left join lateral (select pg_catalog.count(*) as events, pg_catalog.max(l.created_at) as newest
                           from public.audit_logs l
                          where overlap_until is not null and r.last_leaf is not null
                            and l.created_at >= month.range_to and l.created_at <= overlap_until
                            and (l.txid, l.seq) <= (ls.txid, ls.seq)
                            and l.tenant_id is not distinct from nullif(r.chain, '')
                            and exists (select from audit.seals s where s.event_id = l.id and s.chain = r.chain
                                        and s.position > r.start_leaf and s.position <= r.last_leaf)) later on true
     order by r.n
  loop
    origin := deployment || '/audit/' || case when ch.chain = '' then 'system' else ch.chain end;
    if ch.own_rules then
      -- Legal holds and sinks of its own: 0062's chain plan decides, in the order it reads them.
      select * into plan from audit.chain_retention_plan(ch.chain, origin, min_days, max_days,
        coalesce(ch.last_leaf, ch.start_leaf));
      plan_keep := plan.keep_days;
      plan_cutoff := plan.cutoff;
      plan_end := plan.end_leaf;
      plan_blocked := plan.blocked_by;
      plan_size := plan.checkpoint_size;
      plan_root := plan.checkpoint_root;
    elsif ch.policy is null then
      plan_keep := null;
      plan_cutoff := null;
      plan_end := ch.start_leaf;
      plan_blocked := 'no retention policy: events are kept forever';
      plan_size := null;
      plan_root := null;
    else
      -- audit.chain_retention_plan up to the chain's last leaf in the month, for a chain without holds or sinks.
      plan_keep := greatest(ch.policy, min_days);
      if max_days is not null then
        plan_keep := least(plan_keep, max_days);
      end if;
      plan_cutoff := pg_catalog.now() - pg_catalog.make_interval(days => plan_keep);
      plan_end := greatest(least(coalesce(ch.last_leaf, ch.start_leaf), ch.sealed), ch.start_leaf);
      plan_blocked := null;
      if deployment_sink then
        limit_leaf := coalesce(ch.deployment_through, -1) + 1;
        if limit_leaf < plan_end then
          plan_end := greatest(limit_leaf, ch.start_leaf);
          plan_blocked := pg_catalog.format('the deployment sink has acknowledged leaves up to %s only',
                                            limit_leaf - 1);
        end if;
      end if;
      plan_size := ch.tree_size;
      plan_root := ch.root_hash;
      if coalesce(plan_size, 0) < plan_end then
        plan_end := greatest(coalesce(plan_size, 0), ch.start_leaf);
        plan_blocked := pg_catalog.format('no signed checkpoint covers past leaf %s yet', coalesce(plan_size, 0));
      end if;
    end if;
    chain := ch.chain;
    start_leaf := ch.start_leaf;
    end_leaf := ch.last_leaf;
    keep_days := plan_keep;
    cutoff := plan_cutoff;
    planned_at := pg_catalog.now();
    checkpoint_size := plan_size;
    checkpoint_root := plan_root;
    chain_hash := null;
    body := null;
    blocked_by := null;
    outside := ch.history + ch.later;
    events := ch.last_leaf - ch.start_leaf - outside;
    if (unsealed ->> ch.chain) is not null or ch.last_leaf is null then
      -- The month stays for this chain whatever else holds: its events there, counted one by one.
      outside := null;
      if ch.chain = '' then
        events := (select pg_catalog.count(*) from public.audit_logs l
                   where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id is null);
      else
        events := (select pg_catalog.count(*) from public.audit_logs l
                   where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id = ch.chain);
      end if;
    end if;
    if (unsealed ->> ch.chain) is not null then
      blocked_by := pg_catalog.format('%s of its events in the month are not sealed yet', unsealed ->> ch.chain);
    elsif plan_keep is null then
      blocked_by := plan_blocked;
    elsif ch.last_leaf is null then
      blocked_by := pg_catalog.format('its events in the month lie inside leaves already removed (up to %s)',
                                      ch.start_leaf);
    elsif ch.newest >= plan_cutoff or ch.later_newest >= plan_cutoff then
      blocked_by := pg_catalog.format('events of the month are not expired (policy %s days, cutoff %s)',
        plan_keep, pg_catalog.to_char(plan_cutoff at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'));
    elsif ch.last_leaf > plan_end then
      blocked_by := plan_blocked;
    else
      chain_hash := ch.last_hash;
      body := audit.retention_note_body(origin, ch.start_leaf, ch.last_leaf, pg_catalog.now(), plan_keep,
        plan_cutoff, plan_size, plan_root, ch.last_hash);
    end if;
    return next;
  end loop;
end
$$;
--> statement-breakpoint
-- 0062's door, set-based: the plan's rows read once, the notes found by
-- body in one map, the records and the events each written by one insert.
create or replace function audit.retire_ledger_month(deployment text, notes text[], min_days integer,
  max_days integer default null)
returns table (partition_name text, chain text, start_leaf bigint, end_leaf bigint, events_removed bigint)
language plpgsql security definer set search_path = '' as $$
declare
  plan record;
  month text;
  month_from timestamptz;
  month_to timestamptz;
  given jsonb;
  matched text;
  split integer;
  signature text;
  signed_by bytea;
  last_seal record;
  removed bigint;
  month_last record;
  overlap_until timestamptz;
  overlap_known boolean := false;
  planned integer := 0;
  i integer;
  -- The plan's rows that leave, in the chains' order.
  a_chain text[] := '{}';
  a_start bigint[] := '{}';
  a_end bigint[] := '{}';
  a_planned_at timestamptz[] := '{}';
  a_keep integer[] := '{}';
  a_cutoff timestamptz[] := '{}';
  a_size bigint[] := '{}';
  a_root bytea[] := '{}';
  a_hash bytea[] := '{}';
  a_key text[] := '{}';
  a_note text[] := '{}';
  a_events bigint[] := '{}';
  a_outside bigint[] := '{}';
  a_removed bigint[] := '{}';
begin
  perform audit.assert_ledger_retention();
  -- The first note given for each body (0062 searched the array in order for each chain).
  select pg_catalog.jsonb_object_agg(d.body, d.note) into given from (
    select distinct on (b.body) b.body, b.note from (
      select u.note, u.n, pg_catalog.left(u.note, pg_catalog.strpos(u.note, pg_catalog.chr(10) || pg_catalog.chr(10)))
               as body
        from pg_catalog.unnest(notes) with ordinality u(note, n)
       where pg_catalog.strpos(u.note, pg_catalog.chr(10) || pg_catalog.chr(10)) > 0) b
     order by b.body, b.n) d;
  for plan in
    select p.*, (select pg_catalog.split_part(c.note, pg_catalog.chr(10), 1) from audit.checkpoints c
                  where c.chain = p.chain and c.tree_size = p.checkpoint_size limit 1) as checkpoint_origin
      from audit.month_retirement_plan(deployment, min_days, max_days) p
  loop
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
    matched := given ->> plan.body;
    if matched is null then
      raise exception 'no retention record given states what retiring % may remove from chain "%" now',
        plan.partition_name, plan.chain
        using errcode = 'invalid_parameter_value',
              hint = 'Sign the bodies audit.month_retirement_plan returns, in the same transaction.';
    end if;
    split := pg_catalog.strpos(matched, pg_catalog.chr(10) || pg_catalog.chr(10));
    if plan.checkpoint_origin is distinct from pg_catalog.split_part(matched, pg_catalog.chr(10), 1) then
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
    a_chain := a_chain || plan.chain;
    a_start := a_start || plan.start_leaf;
    a_end := a_end || plan.end_leaf;
    a_planned_at := a_planned_at || plan.planned_at;
    a_keep := a_keep || plan.keep_days;
    a_cutoff := a_cutoff || plan.cutoff;
    a_size := a_size || plan.checkpoint_size;
    a_root := a_root || plan.checkpoint_root;
    a_hash := a_hash || plan.chain_hash;
    a_key := a_key || pg_catalog.encode(pg_catalog.substr(signed_by, 1, 4), 'hex');
    a_note := a_note || matched;
    a_events := a_events || plan.events;
    a_outside := a_outside || plan.outside;
  end loop;
  if month is null then
    return;
  end if;
  if coalesce(pg_catalog.cardinality(notes), 0) <> planned then
    raise exception 'retiring % takes % retention record(s), one per chain, and % were given', month, planned,
      coalesce(pg_catalog.cardinality(notes), 0)
      using errcode = 'invalid_parameter_value';
  end if;
  insert into audit.retention_records (chain, start_leaf, end_leaf, removed_at, keep_days, cutoff, checkpoint_size,
    checkpoint_root, chain_hash, key_id, note, events_removed)
  select a_chain[k], a_start[k], a_end[k], a_planned_at[k], a_keep[k], a_cutoff[k], a_size[k], a_root[k], a_hash[k],
         a_key[k], a_note[k], a_events[k] + a_outside[k]
    from pg_catalog.generate_series(1, planned) k order by k;
  -- Leaves of the range outside the month (the plan counted them): sealed before the month's last leaf,
  -- from the months after it (on each later partition's (txid, seq) index, those written up to the
  -- month's overlap: within a chain leaf order is (txid, seq) order), and from before partitioning (the
  -- _history partition, on its (tenant_id, created_at) index). Only chains that have some.
  for i in 1 .. planned loop
    removed := 0;
    if a_outside[i] > 0 then
      if not overlap_known then
        select l.txid, l.seq into month_last from public.audit_logs l
         where l.created_at >= month_from and l.created_at < month_to order by l.txid desc, l.seq desc limit 1;
        overlap_until := audit.month_overlap_until(month_to, month_last.txid, month_last.seq);
        overlap_known := true;
      end if;
      select s.txid, s.seq into last_seal from audit.seals s where s.chain = a_chain[i] and s.position = a_end[i];
      with gone as (
        delete from public.audit_logs l
         where l.created_at >= month_to and l.created_at <= overlap_until
           and (l.txid, l.seq) <= (last_seal.txid, last_seal.seq)
           and l.tenant_id is not distinct from nullif(a_chain[i], '')
           and exists (select from audit.seals s where s.event_id = l.id and s.chain = a_chain[i]
                       and s.position > a_start[i] and s.position <= a_end[i])
        returning 1)
      select pg_catalog.count(*) into removed from gone;
      if a_chain[i] = '' then
        with gone as (
          delete from public.audit_logs l
           where l.created_at < month_from and l.tenant_id is null
             and exists (select from audit.seals s where s.event_id = l.id and s.chain = a_chain[i]
                         and s.position > a_start[i] and s.position <= a_end[i])
          returning 1)
        select removed + pg_catalog.count(*) into removed from gone;
      else
        with gone as (
          delete from public.audit_logs l
           where l.created_at < month_from and l.tenant_id = a_chain[i]
             and exists (select from audit.seals s where s.event_id = l.id and s.chain = a_chain[i]
                         and s.position > a_start[i] and s.position <= a_end[i])
          returning 1)
        select removed + pg_catalog.count(*) into removed from gone;
      end if;
    end if;
    a_removed := a_removed || removed;
  end loop;
  -- One event per chain, numbered in the chains' order.
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, metadata)
  select nullif(a_chain[k], ''), 'system', 'retention', 'audit.retention_applied', 'audit_chain',
         coalesce(nullif(a_chain[k], ''), 'system'), pg_catalog.jsonb_build_object(
           'startLeaf', a_start[k], 'endLeaf', a_end[k], 'eventsRemoved', a_events[k] + a_removed[k],
           'keepDays', a_keep[k], 'cutoff', a_cutoff[k], 'checkpointSize', a_size[k],
           'partition', month, 'outsideMonth', a_removed[k])
    from pg_catalog.generate_series(1, planned) k order by k;
  perform audit.drop_ledger_month('audit_logs', month);
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, metadata)
  values (null, 'system', 'retention', 'audit.ledger_month_retired', 'table', 'public.' || month,
    pg_catalog.jsonb_build_object('partition', month, 'rangeFrom', month_from, 'rangeTo', month_to, 'chains',
      coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                  'chain', coalesce(nullif(a_chain[k], ''), 'system'), 'startLeaf', a_start[k],
                  'endLeaf', a_end[k], 'events', a_events[k] + a_removed[k]) order by k)
                from pg_catalog.generate_series(1, planned) k), '[]')));
  return query
    select month, a_chain[k], a_start[k], a_end[k], a_events[k] + a_removed[k]
      from pg_catalog.generate_series(1, planned) k order by k;
end
$$;
