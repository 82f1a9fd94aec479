-- Erasing a data subject (crypto-shredding, after 0046).
--
-- audit.erase_subject destroys the keys of one person in the caller's
-- workspace, so every envelope sealed under them becomes unreadable while
-- the chain, the tree and every proof still verify (they commit to the
-- ciphertext, which stays). It records `subject.erased` in the workspace's
-- ledger with the subject id (an HMAC for an email, never the address)
-- and counts, never the erased values. A dry run reports what would become
-- unreadable and changes nothing.
--
-- The rest of the person's data, outside the ledger, in the same
-- transaction:
--   users          a member still active is refused (deactivate first: the
--                  workspace decides to let a person go, erasure does not
--                  lock anyone out by surprise); a deactivated member's row
--                  stays (skills, ratings and reviews point at it) with its
--                  email and name replaced and its credentials cleared. The
--                  change is captured like any other, its old values sealed
--                  under the key destroyed right after.
--   user_sessions  deleted (IP addresses, user agents, devices, locations).
--   invitations    the address replaced.
--   security_events the projection the login throttle reads by email and
--                  IP, not hash-chained: redacted in place through this door
--                  (email and IP set to null, personal detail keys removed,
--                  `erased: true` added). Encrypting it would take the
--                  throttle's index lookups by email and IP with it; the
--                  ledger's copy of each security event is the one that
--                  must stay provable, and it is encrypted. The append-only
--                  trigger becomes two: DELETE is still refused to everyone;
--                  UPDATE is refused unless it is exactly that redaction and
--                  runs as skillhub_system (this door).
--   security_event_tallies  the counters keyed by the address, deleted.
-- Not reached: events written before 0046 hold their personal values in
-- clear and cannot change without breaking the chain (the dry run counts
-- them), the system chain's events (failed sign-ins to no workspace), and
-- pending sign-up requests, which expire.
create function audit.redacts_security_event(o public.security_events, n public.security_events) returns boolean
language sql immutable set search_path = '' as $$
  select n.email is null and n.ip_address is null and n.details ->> 'erased' = 'true'
     and (n.id, n.tenant_id, n.event_type, n.severity, n.user_id, n.session_id, n.created_at)
         is not distinct from (o.id, o.tenant_id, o.event_type, o.severity, o.user_id, o.session_id, o.created_at)
$$;
--> statement-breakpoint
create function audit.reject_all_but_redaction() returns trigger
language plpgsql set search_path = '' as $$
begin
  if current_user = 'skillhub_system' and audit.redacts_security_event(old, new) then
    return new;
  end if;
  raise exception '% is append-only: % is not allowed', tg_table_schema || '.' || tg_table_name, tg_op
    using errcode = 'insufficient_privilege',
          hint = 'Security events are never changed; only erasing a subject (audit.erase_subject) redacts them.';
end
$$;
--> statement-breakpoint
revoke all on function audit.reject_all_but_redaction() from public;
--> statement-breakpoint
drop trigger security_events_append_only on security_events;
--> statement-breakpoint
create trigger security_events_append_only before delete on security_events
  for each row execute function audit.reject_change();
--> statement-breakpoint
create trigger security_events_redaction_only before update on security_events
  for each row execute function audit.reject_all_but_redaction();
--> statement-breakpoint
grant update (email, ip_address, details) on security_events to skillhub_system;
--> statement-breakpoint
grant update (email, display_name, password_hash, mfa_enabled, mfa_secret, mfa_last_used_step) on users
  to skillhub_system;
--> statement-breakpoint
grant select, update (email) on invitations to skillhub_system;
--> statement-breakpoint
grant delete on user_sessions to skillhub_system;
--> statement-breakpoint
grant delete on security_event_tallies to skillhub_system;
--> statement-breakpoint
-- What erasing a subject reaches in the caller's workspace, and (unless
-- dry_run) erases it. `kind` is 'user' (value: a user id) or 'email' (an
-- address; one that belongs to a member is erased as that member, with
-- both the account's subject and its address's). Errors: no tenant
-- context or not an owner or admin (insufficient_privilege), not a subject
-- (invalid_parameter_value), nothing of this subject here
-- (no_data_found), an active member (object_in_use).
create function audit.erase_subject(kind text, value text, dry_run boolean default true) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  ctx platform.request_context := platform.verified_context();
  tenant text := ctx.tenant_id;
  named text := audit.subject_of(kind, value);
  account public.users;
  subject text;
  subjects text[];
  emails text[] := '{}';
  events bigint;
  fields jsonb;
  in_clear bigint;
  security_rows bigint;
  sessions bigint;
  keys bigint;
  report jsonb;
begin
  if tenant is null then
    raise exception 'erasing a subject needs a workspace context' using errcode = 'insufficient_privilege';
  end if;
  if not (ctx.actor_role in ('owner', 'admin') or ctx.actor_type = 'system') then
    raise exception 'erasing a subject takes a workspace owner or admin' using errcode = 'insufficient_privilege';
  end if;
  if named is null then
    raise exception 'not a subject: a subject is a user id or an email address' using errcode = 'invalid_parameter_value';
  end if;
  if kind = 'user' then
    select * into account from public.users u where u.tenant_id = tenant and u.id = pg_catalog.lower(value)::uuid;
  else
    select * into account from public.users u where u.tenant_id = tenant and u.email = pg_catalog.lower(pg_catalog.btrim(value));
    emails := array[pg_catalog.lower(pg_catalog.btrim(value))];
  end if;
  if account.id is not null then
    subject := 'user:' || account.id::text;
    subjects := array[subject, audit.subject_of('email', account.email)];
    emails := array[account.email];
  else
    subject := named;
    subjects := array[named];
  end if;
  select pg_catalog.count(*) into events
  from public.audit_logs l where l.tenant_id = tenant and l.personal ?| subjects;
  select coalesce(pg_catalog.jsonb_agg(distinct f.path order by f.path), '[]') into fields
  from public.audit_logs l
  cross join lateral pg_catalog.jsonb_each(l.personal) e
  cross join lateral (select pg_catalog.array_to_string(array(select pg_catalog.jsonb_array_elements_text(p)), '.') as path
                      from pg_catalog.jsonb_array_elements(e.value -> 'fields') p) f
  where l.tenant_id = tenant and l.personal ?| subjects and e.key = any (subjects);
  select pg_catalog.count(*) into in_clear
  from public.audit_logs l
  where l.tenant_id = tenant and l.personal is null
    and ((account.id is not null and (l.actor_id = account.id::text or l.resource_id = account.id::text))
         or l.old_record ->> 'email' = any (emails) or l.new_record ->> 'email' = any (emails)
         or l.metadata ->> 'email' = any (emails));
  select pg_catalog.count(*) into security_rows
  from public.security_events s
  where s.tenant_id = tenant and (s.user_id = account.id or s.email = any (emails))
    and not coalesce(s.details ->> 'erased' = 'true', false);
  select pg_catalog.count(*) into sessions
  from public.user_sessions s where s.tenant_id = tenant and s.user_id = account.id;
  select pg_catalog.count(*) into keys
  from audit.subject_keys k where k.tenant_id = tenant and k.subject = any (subjects);
  if account.id is null and keys = 0 and security_rows = 0 and in_clear = 0 then
    raise exception 'no personal data of this subject in this workspace' using errcode = 'no_data_found';
  end if;
  report := pg_catalog.jsonb_build_object(
    'subject', subject, 'subjects', subjects, 'dryRun', dry_run,
    'account', case when account.id is null then 'none' when account.is_active then 'active' else 'deactivated' end,
    'events', events, 'fields', fields, 'eventsInClear', in_clear, 'securityEvents', security_rows,
    'sessions', sessions, 'keys', keys);
  if dry_run then
    return report;
  end if;
  if account.is_active then
    raise exception 'this person is still an active member of the workspace'
      using errcode = 'object_in_use', hint = 'Deactivate the member first, then erase.';
  end if;
  if account.id is not null then
    update public.users u
    set email = 'erased+' || u.id::text || '@erased.invalid', display_name = 'Erased user', password_hash = null,
        mfa_enabled = false, mfa_secret = null, mfa_last_used_step = null
    where u.tenant_id = tenant and u.id = account.id;
    delete from public.user_sessions s where s.tenant_id = tenant and s.user_id = account.id;
  end if;
  update public.invitations i set email = 'erased+' || i.id::text || '@erased.invalid'
  where i.tenant_id = tenant and i.email = any (emails);
  update public.security_events s
  set email = null, ip_address = null,
      details = (s.details - array(select p.key from audit.personal_metadata_keys p)) || '{"erased": true}'
  where s.tenant_id = tenant and (s.user_id = account.id or s.email = any (emails))
    and not coalesce(s.details ->> 'erased' = 'true', false);
  delete from public.security_event_tallies t where t.tenant_id = tenant and t.subject = any (emails);
  -- Last, after the changes above sealed their old values under these keys.
  delete from audit.subject_keys k where k.tenant_id = tenant and k.subject = any (subjects);
  perform audit.record_event('subject.erased', 'subject', subject, report - 'dryRun');
  return report;
end
$$;
--> statement-breakpoint
alter function audit.erase_subject(text, text, boolean) owner to skillhub_system;
--> statement-breakpoint
revoke all on function audit.erase_subject(text, text, boolean) from public;
--> statement-breakpoint
grant execute on function audit.erase_subject(text, text, boolean) to skillhub_app;
