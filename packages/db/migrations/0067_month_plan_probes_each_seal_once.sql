-- The month plan reads each chain's seals by a few index probes (issue 16:
-- a month retired in under 1 s).
--
-- Profiled at 1,001 chains (a 20,000-event month of a 400,000-event
-- ledger, embedded PostgreSQL 18, quiet machine), 0066's plan statement
-- took 589 of the plan's 651 ms, and the plan runs twice per retirement:
--
-- * The join to each chain's last seal (`ls`) was planned from the
--   recursive CTE's row estimate (57,342 chains for 1,001), so it read and
--   hashed the whole seals table: 401,002 rows in 8 batches through temp
--   files, 328 ms. A ledger of 50 million events would have hashed 50
--   million seals. It is now a lateral probe of the seal's primary key,
--   `limit 1` so that it stays a per-chain probe whatever the estimate.
-- * Each chain's last leaf in the month (`reached.last_leaf`, a backward
--   index walk with a probe of the month per step) was a subquery inlined
--   wherever the statement used it, so evaluated five times per chain. The
--   CTE is now materialized: once.
-- * The search for each chain's last leaf at or before the month's last
--   (txid, seq) bisected all of the chain's leaves: ~9 probes per chain at
--   400 leaves, ~100 ms, and more as the chain grows. Leaf order is
--   (txid, seq) order, and the leaf of any event of the month is at or
--   before that point, so the search now starts at the leaf of the chain's
--   newest event in the month by time (read anyway, for expiry) and
--   gallops forward 1, 2, 4, ... leaves, then bisects the last step. Time
--   and transaction order seldom disagree by much, so one or two probes
--   usually settle it; where they do disagree, the answer is the same.
--
-- * The plan is planned at every call (`plan_cache_mode`). PL/pgSQL keeps
--   each statement's plan for the backend, and from its sixth execution
--   PostgreSQL may switch to a generic plan, blind to the month's bounds
--   and the chains' count: in a pooled backend the plan went from 120-190
--   to 360-570 ms of CPU at its sixth call, and the door, which plans
--   again, to 1.5-1.9 s. A plan built per call costs a few milliseconds.
--
-- The rows, columns and messages are 0066's (the plan is compared with
-- 0062's row for row in ledger-month-plan-set-based.test.ts, with chains
-- whose newest event by time is not their last leaf).
create or replace function audit.month_retirement_plan(deployment text, min_days integer, max_days integer default null)
returns table (partition_name text, range_from timestamptz, range_to timestamptz, chain text, events bigint,
               start_leaf bigint, end_leaf bigint, keep_days integer, cutoff timestamptz, planned_at timestamptz,
               checkpoint_size bigint, checkpoint_root bytea, chain_hash bytea, blocked_by text, body text,
               outside bigint)
language plpgsql security definer set search_path = '' set plan_cache_mode = force_custom_plan as $$
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
             coalesce((select pg_catalog.max(s.position) from audit.seals s where s.chain = p.chain), 0) as sealed,
             newest.created_at as newest,
             (select s.position from audit.seals s where s.event_id = newest.id) as anchor
        from pg_catalog.unnest(present) with ordinality p(chain, n)
        -- The chain's newest event in the month (by time): its leaf is a leaf of the month.
        left join lateral (
          (select l.id, l.created_at from public.audit_logs l
            where p.chain = '' and l.tenant_id is null
              and l.created_at >= month.range_from and l.created_at < month.range_to
            order by l.created_at desc limit 1)
          union all
          (select l.id, l.created_at from public.audit_logs l
            where p.chain <> '' and l.tenant_id = p.chain
              and l.created_at >= month.range_from and l.created_at < month.range_to
            order by l.created_at desc limit 1)) newest on true),
    -- Each chain's last leaf at or before the month's last (txid, seq), every chain searched at once. Leaf
    -- order is (txid, seq) order, and a leaf of the month is at or before that point, so the search starts
    -- at the anchor (else at the chain's start) and gallops forward, 1, 2, 4, ... leaves (high null), then
    -- bisects what the first step too far left: usually the anchor is that leaf, and one probe settles it.
    search(chain, low, high, step, sealed) as (
      select h.chain, greatest(h.start_leaf, coalesce(h.anchor, 0)), null::bigint, 1::bigint, h.sealed
        from chains h
      union all
      select b.chain,
             case when (s.txid, s.seq) <= (last_event.txid, last_event.seq) then q.probe else b.low end,
             case when b.high is null and (s.txid, s.seq) <= (last_event.txid, last_event.seq) then
                    case when q.probe < b.sealed then null else q.probe end
                  when b.high is null then q.probe - 1
                  when (s.txid, s.seq) <= (last_event.txid, last_event.seq) then b.high
                  else q.probe - 1 end,
             b.step * 2, b.sealed
        from search b
        cross join lateral (values (case when b.high is null then least(b.low + b.step, b.sealed)
                                         else b.low + (b.high - b.low + 1) / 2 end)) q(probe)
        left join audit.seals s on s.chain = b.chain and s.position = q.probe
       where (b.high is null and b.low < b.sealed) or b.low < b.high),
    -- Materialized: each chain's last leaf is found once, not again at every use below.
    reached as materialized (
      select h.chain, h.n, h.start_leaf, h.sealed, h.newest,
             -- Back from there to the first leaf whose event lies in the month.
             (select s.position from audit.seals s
               where s.chain = h.chain and s.position > h.start_leaf and s.position <= b.low
                 and exists (select from public.audit_logs l
                             where l.id = s.event_id and l.created_at >= month.range_from
                               and l.created_at < month.range_to)
               order by s.position desc limit 1) as last_leaf
        from chains h
        join search b on b.chain = h.chain and (case when b.high is null then b.low >= b.sealed else b.low >= b.high end))
    select r.chain, r.n, r.start_leaf, r.sealed, r.last_leaf, ls.chain_hash as last_hash, r.newest,
           case when r.chain = '' then (select y.audit_retention_days from audit.system_retention y)
                else (select y.audit_retention_days from public.site_settings y where y.tenant_id = r.chain) end
             as policy,
           exists (select from audit.legal_holds h where h.chain = r.chain and h.released_at is null)
             or exists (select from public.audit_sinks sk where sk.tenant_id = r.chain) as own_rules,
           (select d.delivered_through from platform.deployment_sink_cursors d where d.chain = r.chain)
             as deployment_through,
           k.tree_size, k.root_hash,
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
      -- One probe per chain: as a plain join, the planner's guess of the chains' count could hash every seal.
      left join lateral (select s.chain_hash, s.txid, s.seq from audit.seals s
                          where s.chain = r.chain and s.position = r.last_leaf limit 1) ls on true
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
-- The door's own statements (the deletes of the ranges' events outside the month) take parameters too;
-- planned per call as well, as the door runs about once a month per backend.
alter function audit.retire_ledger_month(text, text[], integer, integer) set plan_cache_mode = force_custom_plan;
