-- Retention by partition drop (issue 16): a ledger month leaves whole.
--
-- Until now expired events left only through 0048's per-workspace door, one
-- DELETE per event, and no month of the partitioned ledger (0044) could ever
-- be emptied: the system chain (sign-ups, workspace lookups, operator
-- actions) writes into every month and had no retention policy. This
-- migration gives the system chain a policy of its own, set by the operator,
-- and adds a second door that retires the ledger's oldest month by DETACH and
-- DROP of its partition when every chain with events in it allows it.
--
-- What "allows" means is exactly 0048's plan, per chain: every event of the
-- chain in the month is sealed and lies inside the prefix of leaves the
-- chain's plan may remove now (its policy, its legal holds, what its sinks
-- and the deployment sink acknowledged, its latest signed checkpoint). The
-- removal per chain is still a prefix [start, end) of its leaves, `end` the
-- last of its leaves in the month, under a signed retention record of the
-- same form as 0048's (so every verifier reads it unchanged), written in the
-- transaction that drops the partition, with an `audit.retention_applied`
-- event in the chain. Leaves of the prefix whose events lie outside the
-- month are deleted by the door in the same transaction: a transaction that
-- began before midnight may be sealed after one that began after it, so a
-- few events of the next month can precede the month's last leaf; and the
-- rows from before partitioning (the `_history` partition) leave by DELETE,
-- never by drop.
--
-- Who may call it: the server signs a context for its retention run (claim
-- "k" = "ledger-retention", bound to one transaction like every context,
-- 0034); the plan and the door answer that context only, so SQL injected
-- into a request cannot reach them. The door re-plans under the same locks,
-- refuses a set of notes that is not exactly one signed note per chain whose
-- body is its plan, and then calls the one function that may detach and drop
-- a month, audit.drop_ledger_month, owned by the ledger's owner (only a
-- table's owner may detach its partitions) and executable by skillhub_system
-- alone, which refuses anything that is not a month partition of the two
-- ledger tables, and a month of audit_logs with events whose retention
-- records this transaction did not write.
--
-- The security control alarm (0018) would read the partition's controls
-- vanishing as a weakening; like ensure_ledger_partitions' new partitions,
-- the month is marked as handled by this transaction first (audit.
-- security_controls.adopted_in), and the drop is recorded explicitly in the
-- system chain instead (audit.ledger_month_retired).

-- The system chain's policy: one row, days of system events kept (null:
-- forever). Set only through audit.set_system_retention, by the operator.
create table audit.system_retention (
  singleton boolean not null default true,
  audit_retention_days integer,
  updated_at timestamptz not null default pg_catalog.now(),
  updated_by text not null,
  constraint system_retention_pkey primary key (singleton),
  constraint system_retention_singleton_check check (singleton),
  constraint system_retention_days_check check (audit_retention_days is null
    or audit_retention_days between 1 and 36500)
);
--> statement-breakpoint
revoke all on audit.system_retention from public;
--> statement-breakpoint
grant select, insert, update on audit.system_retention to skillhub_system;
--> statement-breakpoint
create trigger system_retention_no_delete before delete on audit.system_retention
  for each row execute function audit.reject_change();
--> statement-breakpoint
create trigger system_retention_no_truncate before truncate on audit.system_retention
  for each statement execute function audit.reject_change();
--> statement-breakpoint
-- Sets the system chain's policy within the deployment's bounds (the CLI
-- passes SKILLHUB_RETENTION_MIN_DAYS / _MAX_DAYS) and records the change in
-- the system chain. The operator's door: over the owner's connection only.
create function audit.set_system_retention(actor platform.actor, days integer, min_days integer,
  max_days integer default null)
returns void
language plpgsql security definer set search_path = '' as $$
declare
  previous integer;
begin
  if actor.actor_type is null then
    raise exception 'setting the system chain''s retention names no actor' using errcode = 'invalid_parameter_value';
  end if;
  if min_days is null or min_days < 1 or (max_days is not null and max_days < min_days) then
    raise exception 'the deployment''s retention bounds are not valid (minimum %, maximum %)', min_days, max_days
      using errcode = 'invalid_parameter_value';
  end if;
  if days is not null and (days < min_days or (max_days is not null and days > max_days)) then
    raise exception 'the system chain keeps its events between % and % days; % is outside',
      min_days, coalesce(max_days::text, 'any number of'), days
      using errcode = 'invalid_parameter_value';
  end if;
  select s.audit_retention_days into previous from audit.system_retention s for update;
  insert into audit.system_retention as s (singleton, audit_retention_days, updated_at, updated_by)
  values (true, days, pg_catalog.now(), actor.actor_type || ':' || coalesce(actor.actor_id, ''))
  on conflict (singleton) do update
    set audit_retention_days = excluded.audit_retention_days, updated_at = excluded.updated_at,
        updated_by = excluded.updated_by;
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address,
    request_id, metadata)
  values (null, actor.actor_type, actor.actor_id, 'audit.retention_policy_changed', 'audit_chain', 'system', actor.ip,
    actor.request_id, pg_catalog.jsonb_build_object('chain', 'system', 'keepDays', days, 'previousKeepDays', previous));
end
$$;
--> statement-breakpoint
alter function audit.set_system_retention(platform.actor, integer, integer, integer) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.set_system_retention(platform.actor, integer, integer, integer) from public;
--> statement-breakpoint
do $$
begin
  -- A superuser owner can call it anyway; a plain owner role needs the grant.
  execute pg_catalog.format('grant execute on function audit.set_system_retention(platform.actor, integer, integer, '
    'integer) to %I', current_user);
end
$$;
--> statement-breakpoint
-- The system chain's records: its chain is '' (as in audit.seals and
-- audit.checkpoints), which names no workspace. The foreign key now holds
-- for workspaces' chains only, through a generated column.
alter table audit.retention_records drop constraint retention_records_chain_fkey;
--> statement-breakpoint
alter table audit.retention_records add column chain_tenant text generated always as (nullif(chain, '')) stored;
--> statement-breakpoint
alter table audit.retention_records add constraint retention_records_chain_fkey
  foreign key (chain_tenant) references public.tenants (id);
--> statement-breakpoint
-- 0048's row guard, for the system chain too (its events have no tenant).
create or replace function audit.guard_ledger_row() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'DELETE' and exists (
       select from audit.retention_records r
       join audit.seals s on s.chain = r.chain and s.position > r.start_leaf and s.position <= r.end_leaf
       where r.txid = pg_catalog.pg_current_xact_id() and r.chain = coalesce(old.tenant_id, '')
         and s.event_id = old.id) then
    return old;
  end if;
  raise exception '% is append-only: % is not allowed', tg_table_schema || '.' || tg_table_name, tg_op
    using errcode = 'insufficient_privilege',
          hint = 'Audit records are never changed; expired ones leave only through retention (skillhub retention run).';
end
$$;
--> statement-breakpoint
-- A retention record's signed-note body (0048's form, unchanged).
create function audit.retention_note_body(origin text, start_leaf bigint, end_leaf bigint, removed_at timestamptz,
  keep_days integer, cutoff timestamptz, checkpoint_size bigint, checkpoint_root bytea, chain_hash bytea)
returns text
language sql immutable set search_path = '' as $$
  select pg_catalog.concat_ws(pg_catalog.chr(10),
    origin,
    pg_catalog.format('retention %s %s', start_leaf, end_leaf),
    'removed-at ' || pg_catalog.to_char(removed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    pg_catalog.format('policy %s days', keep_days),
    'cutoff ' || pg_catalog.to_char(cutoff at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    pg_catalog.format('checkpoint %s %s', checkpoint_size, pg_catalog.encode(checkpoint_root, 'base64')),
    'chain-hash ' || pg_catalog.encode(chain_hash, 'base64')) || pg_catalog.chr(10)
$$;
--> statement-breakpoint
-- 0048's plan for any chain ('' the system chain, with audit.system_retention
-- as its policy; it has no holds and no workspace sinks). Not a door: runs
-- with its caller's rights and only skillhub_system's functions call it.
-- Takes the chain's retention lock until the transaction ends.
create function audit.chain_retention_plan(p_chain text, origin text, min_days integer, max_days integer)
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
  -- The first leaf that must stay: the earliest-sealed event not older than the cutoff.
  if p_chain = '' then
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
alter function audit.chain_retention_plan(text, text, integer, integer) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.chain_retention_plan(text, text, integer, integer) from public;
--> statement-breakpoint
alter function audit.retention_note_body(text, bigint, bigint, timestamptz, integer, timestamptz, bigint, bytea, bytea)
  owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.retention_note_body(text, bigint, bigint, timestamptz, integer, timestamptz, bigint,
  bytea, bytea) from public;
--> statement-breakpoint
-- 0048's per-workspace plan, now the same plan for the verified context's workspace.
create or replace function audit.retention_plan(origin text, min_days integer, max_days integer default null)
returns table (chain text, keep_days integer, cutoff timestamptz, planned_at timestamptz, start_leaf bigint,
               expired_end bigint, end_leaf bigint, checkpoint_size bigint, checkpoint_root bytea, chain_hash bytea,
               blocked_by text, body text)
language plpgsql security definer set search_path = '' as $$
declare
  tenant text := platform.current_tenant_id();
begin
  if tenant is null then
    raise exception 'retention runs inside a workspace''s verified context, and this transaction has none'
      using errcode = 'insufficient_privilege';
  end if;
  return query select * from audit.chain_retention_plan(tenant, origin, min_days, max_days);
end
$$;
--> statement-breakpoint
-- The retention run's context: signed by the server for that run only.
create function audit.assert_ledger_retention() returns void
language plpgsql stable set search_path = '' as $$
begin
  if (platform.context_claims() ->> 'k') is distinct from 'ledger-retention' then
    raise exception 'only the server''s retention run may plan or retire a month of the ledger'
      using errcode = 'insufficient_privilege',
            hint = 'Retention runs in the server''s hourly loop and in `skillhub retention run`.';
  end if;
end
$$;
--> statement-breakpoint
alter function audit.assert_ledger_retention() owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.assert_ledger_retention() from public;
--> statement-breakpoint
grant select on audit.ledger_partitions to skillhub_system;
--> statement-breakpoint
-- The ledger's month partitions (not the _history ones), with their exact
-- row counts and bytes, oldest first: what `skillhub retention status` shows.
create function audit.ledger_months()
returns table (table_name text, partition_name text, range_from timestamptz, range_to timestamptz, events bigint,
               bytes bigint)
language plpgsql security definer set search_path = '' as $$
declare
  month record;
begin
  perform audit.assert_ledger_retention();
  for month in select l.table_name, l.partition_name, l.range_from, l.range_to, l.bytes from audit.ledger_partitions l
               where l.range_from is not null order by l.table_name, l.range_from loop
    table_name := month.table_name;
    partition_name := month.partition_name;
    range_from := month.range_from;
    range_to := month.range_to;
    bytes := month.bytes;
    execute pg_catalog.format('select pg_catalog.count(*) from public.%I where created_at >= $1 and created_at < $2',
      month.table_name) into events using month.range_from, month.range_to;
    return next;
  end loop;
end
$$;
--> statement-breakpoint
-- What retiring the ledger's oldest month would remove, per chain with
-- events in it: the leaves [start_leaf, end_leaf) (end_leaf the chain's last
-- leaf in the month), the record's body to sign, or why the chain stops the
-- month (blocked_by). One row with a null chain for a month without events
-- or one too young to go (it ended less than the deployment's minimum
-- retention ago); no row when the ledger has no month partition. Takes the
-- retirement lock and each chain's retention lock until the transaction
-- ends, so the door that follows sees the same state, and a second run
-- waits, then plans the next month.
create function audit.month_retirement_plan(deployment text, min_days integer, max_days integer default null)
returns table (partition_name text, range_from timestamptz, range_to timestamptz, chain text, events bigint,
               start_leaf bigint, end_leaf bigint, keep_days integer, cutoff timestamptz, planned_at timestamptz,
               checkpoint_size bigint, checkpoint_root bytea, chain_hash bytea, blocked_by text, body text)
language plpgsql security definer set search_path = '' as $$
declare
  month record;
  present record;
  plan record;
  any_chain boolean := false;
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
  for present in
    select coalesce(l.tenant_id, '') as chain, pg_catalog.count(*) as events, pg_catalog.count(s.position) as sealed,
           pg_catalog.max(s.position) as last_leaf
    from public.audit_logs l
    left join audit.seals s on s.event_id = l.id
    where l.created_at >= month.range_from and l.created_at < month.range_to
    group by 1 order by 1
  loop
    any_chain := true;
    select * into plan from audit.chain_retention_plan(present.chain,
      deployment || '/audit/' || case when present.chain = '' then 'system' else present.chain end, min_days, max_days);
    chain := present.chain;
    events := present.events;
    start_leaf := plan.start_leaf;
    end_leaf := present.last_leaf;
    keep_days := plan.keep_days;
    cutoff := plan.cutoff;
    planned_at := plan.planned_at;
    checkpoint_size := plan.checkpoint_size;
    checkpoint_root := plan.checkpoint_root;
    chain_hash := null;
    body := null;
    blocked_by := null;
    if present.sealed < present.events then
      blocked_by := pg_catalog.format('%s of its events in the month are not sealed yet', present.events - present.sealed);
    elsif plan.keep_days is null then
      blocked_by := plan.blocked_by;
    elsif present.last_leaf <= plan.start_leaf then
      blocked_by := pg_catalog.format('its events in the month lie inside leaves already removed (up to %s)',
                                      plan.start_leaf);
    elsif present.last_leaf > plan.expired_end then
      blocked_by := pg_catalog.format('events of the month are not expired (policy %s days, cutoff %s)', plan.keep_days,
        pg_catalog.to_char(plan.cutoff at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'));
    elsif present.last_leaf > plan.end_leaf then
      blocked_by := plan.blocked_by;
    else
      select s.chain_hash into chain_hash from audit.seals s
       where s.chain = present.chain and s.position = present.last_leaf;
      body := audit.retention_note_body(
        deployment || '/audit/' || case when present.chain = '' then 'system' else present.chain end,
        plan.start_leaf, present.last_leaf, plan.planned_at, plan.keep_days, plan.cutoff, plan.checkpoint_size,
        plan.checkpoint_root, chain_hash);
    end if;
    return next;
  end loop;
  if not any_chain then
    return next;
  end if;
end
$$;
--> statement-breakpoint
-- Detaches and drops one month partition of the ledger. Owned by the
-- ledger's owner (only a table's owner may detach its partitions) and
-- executable by skillhub_system only: the retirement doors below are its
-- only callers. Refuses anything but a month partition of audit_logs or
-- security_events, and a month of audit_logs with events when this
-- transaction wrote no retention record.
create function audit.drop_ledger_month(p_table text, p_partition text) returns void
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
  -- The partition's controls leave with it: handled by this transaction, not a weakening.
  update audit.security_controls c set adopted_in = pg_catalog.pg_current_xact_id()
   where c.relid = pg_catalog.format('public.%I', p_partition)::regclass;
  execute pg_catalog.format('alter table public.%I detach partition public.%I', p_table, p_partition);
  execute pg_catalog.format('drop table public.%I', p_partition);
end
$$;
--> statement-breakpoint
revoke all on function audit.drop_ledger_month(text, text) from public;
--> statement-breakpoint
grant execute on function audit.drop_ledger_month(text, text) to skillhub_system;
--> statement-breakpoint
-- The door: retires the ledger's oldest month of audit_logs. `notes` holds
-- one signed note per chain with events in the month, each the body the
-- plan returned in this transaction, signed by the server's checkpoint key.
-- Plans again under the same locks, refuses anything else, then per chain
-- writes the retention record, deletes the range's events outside the month
-- and records `audit.retention_applied`; drops the month; records
-- `audit.ledger_month_retired` in the system chain. Returns one row per
-- chain (none when the month holds no events), all in the caller's
-- transaction.
create function audit.retire_ledger_month(deployment text, notes text[], min_days integer,
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
  outside bigint;
  history boolean;
  removed bigint;
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
    -- Leaves of the range outside the month: from before partitioning (the
    -- _history partition) and, sealed before the month's last leaf, from the
    -- months after it; within a chain leaf order is (txid, seq) order, so the
    -- latter are found on each later partition's (txid, seq) index.
    select s.txid, s.seq into last_seal from audit.seals s where s.chain = plan.chain and s.position = plan.end_leaf;
    if plan.chain = '' then
      history := exists (select from public.audit_logs l where l.created_at < month_from and l.tenant_id is null);
    else
      history := exists (select from public.audit_logs l where l.created_at < month_from and l.tenant_id = plan.chain);
    end if;
    select pg_catalog.count(*) into outside from public.audit_logs l
     where l.created_at >= month_to and (l.txid, l.seq) <= (last_seal.txid, last_seal.seq)
       and l.tenant_id is not distinct from nullif(plan.chain, '')
       and exists (select from audit.seals s where s.event_id = l.id and s.chain = plan.chain
                   and s.position > plan.start_leaf and s.position <= plan.end_leaf);
    if history then
      outside := outside + (select pg_catalog.count(*) from public.audit_logs l join audit.seals s on s.event_id = l.id
                            where s.chain = plan.chain and s.position > plan.start_leaf
                              and s.position <= plan.end_leaf and l.created_at < month_from);
    end if;
    insert into audit.retention_records (chain, start_leaf, end_leaf, removed_at, keep_days, cutoff, checkpoint_size,
      checkpoint_root, chain_hash, key_id, note, events_removed)
    values (plan.chain, plan.start_leaf, plan.end_leaf, plan.planned_at, plan.keep_days, plan.cutoff,
      plan.checkpoint_size, plan.checkpoint_root, plan.chain_hash,
      pg_catalog.encode(pg_catalog.substr(signed_by, 1, 4), 'hex'), matched, plan.events + outside);
    with gone as (
      delete from public.audit_logs l
       where l.created_at >= month_to and (l.txid, l.seq) <= (last_seal.txid, last_seal.seq)
         and l.tenant_id is not distinct from nullif(plan.chain, '')
         and exists (select from audit.seals s where s.event_id = l.id and s.chain = plan.chain
                     and s.position > plan.start_leaf and s.position <= plan.end_leaf)
      returning 1)
    select pg_catalog.count(*) into removed from gone;
    if history then
      with gone as (
        delete from public.audit_logs l using audit.seals s
         where s.chain = plan.chain and s.position > plan.start_leaf and s.position <= plan.end_leaf
           and l.id = s.event_id and l.created_at < month_from
        returning 1)
      select removed + pg_catalog.count(*) into removed from gone;
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
--> statement-breakpoint
-- The oldest month of security_events, and per chain with events in it
-- whether the chain lets it go: a policy whose cutoff is past the month's
-- end, and no active legal hold. Security events are not leaves (their audit
-- twins are, and leave under the records above), so dropping their month
-- needs no record of its own; it is recorded in the system chain.
create function audit.security_month_plan(deployment text, min_days integer, max_days integer default null)
returns table (partition_name text, range_from timestamptz, range_to timestamptz, chain text, events bigint,
               blocked_by text)
language plpgsql security definer set search_path = '' as $$
declare
  month record;
  present record;
  plan record;
  any_chain boolean := false;
begin
  perform audit.assert_ledger_retention();
  if deployment is null or deployment = '' or min_days is null or min_days < 1 then
    raise exception 'retiring a month needs the deployment''s name and its retention bounds'
      using errcode = 'invalid_parameter_value';
  end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skillhub.ledger_retirement'));
  select l.partition_name, l.range_from, l.range_to into month from audit.ledger_partitions l
   where l.table_name = 'security_events' and l.range_from is not null order by l.range_from limit 1;
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
  for present in
    select coalesce(e.tenant_id, '') as chain, pg_catalog.count(*) as events from public.security_events e
    where e.created_at >= month.range_from and e.created_at < month.range_to
    group by 1 order by 1
  loop
    any_chain := true;
    select * into plan from audit.chain_retention_plan(present.chain,
      deployment || '/audit/' || case when present.chain = '' then 'system' else present.chain end, min_days, max_days);
    chain := present.chain;
    events := present.events;
    blocked_by := case
      when plan.keep_days is null then plan.blocked_by
      when plan.cutoff < month.range_to then pg_catalog.format('events of the month are not expired (policy %s days)',
                                                                plan.keep_days)
      when exists (select from audit.legal_holds h where h.chain = present.chain and h.released_at is null)
        then 'a legal hold is active on the workspace'
      end;
    return next;
  end loop;
  if not any_chain then
    return next;
  end if;
end
$$;
--> statement-breakpoint
-- Drops the oldest month of security_events when every chain in it lets it
-- go (audit.security_month_plan); returns the partition dropped, or null.
create function audit.retire_security_month(deployment text, min_days integer, max_days integer default null)
returns text
language plpgsql security definer set search_path = '' as $$
declare
  plan record;
  month text;
  chains jsonb := '[]';
begin
  perform audit.assert_ledger_retention();
  for plan in select * from audit.security_month_plan(deployment, min_days, max_days) loop
    if plan.blocked_by is not null then
      return null;
    end if;
    month := plan.partition_name;
    if plan.chain is not null then
      chains := chains || pg_catalog.jsonb_build_object('chain', coalesce(nullif(plan.chain, ''), 'system'),
        'events', plan.events);
    end if;
  end loop;
  if month is null then
    return null;
  end if;
  perform audit.drop_ledger_month('security_events', month);
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, metadata)
  values (null, 'system', 'retention', 'audit.ledger_month_retired', 'table', 'public.' || month,
    pg_catalog.jsonb_build_object('partition', month, 'chains', chains));
  return month;
end
$$;
--> statement-breakpoint
alter function audit.ledger_months() owner to skillhub_system;
--> statement-breakpoint
alter function audit.month_retirement_plan(text, integer, integer) owner to skillhub_system;
--> statement-breakpoint
alter function audit.retire_ledger_month(text, text[], integer, integer) owner to skillhub_system;
--> statement-breakpoint
alter function audit.security_month_plan(text, integer, integer) owner to skillhub_system;
--> statement-breakpoint
alter function audit.retire_security_month(text, integer, integer) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.ledger_months(), audit.month_retirement_plan(text, integer, integer),
  audit.retire_ledger_month(text, text[], integer, integer), audit.security_month_plan(text, integer, integer),
  audit.retire_security_month(text, integer, integer)
  from public;
--> statement-breakpoint
grant execute on function audit.ledger_months(), audit.month_retirement_plan(text, integer, integer),
  audit.retire_ledger_month(text, text[], integer, integer), audit.security_month_plan(text, integer, integer),
  audit.retire_security_month(text, integer, integer)
  to skillhub_app;
