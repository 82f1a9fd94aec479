-- Three holes in retention (0048, 0052) closed, each found by an attack
-- test in packages/db/test/audit-retention.test.ts.
--
-- 1. The per-workspace door answered any context of the workspace. Its
--    plan takes the deployment's minimum retention from its caller, and the
--    database cannot check the note's Ed25519 signature (the key never
--    reaches it), so SQL injected into any member's request could plan with
--    a minimum of one day, sign with 68 bytes of anything and remove events
--    the deployment's bounds keep (the verifier then reports the forged
--    record, but the events are gone). The plan, and so the door, which
--    plans again first, now answer only a system actor's context: the
--    server's retention loop and the operator's CLI, whose bounds come from
--    the deployment's configuration. Requests act as users or API keys.
-- 2. The policy column (site_settings.audit_retention_days) was plain
--    tenant data: a member's request, or an API key's, could shorten it
--    through SQL. A change of it now needs an owner's or an admin's context,
--    or a system actor's, as the API's route does; the deployment's bounds
--    stay the server's (the plan clamps to them).
-- 3. A legal hold on a person stopped retention only at events naming them
--    in clear. Since 0046 an address, and often the only link to a person,
--    lives in the event's envelope, so a hold on an address let that
--    person's events go. audit.event_concerns now also asks the envelope:
--    the subjects it is sealed for (user:<id>, or email:<HMAC> of the
--    address), and the metadata's user_id the envelope trigger reads.
-- 4. Erasure (0047) let an API key's context through: its check
--    `actor_role in ('owner', 'admin') or actor_type = 'system'` is null,
--    not false, for a context without a role, and `if not null` does not
--    raise. So SQL injected into a request made with any API key could erase
--    a deactivated member or read a dry run's report. 0049's wrapper, the
--    door the runtime role calls, now checks the caller first, null-safe;
--    the body behind it is callable by its owner only.
-- 5. A hold and an erasure did not wait for each other: an erasure that
--    started while the transaction placing a hold on the person was still
--    open saw no hold and destroyed the keys, and the hold committed over
--    data already gone. Placing a hold now takes the workspace's retention
--    lock (the one the retention plans take), and so does erasure before it
--    asks about holds: whichever comes second waits for the first to end,
--    then sees it.

create or replace function audit.retention_plan(origin text, min_days integer, max_days integer default null)
returns table (chain text, keep_days integer, cutoff timestamptz, planned_at timestamptz, start_leaf bigint,
               expired_end bigint, end_leaf bigint, checkpoint_size bigint, checkpoint_root bytea, chain_hash bytea,
               blocked_by text, body text)
language plpgsql security definer set search_path = '' as $$
declare
  ctx platform.request_context := platform.verified_context();
begin
  if ctx.tenant_id is null then
    raise exception 'retention runs inside a workspace''s verified context, and this transaction has none'
      using errcode = 'insufficient_privilege';
  end if;
  if ctx.actor_type is distinct from 'system' then
    raise exception 'only the server''s retention run or the operator applies a workspace''s retention'
      using errcode = 'insufficient_privilege',
            hint = 'Set the policy (PUT /audit/retention/policy); retention runs in the server''s hourly loop and in `skillhub retention run`.';
  end if;
  return query select * from audit.chain_retention_plan(ctx.tenant_id, origin, min_days, max_days);
end
$$;
--> statement-breakpoint
-- The policy column's guard. Without a verified context (the owner's
-- connection: migrations, the operator) there is no request to refuse; the
-- runtime role reaches no row without one.
create function audit.guard_retention_policy() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  ctx platform.request_context := platform.verified_context();
begin
  if (tg_op = 'INSERT' and new.audit_retention_days is null)
     or (tg_op = 'UPDATE' and new.audit_retention_days is not distinct from old.audit_retention_days)
     or ctx.issued_at is null or ctx.actor_type = 'system'
     or coalesce(ctx.actor_role, '') in ('owner', 'admin') then
    return new;
  end if;
  raise exception 'only a workspace owner or admin changes how long its audit events are kept'
    using errcode = 'insufficient_privilege', hint = 'PUT /audit/retention/policy, as an owner or admin.';
end
$$;
--> statement-breakpoint
alter function audit.guard_retention_policy() owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.guard_retention_policy() from public;
--> statement-breakpoint
create trigger site_settings_retention_policy_guard before insert or update of audit_retention_days
  on public.site_settings for each row execute function audit.guard_retention_policy();
--> statement-breakpoint
create or replace function audit.event_concerns(e public.audit_logs, subject text) returns boolean
language sql stable set search_path = '' as $$
  select e.actor_id = subject or e.resource_id = subject
      or pg_catalog.lower(e.metadata ->> 'email') = subject or e.metadata ->> 'userId' = subject
      or e.metadata ->> 'user_id' = subject
      or pg_catalog.lower(e.new_record ->> 'email') = subject or pg_catalog.lower(e.old_record ->> 'email') = subject
      or (e.table_name = 'users' and (e.new_record ->> 'id' = subject or e.old_record ->> 'id' = subject))
      or e.new_record ->> 'user_id' = subject or e.old_record ->> 'user_id' = subject
      or e.personal operator(pg_catalog.?) ('user:' || subject)
      or (pg_catalog.strpos(subject, '@') > 1
          and e.personal operator(pg_catalog.?) audit.subject_of('email', subject))
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
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skillhub.retention'), pg_catalog.hashtext(tenant));
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
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('skillhub.retention'), pg_catalog.hashtext(ctx.tenant_id));
  insert into audit.legal_holds (chain, subject, reason, placed_by)
  values (ctx.tenant_id, pg_catalog.lower(pg_catalog.btrim(subject)), pg_catalog.btrim(reason),
          ctx.actor_type || ':' || coalesce(ctx.actor_id, ''))
  returning id into created;
  perform audit.record_event('legal_hold.placed', 'legal_hold', created::text,
    pg_catalog.jsonb_build_object('subject', pg_catalog.lower(pg_catalog.btrim(subject)), 'reason', pg_catalog.btrim(reason)));
  return created;
end
$$;
