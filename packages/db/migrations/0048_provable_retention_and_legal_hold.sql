-- Retention that stays provable, and legal hold (issue 16, items 2 and 3).
--
-- A workspace keeps its audit events for a number of days (null: forever).
-- Expired events leave through one door, audit.apply_retention, and only as
-- a prefix of the chain's leaf order: leaves [start, end), where start is
-- where the previous removal ended. Before they leave, a signed checkpoint
-- of the tree must cover the range and every receiver (the workspace's
-- sinks and the deployment sink) must have acknowledged it. The door writes
-- a retention record, a C2SP signed note by the checkpoint key naming the
-- range, the policy, the checkpoint and the chain hash at the range's end,
-- in the same transaction, and an `audit.retention_applied` event in the
-- workspace's chain. The seals stay (hashes only): the chain and the tree
-- still fold over the removed leaves, so roots, proofs and the linear chain
-- of what remains keep verifying.

-- The policy: days of audit events a workspace keeps; null keeps them all.
-- The deployment's bounds (SKILLHUB_RETENTION_MIN_DAYS / _MAX_DAYS) are the
-- server's, checked by the use case that sets it and again by the plan.
alter table public.site_settings add column audit_retention_days integer;
--> statement-breakpoint
alter table public.site_settings add constraint site_settings_audit_retention_days_check
  check (audit_retention_days is null or audit_retention_days between 1 and 36500);
--> statement-breakpoint
-- Legal holds: a whole workspace (subject null) or one subject (a user id
-- or an email, lower-cased). While a hold on the workspace is active,
-- retention removes nothing; a hold on a subject stops a removal before
-- the subject's first event in the range (removal is a prefix), and
-- refuses erasure of that subject (audit.assert_subject_not_on_hold).
-- Written only through audit.place_legal_hold and audit.release_legal_hold.
create table audit.legal_holds (
  chain text not null references public.tenants (id),
  id uuid not null default pg_catalog.gen_random_uuid(),
  subject text,
  reason text not null,
  placed_by text not null,
  placed_at timestamptz not null default pg_catalog.now(),
  released_at timestamptz,
  released_by text,
  release_reason text,
  constraint legal_holds_pkey primary key (chain, id),
  constraint legal_holds_subject_check check (subject is null or (pg_catalog.length(subject) between 1 and 320
    and subject = pg_catalog.lower(subject))),
  constraint legal_holds_reason_check check (pg_catalog.length(reason) between 1 and 1000),
  constraint legal_holds_release_check check ((released_at is null) = (released_by is null)
    and (released_at is null) = (release_reason is null)),
  constraint legal_holds_release_reason_check check (release_reason is null
    or pg_catalog.length(release_reason) between 1 and 1000)
);
--> statement-breakpoint
create index legal_holds_active_idx on audit.legal_holds (chain) where released_at is null;
--> statement-breakpoint
alter table audit.legal_holds enable row level security;
--> statement-breakpoint
alter table audit.legal_holds force row level security;
--> statement-breakpoint
create policy tenant_isolation on audit.legal_holds as permissive for all to public
  using (chain = (select platform.current_tenant_id()))
  with check (chain = (select platform.current_tenant_id()));
--> statement-breakpoint
revoke all on audit.legal_holds from public;
--> statement-breakpoint
grant select on audit.legal_holds to skillhub_app;
--> statement-breakpoint
grant select, insert, update (released_at, released_by, release_reason) on audit.legal_holds to skillhub_system;
--> statement-breakpoint
-- A hold is never removed, and once released never changed: only the
-- release columns of an active hold may be set, once.
create function audit.guard_legal_hold() returns trigger
language plpgsql set search_path = '' as $$
begin
  if tg_op = 'UPDATE' and old.released_at is null
     and (new.chain, new.id, new.subject, new.reason, new.placed_by, new.placed_at)
         is not distinct from (old.chain, old.id, old.subject, old.reason, old.placed_by, old.placed_at) then
    return new;
  end if;
  raise exception 'audit.legal_holds keeps every hold: % is not allowed', tg_op
    using errcode = 'insufficient_privilege',
          hint = 'Release a hold with audit.release_legal_hold; it stays listed as released.';
end
$$;
--> statement-breakpoint
create trigger legal_holds_guard before update or delete on audit.legal_holds
  for each row execute function audit.guard_legal_hold();
--> statement-breakpoint
create trigger legal_holds_no_truncate before truncate on audit.legal_holds
  for each statement execute function audit.reject_change();
--> statement-breakpoint
-- Owners, admins and system actors (the operator's CLI, the server) place
-- and release holds; the API checks the same before it gets here.
create function audit.assert_may_hold() returns platform.request_context
language plpgsql stable security definer set search_path = '' as $$
declare
  ctx platform.request_context := platform.verified_context();
begin
  if ctx.tenant_id is null then
    raise exception 'legal holds are placed inside a workspace''s verified context, and this transaction has none'
      using errcode = 'insufficient_privilege';
  end if;
  if ctx.actor_type <> 'system' and coalesce(platform.current_actor_role(), '') not in ('owner', 'admin') then
    raise exception 'only a workspace owner or admin, or the operator, places or releases a legal hold'
      using errcode = 'insufficient_privilege';
  end if;
  return ctx;
end
$$;
--> statement-breakpoint
create function audit.place_legal_hold(subject text, reason text) returns uuid
language plpgsql security definer set search_path = '' as $$
declare
  ctx platform.request_context := audit.assert_may_hold();
  created uuid;
begin
  insert into audit.legal_holds (chain, subject, reason, placed_by)
  values (ctx.tenant_id, pg_catalog.lower(pg_catalog.btrim(subject)), pg_catalog.btrim(reason),
          ctx.actor_type || ':' || coalesce(ctx.actor_id, ''))
  returning id into created;
  perform audit.record_event('legal_hold.placed', 'legal_hold', created::text,
    pg_catalog.jsonb_build_object('subject', pg_catalog.lower(pg_catalog.btrim(subject)), 'reason', pg_catalog.btrim(reason)));
  return created;
end
$$;
--> statement-breakpoint
-- Releases an active hold; false when the workspace has no such active hold.
create function audit.release_legal_hold(hold uuid, reason text) returns boolean
language plpgsql security definer set search_path = '' as $$
declare
  ctx platform.request_context := audit.assert_may_hold();
  released audit.legal_holds;
begin
  update audit.legal_holds h
     set released_at = pg_catalog.now(), released_by = ctx.actor_type || ':' || coalesce(ctx.actor_id, ''),
         release_reason = pg_catalog.btrim(release_legal_hold.reason)
   where h.chain = ctx.tenant_id and h.id = release_legal_hold.hold and h.released_at is null
  returning * into released;
  if released.id is null then
    return false;
  end if;
  perform audit.record_event('legal_hold.released', 'legal_hold', release_legal_hold.hold::text,
    pg_catalog.jsonb_build_object('subject', released.subject, 'reason', pg_catalog.btrim(release_legal_hold.reason)));
  return true;
end
$$;
--> statement-breakpoint
-- Whether an event concerns a subject (a user id or a lower-cased email):
-- it names the subject as actor or resource, or carries it as an email or
-- a user's id in its metadata or its captured row.
create function audit.event_concerns(e public.audit_logs, subject text) returns boolean
language sql immutable set search_path = '' as $$
  select e.actor_id = subject or e.resource_id = subject
      or pg_catalog.lower(e.metadata ->> 'email') = subject or e.metadata ->> 'userId' = subject
      or pg_catalog.lower(e.new_record ->> 'email') = subject or pg_catalog.lower(e.old_record ->> 'email') = subject
      or (e.table_name = 'users' and (e.new_record ->> 'id' = subject or e.old_record ->> 'id' = subject))
      or e.new_record ->> 'user_id' = subject or e.old_record ->> 'user_id' = subject
$$;
--> statement-breakpoint
-- The check erasure calls (and any later door that destroys a subject's
-- data): true while a hold on the whole workspace or on this subject is
-- active. Reads across workspaces only for its owner's callers.
create function audit.subject_on_hold(tenant text, subject text) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (select from audit.legal_holds h
                 where h.chain = tenant and h.released_at is null
                   and (h.subject is null or h.subject = pg_catalog.lower(pg_catalog.btrim(subject_on_hold.subject))))
$$;
--> statement-breakpoint
create function audit.assert_subject_not_on_hold(tenant text, subject text) returns void
language plpgsql stable security definer set search_path = '' as $$
begin
  if audit.subject_on_hold(tenant, subject) then
    raise exception 'a legal hold keeps the data of "%" in workspace %', subject, tenant
      using errcode = 'object_in_use', hint = 'Release the hold (skillhub retention hold release) first.';
  end if;
end
$$;
--> statement-breakpoint
-- The signed records of what retention removed: one per removal, ranges
-- contiguous from leaf 0 ([start_leaf, end_leaf) of the chain's leaf order).
create table audit.retention_records (
  chain text not null references public.tenants (id),
  start_leaf bigint not null,
  end_leaf bigint not null,
  removed_at timestamptz not null,
  keep_days integer not null,
  cutoff timestamptz not null,
  checkpoint_size bigint not null,
  checkpoint_root bytea not null,
  -- The chain hash at leaf end_leaf - 1 (seal position end_leaf): the linear chain resumes from it.
  chain_hash bytea not null,
  key_id text not null,
  -- The signed note, exactly as signed (body, blank line, signature).
  note text not null,
  events_removed bigint not null,
  txid xid8 not null default pg_catalog.pg_current_xact_id(),
  constraint retention_records_pkey primary key (chain, start_leaf),
  constraint retention_records_end_key unique (chain, end_leaf),
  constraint retention_records_range_check check (start_leaf >= 0 and end_leaf > start_leaf
    and checkpoint_size >= end_leaf),
  constraint retention_records_keep_days_check check (keep_days between 1 and 36500),
  constraint retention_records_hash_check check (pg_catalog.octet_length(checkpoint_root) = 32
    and pg_catalog.octet_length(chain_hash) = 32),
  constraint retention_records_key_id_check check (key_id ~ '^[0-9a-f]{8}$'),
  constraint retention_records_note_check check (pg_catalog.octet_length(note) < 4096)
);
--> statement-breakpoint
alter table audit.retention_records enable row level security;
--> statement-breakpoint
alter table audit.retention_records force row level security;
--> statement-breakpoint
create policy tenant_isolation on audit.retention_records as permissive for all to public
  using (chain = (select platform.current_tenant_id()))
  with check (chain = (select platform.current_tenant_id()));
--> statement-breakpoint
revoke all on audit.retention_records from public;
--> statement-breakpoint
grant select on audit.retention_records to skillhub_app;
--> statement-breakpoint
grant select, insert on audit.retention_records to skillhub_system;
--> statement-breakpoint
create trigger retention_records_append_only before update or delete on audit.retention_records
  for each row execute function audit.reject_change();
--> statement-breakpoint
create trigger retention_records_no_truncate before truncate on audit.retention_records
  for each statement execute function audit.reject_change();
--> statement-breakpoint
-- The ledger's row guard: append-only for everyone, except a DELETE of an
-- event that a retention record written by this very transaction covers.
-- Only audit.apply_retention writes such a record (skillhub_system alone
-- may insert one), so it is the one way through; a plain DELETE, by the
-- owner too, is still refused. A superuser can still bypass triggers: the
-- verifier reports an event gone outside a signed record as tampering.
create function audit.guard_ledger_row() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'DELETE' and exists (
       select from audit.retention_records r
       join audit.seals s on s.chain = r.chain and s.position > r.start_leaf and s.position <= r.end_leaf
       where r.txid = pg_catalog.pg_current_xact_id() and r.chain = old.tenant_id and s.event_id = old.id) then
    return old;
  end if;
  raise exception '% is append-only: % is not allowed', tg_table_schema || '.' || tg_table_name, tg_op
    using errcode = 'insufficient_privilege',
          hint = 'Audit records are never changed; expired ones leave only through retention (skillhub retention run).';
end
$$;
--> statement-breakpoint
alter function audit.guard_ledger_row() owner to skillhub_system;
--> statement-breakpoint
drop trigger audit_logs_append_only on public.audit_logs;
--> statement-breakpoint
create trigger audit_logs_append_only before update or delete on public.audit_logs
  for each row execute function audit.guard_ledger_row();
--> statement-breakpoint
grant delete on public.audit_logs to skillhub_system;
--> statement-breakpoint
-- The plan reads the workspace's policy as skillhub_system.
grant select on public.site_settings to skillhub_system;
--> statement-breakpoint
-- What retention may remove now from the verified context's workspace, and
-- why not more. Takes the workspace's retention lock (held until the
-- transaction ends), so the door that follows in the same transaction sees
-- the same state, and a second run waits and then finds nothing left.
--   keep_days: the policy in force (clamped to the deployment's bounds);
--   expired_end: the first leaf whose event is not older than the cutoff;
--   end_leaf: what may go, after the holds, the receivers, the checkpoint;
--   blocked_by: why end_leaf stops short of expired_end (null when it does not);
--   body: the record's signed-note body when start_leaf < end_leaf.
create function audit.retention_plan(origin text, min_days integer, max_days integer default null)
returns table (chain text, keep_days integer, cutoff timestamptz, planned_at timestamptz, start_leaf bigint,
               expired_end bigint, end_leaf bigint, checkpoint_size bigint, checkpoint_root bytea, chain_hash bytea,
               blocked_by text, body text)
language plpgsql security definer set search_path = '' as $$
declare
  policy integer;
  sealed bigint;
  limit_leaf bigint;
  hold record;
  sink record;
begin
  chain := platform.current_tenant_id();
  if chain is null then
    raise exception 'retention runs inside a workspace''s verified context, and this transaction has none'
      using errcode = 'insufficient_privilege';
  end if;
  if min_days is null or min_days < 1 or (max_days is not null and max_days < min_days) then
    raise exception 'the deployment''s retention bounds are not valid (minimum %, maximum %)', min_days, max_days
      using errcode = 'invalid_parameter_value';
  end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skillhub.retention'), pg_catalog.hashtext(chain));
  planned_at := pg_catalog.now();
  select s.audit_retention_days into policy from public.site_settings s where s.tenant_id = chain;
  start_leaf := coalesce((select pg_catalog.max(r.end_leaf) from audit.retention_records r
                          where r.chain = retention_plan.chain), 0);
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
  sealed := coalesce((select pg_catalog.max(s.position) from audit.seals s where s.chain = retention_plan.chain), 0);
  -- The first leaf that must stay: the earliest-sealed event not older than the cutoff.
  expired_end := coalesce((select pg_catalog.min(s.position) - 1 from public.audit_logs l
                           join audit.seals s on s.event_id = l.id
                           where l.tenant_id = retention_plan.chain and l.created_at >= cutoff), sealed);
  end_leaf := greatest(expired_end, start_leaf);
  select h.id into hold from audit.legal_holds h
   where h.chain = retention_plan.chain and h.released_at is null and h.subject is null
   order by h.placed_at limit 1;
  if hold.id is not null and end_leaf > start_leaf then
    end_leaf := start_leaf;
    blocked_by := pg_catalog.format('legal hold %s on the workspace', hold.id);
  end if;
  for hold in select h.id, h.subject from audit.legal_holds h
              where h.chain = retention_plan.chain and h.released_at is null and h.subject is not null loop
    exit when end_leaf <= start_leaf;
    limit_leaf := (select pg_catalog.min(s.position) - 1 from audit.seals s
                   join public.audit_logs l on l.id = s.event_id
                   where s.chain = retention_plan.chain and s.position > start_leaf and s.position <= end_leaf
                     and audit.event_concerns(l, hold.subject));
    if limit_leaf is not null and limit_leaf < end_leaf then
      end_leaf := limit_leaf;
      blocked_by := pg_catalog.format('legal hold %s on subject %s (its first event is leaf %s)', hold.id,
                                      hold.subject, limit_leaf);
    end if;
  end loop;
  -- Never remove what a receiver has not acknowledged: each sink of the
  -- workspace, paused or not, and the deployment sink's cursor for the chain.
  for sink in select k.name, coalesce(c.delivered_through, -1) as through from public.audit_sinks k
              left join public.audit_sink_cursors c on c.tenant_id = k.tenant_id and c.sink_id = k.id
              where k.tenant_id = retention_plan.chain loop
    if sink.through + 1 < end_leaf then
      end_leaf := greatest(sink.through + 1, start_leaf);
      blocked_by := pg_catalog.format('sink "%s" has acknowledged leaves up to %s only', sink.name, sink.through);
    end if;
  end loop;
  if exists (select from platform.deployment_sink) then
    limit_leaf := coalesce((select c.delivered_through from platform.deployment_sink_cursors c
                            where c.chain = retention_plan.chain), -1) + 1;
    if limit_leaf < end_leaf then
      end_leaf := greatest(limit_leaf, start_leaf);
      blocked_by := pg_catalog.format('the deployment sink has acknowledged leaves up to %s only', limit_leaf - 1);
    end if;
  end if;
  select c.tree_size, c.root_hash into checkpoint_size, checkpoint_root from audit.checkpoints c
   where c.chain = retention_plan.chain order by c.tree_size desc limit 1;
  if coalesce(checkpoint_size, 0) < end_leaf then
    end_leaf := greatest(coalesce(checkpoint_size, 0), start_leaf);
    blocked_by := pg_catalog.format('no signed checkpoint covers past leaf %s yet', coalesce(checkpoint_size, 0));
  end if;
  if end_leaf > start_leaf then
    select s.chain_hash into chain_hash from audit.seals s
     where s.chain = retention_plan.chain and s.position = end_leaf;
    body := pg_catalog.concat_ws(pg_catalog.chr(10),
      origin,
      pg_catalog.format('retention %s %s', start_leaf, end_leaf),
      'removed-at ' || pg_catalog.to_char(planned_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
      pg_catalog.format('policy %s days', keep_days),
      'cutoff ' || pg_catalog.to_char(cutoff at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
      pg_catalog.format('checkpoint %s %s', checkpoint_size, pg_catalog.encode(checkpoint_root, 'base64')),
      'chain-hash ' || pg_catalog.encode(chain_hash, 'base64')) || pg_catalog.chr(10);
  end if;
  return next;
end
$$;
--> statement-breakpoint
alter function audit.retention_plan(text, integer, integer) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.retention_plan(text, integer, integer) from public;
--> statement-breakpoint
grant execute on function audit.retention_plan(text, integer, integer) to skillhub_app;
--> statement-breakpoint
-- The one door through which audit events leave. Given the signed note of
-- the plan's body (the server signs it; the key never reaches the
-- database), it plans again under the same lock, refuses a note whose body
-- is not exactly the plan's (another range, policy, checkpoint or chain
-- hash; an origin that is not the checkpoint's), then writes the record,
-- deletes the range's events and records `audit.retention_applied`, all in
-- the caller's transaction. Returns how many events it removed.
create function audit.apply_retention(note text, min_days integer, max_days integer default null) returns bigint
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
  select pg_catalog.count(*) into removed from audit.seals s join public.audit_logs l on l.id = s.event_id
   where s.chain = plan.chain and s.position > plan.start_leaf and s.position <= plan.end_leaf;
  insert into audit.retention_records (chain, start_leaf, end_leaf, removed_at, keep_days, cutoff, checkpoint_size,
    checkpoint_root, chain_hash, key_id, note, events_removed)
  values (plan.chain, plan.start_leaf, plan.end_leaf, plan.planned_at, plan.keep_days, plan.cutoff,
    plan.checkpoint_size, plan.checkpoint_root, plan.chain_hash,
    pg_catalog.encode(pg_catalog.substr(signed_by, 1, 4), 'hex'), note, removed);
  with gone as (
    delete from public.audit_logs l using audit.seals s
     where s.chain = plan.chain and s.position > plan.start_leaf and s.position <= plan.end_leaf
       and l.id = s.event_id and l.tenant_id = plan.chain
    returning 1)
  select pg_catalog.count(*) into removed from gone;
  perform audit.record_event('audit.retention_applied', 'audit_chain', plan.chain, pg_catalog.jsonb_build_object(
    'startLeaf', plan.start_leaf, 'endLeaf', plan.end_leaf, 'eventsRemoved', removed, 'keepDays', plan.keep_days,
    'cutoff', plan.cutoff, 'checkpointSize', plan.checkpoint_size, 'blockedBy', plan.blocked_by));
  return removed;
end
$$;
--> statement-breakpoint
alter function audit.apply_retention(text, integer, integer) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.apply_retention(text, integer, integer) from public;
--> statement-breakpoint
grant execute on function audit.apply_retention(text, integer, integer) to skillhub_app;
--> statement-breakpoint
alter function audit.place_legal_hold(text, text) owner to skillhub_system;
--> statement-breakpoint
alter function audit.release_legal_hold(uuid, text) owner to skillhub_system;
--> statement-breakpoint
alter function audit.assert_may_hold() owner to skillhub_system;
--> statement-breakpoint
alter function audit.subject_on_hold(text, text) owner to skillhub_system;
--> statement-breakpoint
alter function audit.assert_subject_not_on_hold(text, text) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.place_legal_hold(text, text), audit.release_legal_hold(uuid, text),
  audit.assert_may_hold(), audit.subject_on_hold(text, text), audit.assert_subject_not_on_hold(text, text) from public;
--> statement-breakpoint
grant execute on function audit.place_legal_hold(text, text), audit.release_legal_hold(uuid, text)
  to skillhub_app;
--> statement-breakpoint
-- The erasure door runs as skillhub_system: it may ask. The runtime role
-- asks only about its own workspace, through the doors above.
grant execute on function audit.subject_on_hold(text, text), audit.assert_subject_not_on_hold(text, text)
  to skillhub_system;
--> statement-breakpoint
-- The workspaces the server's maintenance loop applies retention to: the
-- active ones that set a policy. Ids only (the runtime role may not list
-- workspaces since 0029; this names only those with work to do, no content).
create function audit.tenants_with_retention() returns setof text
language sql stable security definer set search_path = '' as $$
  select s.tenant_id from public.site_settings s join public.tenants t on t.id = s.tenant_id
  where s.audit_retention_days is not null and t.is_active
  order by 1
$$;
--> statement-breakpoint
alter function audit.tenants_with_retention() owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.tenants_with_retention() from public;
--> statement-breakpoint
grant execute on function audit.tenants_with_retention() to skillhub_app;
