-- Retention in forms a Citus cluster plans, and a workspace's retention lock taken in one place whatever
-- node a door runs on. One server plans and locks as before.
--
-- 1. A workspace's retention lock (0048, 0059: placing a hold, planning a removal and erasing wait for one
--    another) is taken through audit.lock_chain_retention. On one server it is the advisory lock it was.
--    On a cluster an advisory lock is held by the node that runs the statement: a legal hold's door is
--    delegated to the tenant's node (0084), while erasure and retention run on the coordinator, so the
--    three would hold three different locks and none would wait for another (found). The conversion
--    (packages/db/citus/writes-per-shard.sql) replaces the function with a row lock on the tenant's shard,
--    which every node reaches the same way.
-- 2. Each join of seals and events names the chain on both sides: Citus plans a join of two distributed
--    tables only on their distribution columns ("the query contains a join that requires repartitioning",
--    the retention plan on a cluster, found), and one server reads the same rows through the same keys.
-- 3. A hold's check passes the event as public.audit_logs (0075's cast): a query Citus routes to a shard
--    names the shard's row type, which no function takes.
-- 4. The month retirement keeps its own advisory locks: it detaches partitions, a one-server operation.

create function audit.lock_chain_retention(chain text) returns void
language plpgsql set search_path = '' as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skillhub.retention'), pg_catalog.hashtext(chain));
end
$$;
--> statement-breakpoint
alter function audit.lock_chain_retention(text) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.lock_chain_retention(text) from public;
--> statement-breakpoint
create or replace function audit.chain_retention_plan(p_chain text, origin text, min_days integer, max_days integer,
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
  perform audit.lock_chain_retention(chain);
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
  else
    expired_end := coalesce((select pg_catalog.min(s.position) - 1 from public.audit_logs l
                             join audit.seals s on s.chain = l.tenant_id and s.event_id = l.id
                             where l.tenant_id = p_chain and s.chain = p_chain and l.created_at >= cutoff), sealed);
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
                   join public.audit_logs l on l.tenant_id = s.chain and l.id = s.event_id
                   where s.chain = p_chain and l.tenant_id = p_chain
                     and s.position > start_leaf and s.position <= end_leaf
                     and audit.event_concerns(row(l.*)::public.audit_logs, hold.subject));
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
create or replace function audit.apply_retention(note text, min_days integer, max_days integer default null) returns bigint
language plpgsql security definer set search_path = '' as $$
declare
  plan record;
  split integer := pg_catalog.strpos(note, pg_catalog.chr(10) || pg_catalog.chr(10));
  signature text;
  signed_by bytea;
  checkpoint_origin text;
  removed bigint;
begin
  if note is null or split = 0 then
    raise exception 'a retention record is a signed note: body, blank line, signature'
      using errcode = 'invalid_parameter_value';
  end if;
  select * into plan from audit.retention_plan(pg_catalog.split_part(note, pg_catalog.chr(10), 1), min_days, max_days);
  if plan.end_leaf <= plan.start_leaf then
    raise exception 'retention has nothing to remove from workspace % (%)', plan.chain,
      coalesce(plan.blocked_by, 'nothing has expired')
      using errcode = 'object_not_in_prerequisite_state';
  end if;
  if pg_catalog.left(note, split) <> plan.body then
    raise exception 'the retention record does not state what retention may remove now'
      using errcode = 'invalid_parameter_value',
            hint = 'Sign the body audit.retention_plan returns, in the same transaction.';
  end if;
  select pg_catalog.split_part(c.note, pg_catalog.chr(10), 1) into checkpoint_origin from audit.checkpoints c
   where c.chain = plan.chain and c.tree_size = plan.checkpoint_size limit 1;
  if checkpoint_origin is distinct from pg_catalog.split_part(note, pg_catalog.chr(10), 1) then
    raise exception 'the retention record''s origin is not its checkpoint''s' using errcode = 'invalid_parameter_value';
  end if;
  signature := pg_catalog.substr(note, split + 2);
  if signature !~ ('^' || pg_catalog.chr(8212) || ' \S+ [A-Za-z0-9+/]+=*\n$') then
    raise exception 'the retention record carries no signature line' using errcode = 'invalid_parameter_value';
  end if;
  signed_by := pg_catalog.decode(pg_catalog.split_part(pg_catalog.rtrim(signature, pg_catalog.chr(10)), ' ', 3), 'base64');
  if pg_catalog.octet_length(signed_by) <> 68 then
    raise exception 'the retention record''s signature is not an Ed25519 signature' using errcode = 'invalid_parameter_value';
  end if;
  -- Counted first: the record goes in before the rows it lets through the ledger's guard.
  select pg_catalog.count(*) into removed from audit.seals s
    join public.audit_logs l on l.tenant_id = s.chain and l.id = s.event_id
   where s.chain = plan.chain and l.tenant_id = plan.chain
     and s.position > plan.start_leaf and s.position <= plan.end_leaf;
  insert into audit.retention_records (chain, start_leaf, end_leaf, removed_at, keep_days, cutoff, checkpoint_size,
    checkpoint_root, chain_hash, key_id, note, events_removed)
  values (plan.chain, plan.start_leaf, plan.end_leaf, plan.planned_at, plan.keep_days, plan.cutoff,
    plan.checkpoint_size, plan.checkpoint_root, plan.chain_hash,
    pg_catalog.encode(pg_catalog.substr(signed_by, 1, 4), 'hex'), note, removed);
  with gone as (
    delete from public.audit_logs l using audit.seals s
     where s.chain = plan.chain and s.position > plan.start_leaf and s.position <= plan.end_leaf
       and l.tenant_id = s.chain and l.id = s.event_id and l.tenant_id = plan.chain
    returning 1)
  select pg_catalog.count(*) into removed from gone;
  perform audit.record_event('audit.retention_applied', 'audit_chain', plan.chain, pg_catalog.jsonb_build_object(
    'startLeaf', plan.start_leaf, 'endLeaf', plan.end_leaf, 'eventsRemoved', removed, 'keepDays', plan.keep_days,
    'cutoff', plan.cutoff, 'checkpointSize', plan.checkpoint_size, 'blockedBy', plan.blocked_by));
  return removed;
end
$$;
--> statement-breakpoint
create or replace function audit.erase_subject(kind text, value text, dry_run boolean default true) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  ctx platform.request_context := platform.verified_context();
  tenant text := ctx.tenant_id;
  named text := pg_catalog.lower(pg_catalog.btrim(value));
  account public.users;
  held text;
begin
  if tenant is null then
    raise exception 'erasing a subject needs a workspace context' using errcode = 'insufficient_privilege';
  end if;
  if not (coalesce(ctx.actor_role in ('owner', 'admin'), false) or ctx.actor_type is not distinct from 'system') then
    raise exception 'erasing a subject takes a workspace owner or admin' using errcode = 'insufficient_privilege';
  end if;
  perform audit.lock_chain_retention(tenant);
  if named is not null then
    if kind = 'user' and named ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      select * into account from public.users u where u.tenant_id = tenant and u.id = named::uuid;
    elsif kind = 'email' then
      select * into account from public.users u where u.tenant_id = tenant and u.email = named;
    end if;
    select c into held
    from pg_catalog.unnest(array[named, account.id::text, account.email]) c
    where c is not null and audit.subject_on_hold(tenant, c)
    limit 1;
    if held is not null then
      raise exception 'a legal hold keeps this person''s data in this workspace'
        using errcode = 'object_not_in_prerequisite_state',
              hint = 'Release the hold first (POST /audit/legal-holds/{id}/release, or skillhub retention hold release).';
    end if;
  end if;
  return audit.erase_subject_unheld(kind, value, dry_run);
end
$$;
--> statement-breakpoint
create or replace function audit.place_legal_hold(subject text, reason text) returns uuid
language plpgsql security definer set search_path = '' as $$
declare
  ctx platform.request_context := audit.assert_may_hold();
  created uuid;
begin
  perform audit.lock_chain_retention(ctx.tenant_id);
  insert into audit.legal_holds (chain, subject, reason, placed_by)
  values (ctx.tenant_id, pg_catalog.lower(pg_catalog.btrim(subject)), pg_catalog.btrim(reason),
          ctx.actor_type || ':' || coalesce(ctx.actor_id, ''))
  returning id into created;
  perform audit.record_event('legal_hold.placed', 'legal_hold', created::text,
    pg_catalog.jsonb_build_object('subject', pg_catalog.lower(pg_catalog.btrim(subject)), 'reason', pg_catalog.btrim(reason)));
  return created;
end
$$;
