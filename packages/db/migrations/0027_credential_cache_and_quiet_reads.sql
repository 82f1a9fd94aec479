-- The request path without a write on a read, and credentials a server may
-- keep in memory.
--
-- 1. Every change that can end or narrow a credential announces itself on
--    the channel `skillhub_credentials` (payload: the tenant id), from
--    row triggers on api_keys, user_sessions, users and tenants. NOTIFY is
--    delivered at commit and only then, so a server that caches resolved
--    API keys and sessions drops a tenant's entries as soon as the change
--    that ended one is visible, whichever process or path made it
--    (revocation, deactivation of a user or workspace, a role, password or
--    MFA change, a session ended). Triggers rather than calls in each
--    function: a use case that updates a row directly is covered too.
-- 2. Resolving a credential writes nothing: resolve_api_key no longer
--    touches last_used_at, and resolve_session takes the last activity the
--    asking server has seen but not yet written, so an idle timeout is
--    judged on it. Servers write both behind, in batches, through
--    platform.record_credential_use.
-- 3. enable_tracking takes columns to ignore: an update that changes only
--    those records nothing, and they never appear in changed_fields (they
--    stay in the old and new records). api_keys ignores last_used_at.

create function platform.announce_credential_change() returns trigger
language plpgsql set search_path = '' as $$
begin
  perform pg_catalog.set_config('app.credentials_changed', 'on', true);
  if tg_table_name = 'tenants' then
    perform pg_catalog.pg_notify('skillhub_credentials', coalesce(new.id, old.id));
  else
    perform pg_catalog.pg_notify('skillhub_credentials', coalesce(new.tenant_id, old.tenant_id));
  end if;
  return null;
end
$$;
--> statement-breakpoint
revoke all on function platform.announce_credential_change() from public;
--> statement-breakpoint
-- Only the columns a resolved credential depends on: the write-behind of
-- last_used_at and last_activity_at must not flush every cache each time.
create trigger credential_change_update after update on api_keys for each row
  when (old.revoked_at is distinct from new.revoked_at or old.scopes is distinct from new.scopes
        or old.key_hash is distinct from new.key_hash or old.created_by is distinct from new.created_by)
  execute function platform.announce_credential_change();
--> statement-breakpoint
create trigger credential_change_delete after delete on api_keys for each row
  execute function platform.announce_credential_change();
--> statement-breakpoint
create trigger credential_change_update after update on user_sessions for each row
  when (old.terminated_at is distinct from new.terminated_at or old.mfa_pending is distinct from new.mfa_pending
        or old.expires_at is distinct from new.expires_at or old.idle_timeout is distinct from new.idle_timeout
        or old.token_hash is distinct from new.token_hash or old.user_id is distinct from new.user_id)
  execute function platform.announce_credential_change();
--> statement-breakpoint
create trigger credential_change_delete after delete on user_sessions for each row
  execute function platform.announce_credential_change();
--> statement-breakpoint
create trigger credential_change_update after update on users for each row
  when (old.role is distinct from new.role or old.is_active is distinct from new.is_active
        or old.password_hash is distinct from new.password_hash or old.mfa_enabled is distinct from new.mfa_enabled
        or old.mfa_secret is distinct from new.mfa_secret)
  execute function platform.announce_credential_change();
--> statement-breakpoint
create trigger credential_change_delete after delete on users for each row
  execute function platform.announce_credential_change();
--> statement-breakpoint
create trigger credential_change_update after update on tenants for each row
  when (old.is_active is distinct from new.is_active or old.slug is distinct from new.slug)
  execute function platform.announce_credential_change();
--> statement-breakpoint
create trigger credential_change_delete after delete on tenants for each row
  execute function platform.announce_credential_change();
--> statement-breakpoint
-- resolve_api_key of 0010 without its write: last_used_at is written behind.
create or replace function platform.resolve_api_key(key_hash text)
returns table (tenant_id text, tenant_slug text, key_id uuid, scopes text[], created_by uuid, tenant_active boolean)
language plpgsql stable security definer set search_path = '' as $$
begin
  return query select k.tenant_id, t.slug, k.id, k.scopes, k.created_by, t.is_active
    from public.api_keys k join public.tenants t on t.id = k.tenant_id
    where k.key_hash = resolve_api_key.key_hash and k.revoked_at is null;
end
$$;
--> statement-breakpoint
-- resolve_session of 0023, judging the idle timeout on the later of the
-- stored activity and `seen_at` (the asking server's activity not yet
-- written; never later than now), and returning what a cache needs to end
-- the session on time by itself.
drop function platform.resolve_session(text);
--> statement-breakpoint
create function platform.resolve_session(token_hash text, seen_at timestamptz default null)
returns table (tenant_id text, tenant_slug text, session_id uuid, user_id uuid, role text, mfa_pending boolean,
  tenant_active boolean, user_active boolean, last_ip inet, last_activity_at timestamptz, idle_timeout interval,
  expires_at timestamptz)
language plpgsql security definer set search_path = '' as $$
declare
  s public.user_sessions;
  active_at timestamptz;
  why text;
begin
  select * into s from public.user_sessions u where u.token_hash = resolve_session.token_hash and u.terminated_at is null;
  if not found then
    return;
  end if;
  active_at := greatest(s.last_activity_at, least(coalesce(seen_at, s.last_activity_at), pg_catalog.now()));
  why := case when s.expires_at <= pg_catalog.now() then 'expired'
              when active_at + s.idle_timeout <= pg_catalog.now() then 'idle_timeout' end;
  if why is not null then
    update public.user_sessions u set terminated_at = pg_catalog.now(), termination_reason = why
    where u.tenant_id = s.tenant_id and u.id = s.id;
    perform platform.write_security_event(s.tenant_id, 'session_terminated', 'info', s.user_id, null, null, s.id,
      pg_catalog.jsonb_build_object('reason', why));
    return;
  end if;
  return query select s.tenant_id, t.slug, s.id, s.user_id, u.role, s.mfa_pending, t.is_active, u.is_active,
      s.last_ip, active_at, s.idle_timeout, s.expires_at
    from public.users u join public.tenants t on t.id = u.tenant_id
    where u.tenant_id = s.tenant_id and u.id = s.user_id;
end
$$;
--> statement-breakpoint
alter function platform.resolve_session(text, timestamptz) owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.resolve_session(text, timestamptz) from public;
--> statement-breakpoint
grant execute on function platform.resolve_session(text, timestamptz) to skillhub_app;
--> statement-breakpoint
-- The write-behind of credential use: the last activity of sessions and
-- the last use of API keys, named by their token hashes (a caller must know
-- the credential to touch it). Times only move forward and never past now;
-- an ended session or a revoked key is left as it is. Nothing is recorded:
-- api_keys ignores last_used_at in change capture, and user_sessions is
-- not tracked.
create function platform.record_credential_use(session_hashes text[], session_seen timestamptz[],
  key_hashes text[], key_used timestamptz[]) returns void
language plpgsql security definer set search_path = '' as $$
begin
  update public.user_sessions u set last_activity_at = least(s.seen, pg_catalog.now())
  from rows from (pg_catalog.unnest(session_hashes), pg_catalog.unnest(session_seen)) s(token_hash, seen)
  where u.token_hash = s.token_hash and s.seen is not null and u.terminated_at is null
    and u.last_activity_at < least(s.seen, pg_catalog.now());
  update public.api_keys a set last_used_at = least(k.used, pg_catalog.now())
  from rows from (pg_catalog.unnest(key_hashes), pg_catalog.unnest(key_used)) k(key_hash, used)
  where a.key_hash = k.key_hash and k.used is not null and a.revoked_at is null
    and (a.last_used_at is null or a.last_used_at < least(k.used, pg_catalog.now()));
end
$$;
--> statement-breakpoint
alter function platform.record_credential_use(text[], timestamptz[], text[], timestamptz[]) owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.record_credential_use(text[], timestamptz[], text[], timestamptz[]) from public;
--> statement-breakpoint
grant execute on function platform.record_credential_use(text[], timestamptz[], text[], timestamptz[]) to skillhub_app;
--> statement-breakpoint
alter table audit.tracked_tables add column ignored text[] not null default '{}';
--> statement-breakpoint
-- capture_function_sql of 0022 with columns to ignore: they are left out of
-- changed_fields, and where any are ignored an update row whose other
-- columns are all unchanged records nothing. Tables that ignore nothing get
-- the same function as before, so their capture costs what it did.
drop function audit.capture_function_sql(regclass, text, text[], text[]);
--> statement-breakpoint
create function audit.capture_function_sql(target regclass, fn text, pk text[], redact text[], ignored text[])
returns text
language plpgsql stable set search_path = '' as $$
declare
  rel_name text;
  has_tenant boolean;
  id_cols text[];
  changed text;
  pairing text;
  body text;
  columns text := 'tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address, '
    'request_id, operation, table_name, old_record, new_record, changed_fields';
begin
  select c.relname into rel_name from pg_catalog.pg_class c where c.oid = target;
  has_tenant := exists (select from pg_catalog.pg_attribute a
                        where a.attrelid = target and a.attname = 'tenant_id' and a.attnum > 0 and not a.attisdropped);
  id_cols := coalesce(nullif(pg_catalog.array_remove(pk, 'tenant_id'), '{}'), pk);
  id_cols := array(select c from pg_catalog.unnest(id_cols) c where c <> all (redact));
  select pg_catalog.string_agg(pg_catalog.format(
           case when exists (select from pg_catalog.pg_opclass oc join pg_catalog.pg_am am on am.oid = oc.opcmethod
                             where am.amname = 'btree' and oc.opcdefault and oc.opcintype = e.elem)
                then 'case when o.%1$I is distinct from n.%1$I then %1$L end'
                else 'case when o.%1$I::text is distinct from n.%1$I::text then %1$L end' end,
           a.attname), ', ' order by a.attname)
    into changed
  from pg_catalog.pg_attribute a
  join pg_catalog.pg_type t on t.oid = a.atttypid
  cross join lateral (select case when t.typcategory = 'A' then t.typelem else t.oid end as elem) e
  where a.attrelid = target and a.attnum > 0 and not a.attisdropped and a.attname::text <> all (ignored);
  select pg_catalog.string_agg(pg_catalog.format('o.%1$I = n.%1$I', k), ' and ') into pairing
  from pg_catalog.unnest(pk) k;
  body := pg_catalog.format($f$#variable_conflict use_variable
-- Generated by audit.enable_tracking; regenerate it, never edit it.
-- The transaction's verified context (or, outside one, the door's stated
-- caller; never a tenant), read once per statement.
declare
  ctx platform.request_context := platform.attribution();
  ctx_tenant_id text := ctx.tenant_id;
  ctx_actor_type text := coalesce(ctx.actor_type, 'system');
  ctx_actor_id text := ctx.actor_id;
  ctx_ip inet := ctx.ip;
  ctx_request_id text := ctx.request_id;
begin
  if tg_op = 'UPDATE' then
    insert into public.audit_logs (%1$s)
    select %2$s, ctx_actor_type, ctx_actor_id, %3$L, %4$L, %5$s, ctx_ip, ctx_request_id, 'UPDATE', %4$L, %6$s, %7$s,
           pg_catalog.array_remove(array[%8$s]::text[], null)
    from old_rows o full join new_rows n on %9$s%15$s;
  elsif tg_op = 'INSERT' then
    insert into public.audit_logs (%1$s)
    select %10$s, ctx_actor_type, ctx_actor_id, %11$L, %4$L, %12$s, ctx_ip, ctx_request_id, 'INSERT', %4$L, null, %13$s, null
    from new_rows r;
  else
    insert into public.audit_logs (%1$s)
    select %10$s, ctx_actor_type, ctx_actor_id, %14$L, %4$L, %12$s, ctx_ip, ctx_request_id, 'DELETE', %4$L, %13$s, null, null
    from old_rows r;
  end if;
  return null;
end
$f$,
    columns,
    case when has_tenant then 'coalesce(n.tenant_id, o.tenant_id)::text' else 'ctx_tenant_id' end,
    rel_name || '.update', rel_name,
    pg_catalog.format('case when n.%I is null then %s else %s end', pk[1],
                      audit.resource_id_sql('o', id_cols), audit.resource_id_sql('n', id_cols)),
    audit.record_sql('o', redact), audit.record_sql('n', redact), changed, pairing,
    case when has_tenant then 'r.tenant_id::text' else 'ctx_tenant_id' end,
    rel_name || '.insert', audit.resource_id_sql('r', id_cols), audit.record_sql('r', redact),
    rel_name || '.delete',
    case when pg_catalog.cardinality(ignored) > 0
         then pg_catalog.format(E'\n    where pg_catalog.cardinality(pg_catalog.array_remove(array[%s]::text[], null)) > 0',
                                changed)
         else '' end);
  return pg_catalog.format(
    'create or replace function audit.%I() returns trigger language plpgsql security definer '
    'set search_path = '''' set work_mem = ''64MB'' set enable_mergejoin = off as %L', fn, body);
end
$$;
--> statement-breakpoint
-- enable_tracking of 0022 with `ignored`: like `redact`, kept from the last
-- call when not given, so regeneration (refresh_tracking) keeps both.
drop function audit.enable_tracking(regclass, text[]);
--> statement-breakpoint
create function audit.enable_tracking(target regclass, redact text[] default null, ignored text[] default null)
returns void
language plpgsql set search_path = '' as $$
declare
  pk text[];
  fn text := 'capture_' || target::oid;
begin
  select array_agg(a.attname::text order by k.ord) into pk
  from pg_catalog.pg_index i
  cross join lateral pg_catalog.unnest(i.indkey) with ordinality as k(attnum, ord)
  join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
  where i.indrelid = target and i.indisprimary;
  if pk is null then
    raise exception 'cannot track %: it has no primary key', target
      using hint = 'Change capture pairs old and new rows by primary key; add one first.';
  end if;
  if redact is null then
    select t.redact into redact from audit.tracked_tables t where t.relid = target;
  end if;
  if redact is null then
    select coalesce(array_agg(a.attname::text order by a.attnum), '{}') into redact
    from pg_catalog.pg_attribute a
    where a.attrelid = target and a.attnum > 0 and not a.attisdropped
      and a.attname ~ '(password|secret|token|key_hash|recovery_code)';
  end if;
  if ignored is null then
    select t.ignored into ignored from audit.tracked_tables t where t.relid = target;
  end if;
  ignored := coalesce(ignored, '{}');
  if exists (select from pg_catalog.unnest(ignored) c
             where not exists (select from pg_catalog.pg_attribute a
                               where a.attrelid = target and a.attname = c and a.attnum > 0 and not a.attisdropped)) then
    raise exception 'cannot ignore columns % of %: not all of them exist', ignored, target
      using errcode = 'undefined_column';
  end if;
  execute audit.capture_function_sql(target, fn, pk, redact, ignored);
  execute pg_catalog.format('alter function audit.%I() owner to skillhub_system', fn);
  execute pg_catalog.format('revoke all on function audit.%I() from public', fn);
  execute pg_catalog.format('comment on function audit.%I() is %L', fn,
                            'Change capture of ' || target::text || ', generated by audit.enable_tracking.');
  execute pg_catalog.format('create or replace trigger audit_capture_insert after insert on %s
    referencing new table as new_rows for each statement execute function audit.%I()', target, fn);
  execute pg_catalog.format('create or replace trigger audit_capture_update after update on %s
    referencing old table as old_rows new table as new_rows for each statement execute function audit.%I()', target, fn);
  execute pg_catalog.format('create or replace trigger audit_capture_delete after delete on %s
    referencing old table as old_rows for each statement execute function audit.%I()', target, fn);
  execute pg_catalog.format('create or replace trigger audit_capture_truncate after truncate on %s
    for each statement execute function audit.capture_truncate()', target);
  insert into audit.tracked_tables as t (relid, function_name, columns, redact, ignored)
  values (target, fn, audit.column_signature(target), redact, ignored)
  on conflict (relid) do update
    set function_name = excluded.function_name, columns = excluded.columns, redact = excluded.redact,
        ignored = excluded.ignored;
end
$$;
--> statement-breakpoint
revoke all on function audit.enable_tracking(regclass, text[], text[]) from public;
--> statement-breakpoint
select audit.enable_tracking('api_keys'::regclass, ignored => array['last_used_at']);
