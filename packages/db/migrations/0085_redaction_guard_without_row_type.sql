-- The security events' update guard (0047) compares the old and new row itself instead of passing both to
-- audit.redacts_security_event(public.security_events, public.security_events). On a Citus worker the
-- trigger fires on a shard, whose rows are of the shard's own type, and no function takes that: erasing a
-- subject failed there ("function audit.redacts_security_event(public.security_events_history_102066,
-- public.security_events_history_102066) does not exist"). Fields read by name work on any of the
-- table's relations. The same redaction allowed, nothing else; the function had no other caller.
create or replace function audit.reject_all_but_redaction() returns trigger
language plpgsql set search_path = '' as $$
begin
  if current_user = 'skillhub_system'
     and new.email is null and new.ip_address is null and new.details ->> 'erased' = 'true'
     and (new.id, new.tenant_id, new.event_type, new.severity, new.user_id, new.session_id, new.created_at)
         is not distinct from (old.id, old.tenant_id, old.event_type, old.severity, old.user_id, old.session_id, old.created_at)
  then
    return new;
  end if;
  raise exception '% is append-only: % is not allowed', tg_table_schema || '.' || tg_table_name, tg_op
    using errcode = 'insufficient_privilege',
          hint = 'Security events are never changed; only erasing a subject (audit.erase_subject) redacts them.';
end
$$;
--> statement-breakpoint
drop function audit.redacts_security_event(public.security_events, public.security_events);
