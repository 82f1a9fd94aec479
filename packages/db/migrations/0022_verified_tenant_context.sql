-- A tenant context that SQL cannot switch.
--
-- Until now every policy trusted app.current_tenant_id, a setting that any
-- statement inside the transaction can change (set_config, SET, SET LOCAL,
-- RESET). withTenant now also sets app.context: the tenant, the actor (type,
-- id, workspace role), the request id and IP, when it was issued and a
-- nonce, signed with HMAC-SHA256 under a key that only the server and the
-- owner hold. Policies compare tenant_id with platform.current_tenant_id(),
-- which returns the tenant only when the signature verifies and the context
-- was issued for a transaction that began moments before (see
-- platform.verified_context). The audit trail takes actor, request id and IP
-- from the same verified context, so injected SQL can no more forge an actor
-- than switch a tenant.
--
-- Written before 0018-0021 and numbered after them, so that a database that
-- already applied those applies this one next; it covers what they added
-- (the invitations and security_event_tallies policies, the throttle's
-- device argument, the capture regenerated in place).
--
-- app.current_tenant_id stays, untrusted, as the default of the tenant_id
-- columns (a per-row default cannot afford an HMAC): a default that names
-- another tenant is refused by the policy's WITH CHECK.

-- The signing keys. Owned by skillhub_system and granted to no one, so the
-- runtime role can neither read nor replace them; the owner reads the newest
-- to hand to the server (readContextKey). Rotation: insert a new key, restart
-- the servers (they sign with the newest), then set retired_at on the old one.
create table platform.context_keys (
  id integer generated always as identity,
  secret bytea not null default public.gen_random_bytes(32),
  created_at timestamptz not null default now(),
  retired_at timestamptz,
  constraint context_keys_pkey primary key (id),
  constraint context_keys_secret_check check (length(secret) = 32)
);
--> statement-breakpoint
alter table platform.context_keys owner to skillhub_system;
--> statement-breakpoint
revoke all on platform.context_keys from public;
--> statement-breakpoint
insert into platform.context_keys default values;
--> statement-breakpoint
-- What a verified context says. ip is null when the request had none.
create type platform.request_context as (
  tenant_id text,
  actor_type text,
  actor_id text,
  actor_role text,
  request_id text,
  ip inet,
  issued_at timestamptz
);
--> statement-breakpoint
-- The claims of the transaction's context (jsonb), or null when none was
-- set (then every policy shows zero rows). A context that is set but not the
-- server's (forged, signed with an unknown or retired key, or issued for
-- another transaction) raises insufficient_privilege rather than pass for
-- "no context", so a misconfigured server fails loudly instead of reading
-- empty tables.
--
-- "Issued for this transaction": withTenant signs the context right after
-- BEGIN, so its issued-at lies a round trip after now(), the transaction's
-- start. A context is accepted from 2 s before now() (the server's clock
-- may lag the database's) to 10 s after (a busy event loop between BEGIN
-- and signing). A context copied from another transaction therefore works
-- only in a transaction that began within those bounds of the original; a
-- later one (now() moves on) or one long open (now() stays behind) refuses
-- it. Binding to the exact transaction would cost a round trip per
-- transaction (the server would have to ask for now() or the backend's pid
-- first) or an xid even for reads; bench/tenant-context.ts measures it.
--
-- Internal: no role but its owner, skillhub_system, may call it, so only the
-- SECURITY DEFINER functions below reach it, and it runs under their empty
-- search_path (every name is qualified; a SET clause here would cost more
-- than the check itself, which runs once per statement).
create function platform.context_claims() returns jsonb
language plpgsql stable as $$
declare
  token text := pg_catalog.current_setting('app.context', true);
  separator integer;
  payload text;
  secret bytea;
  claims jsonb;
  issued timestamptz;
begin
  if token is null or token = '' then
    return null;
  end if;
  -- <key id>:<hex HMAC-SHA256 of the payload>:<payload, JSON>. Checked with
  -- translate, not a regular expression: [0-9a-f]{64} cost more than the HMAC.
  separator := pg_catalog.strpos(token, ':');
  if separator not between 2 and 10
     or pg_catalog.translate(pg_catalog.substr(token, 1, separator - 1), '0123456789', '') <> ''
     or pg_catalog.translate(pg_catalog.substr(token, separator + 1, 64), '0123456789abcdef', '') <> ''
     or pg_catalog.substr(token, separator + 65, 1) <> ':' then
    raise exception 'app.context does not hold a tenant context issued by the server'
      using errcode = 'insufficient_privilege',
            hint = 'Only withTenant sets app.context; open tenant transactions through it.';
  end if;
  payload := pg_catalog.substr(token, separator + 66);
  select k.secret into secret from platform.context_keys k
  where k.id = pg_catalog.substr(token, 1, separator - 1)::integer and k.retired_at is null;
  if secret is null then
    raise exception 'the tenant context is signed with key %, which this database does not hold or has retired',
        pg_catalog.substr(token, 1, separator - 1)
      using errcode = 'insufficient_privilege',
            hint = 'Give the server the current key: SKILLHUB_CONTEXT_KEY, or let it read platform.context_keys as the owner.';
  end if;
  if public.hmac(pg_catalog.convert_to(payload, 'UTF8'), secret, 'sha256')
     <> pg_catalog.decode(pg_catalog.substr(token, separator + 1, 64), 'hex') then
    raise exception 'the tenant context does not verify: it was not signed with key %',
        pg_catalog.substr(token, 1, separator - 1)
      using errcode = 'insufficient_privilege',
            hint = 'A context is signed by the server; it cannot be written or edited in SQL.';
  end if;
  claims := payload::jsonb;
  issued := pg_catalog.to_timestamp((claims ->> 'iat')::double precision / 1000);
  if issued < pg_catalog.now() - interval '2 seconds' or issued > pg_catalog.now() + interval '10 seconds' then
    raise exception 'the tenant context was issued at % for another transaction (this one began at %)',
        issued, pg_catalog.now()
      using errcode = 'insufficient_privilege',
            hint = 'A context is valid only in the transaction it was issued for. If this is the server''s own, '
                   'its clock and the database''s disagree: synchronize them.';
  end if;
  return claims;
end
$$;
--> statement-breakpoint
alter function platform.context_claims() owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.context_claims() from public;
--> statement-breakpoint
-- What every policy compares tenant_id with, as `(select platform.current_tenant_id())`:
-- the sub-select makes it an initplan, evaluated once per statement.
create function platform.current_tenant_id() returns text
language plpgsql stable security definer set search_path = '' as $$
begin
  return platform.context_claims() ->> 't';
end
$$;
--> statement-breakpoint
-- The acting user's workspace role (owner, admin, member); null for API keys
-- and system actors. For policies that depend on who reads, not only where.
create function platform.current_actor_role() returns text
language plpgsql stable security definer set search_path = '' as $$
begin
  return platform.context_claims() ->> 'r';
end
$$;
--> statement-breakpoint
-- The whole verified context, for the functions that record who did what.
create function platform.verified_context() returns platform.request_context
language plpgsql stable security definer set search_path = '' as $$
declare
  claims jsonb := platform.context_claims();
begin
  if claims is null then
    return null;
  end if;
  return (claims ->> 't', claims ->> 'at', claims ->> 'a', claims ->> 'r', claims ->> 'q', (claims ->> 'ip')::inet,
          pg_catalog.to_timestamp((claims ->> 'iat')::double precision / 1000))::platform.request_context;
end
$$;
--> statement-breakpoint
-- Who to name in a record: the verified context when the transaction has
-- one. Without one (a platform or membership door, before any tenant is
-- known) the plain app.actor_type, app.actor_id, app.request_id and app.ip
-- the door's caller set in the same statement (PlatformDoor's
-- withActorSettings, platform.attribute_membership): what the caller says,
-- exactly as trustworthy as the explicit platform.actor argument of 0019,
-- and never a tenant (tenant_id is always the verified one, or null). Inside
-- withTenant a setting changed by SQL is ignored: the verified context wins.
-- Security invoker: it reads nothing its caller could not.
create function platform.attribution() returns platform.request_context
language plpgsql stable set search_path = '' as $$
declare
  ctx platform.request_context := platform.verified_context();
begin
  -- A verified context always has its issued-at.
  if ctx.issued_at is not null then
    return ctx;
  end if;
  return (null, nullif(pg_catalog.current_setting('app.actor_type', true), ''),
          nullif(pg_catalog.current_setting('app.actor_id', true), ''), null,
          nullif(pg_catalog.current_setting('app.request_id', true), ''),
          nullif(pg_catalog.current_setting('app.ip', true), '')::inet, null)::platform.request_context;
end
$$;
--> statement-breakpoint
do $$
declare
  f text;
begin
  foreach f in array array['platform.verified_context()', 'platform.current_tenant_id()',
                           'platform.current_actor_role()', 'platform.attribution()']
  loop
    execute format('alter function %s owner to skillhub_system', f);
    execute format('revoke all on function %s from public', f);
    execute format('grant execute on function %s to skillhub_app', f);
  end loop;
end
$$;
--> statement-breakpoint
-- Every policy, on every table, now trusts only the verified tenant.
do $$
declare
  t regclass;
begin
  foreach t in array array['public.users', 'public.skills', 'public.skill_versions', 'public.ratings',
                           'public.api_keys', 'public.usage_events', 'public.skill_embeddings',
                           'public.skill_reviews', 'public.site_settings', 'public.user_sessions',
                           'public.mfa_recovery_codes', 'public.security_events', 'public.audit_logs',
                           'public.invitations', 'public.security_event_tallies']::regclass[]
  loop
    execute format('alter policy tenant_isolation on %s
                      using (tenant_id = (select platform.current_tenant_id()))
                      with check (tenant_id = (select platform.current_tenant_id()))', t);
  end loop;
end
$$;
--> statement-breakpoint
alter policy tenant_isolation on tenants using (id = (select platform.current_tenant_id()));
--> statement-breakpoint
alter policy tenant_isolation on audit.seals
  using (chain = (select platform.current_tenant_id()))
  with check (chain = (select platform.current_tenant_id()));
--> statement-breakpoint
do $$
declare
  stale text;
begin
  select string_agg(format('%I.%I', p.schemaname, p.tablename), ', ') into stale from pg_policies p
  where p.qual like '%current_setting%' or p.with_check like '%current_setting%';
  if stale is not null then
    raise exception 'policies on % still trust a plain setting', stale
      using hint = 'Compare with (select platform.current_tenant_id()) instead.';
  end if;
end
$$;
--> statement-breakpoint
-- The context helpers of 0008 now read platform.attribution(), so every
-- function still calling them (until 0023 narrows the ledger's doors) takes
-- its tenant from what the server signed, never from a setting SQL can
-- change.
create or replace function audit.context_text(name text) returns text
language sql stable set search_path = '' as $$
  select case name
           when 'app.current_tenant_id' then c.tenant_id
           when 'app.actor_type' then c.actor_type
           when 'app.actor_id' then c.actor_id
           when 'app.request_id' then c.request_id
           when 'app.ip' then pg_catalog.host(c.ip)
         end
  from platform.attribution() c
$$;
--> statement-breakpoint
create or replace function audit.context_actor_type() returns text
language sql stable set search_path = '' as $$
  select coalesce(c.actor_type, 'system') from platform.attribution() c
$$;
--> statement-breakpoint
create or replace function audit.capture_truncate() returns trigger
language plpgsql set search_path = '' as $$
declare
  ctx platform.request_context := platform.attribution();
begin
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type,
    ip_address, request_id, operation, table_name)
  values (ctx.tenant_id, coalesce(ctx.actor_type, 'system'), ctx.actor_id, tg_table_name || '.truncate',
          tg_table_name, ctx.ip, ctx.request_id, 'TRUNCATE', tg_table_name);
  return null;
end
$$;
--> statement-breakpoint
-- The throttle of 0021, with the verified tenant as its default (the owner's
-- benchmark names a tenant; the server never does).
create or replace function platform.should_block_login(email text, ip inet, tenant_id text default null,
  device text default null)
returns table (blocked boolean, reason text, failures integer, retry_after_seconds integer)
language plpgsql stable security definer set search_path = '' as $$
declare
  tenant text := coalesce(should_block_login.tenant_id, platform.current_tenant_id());
  normalized text := pg_catalog.lower(email);
  cfg jsonb;
  email_limit integer;
  device_limit integer;
  ip_limit integer;
  shared_after integer;
  window_length interval;
  counted integer;
  ip_failures integer;
  ip_recent timestamptz[];
  recent_accounts integer;
  oldest timestamptz;
begin
  select s.settings into cfg from public.site_settings s where s.tenant_id = tenant;
  cfg := coalesce(cfg, '{}');
  email_limit := coalesce((cfg -> 'throttle' ->> 'maxFailuresPerEmail')::integer, 5);
  device_limit := coalesce((cfg -> 'throttle' ->> 'maxFailuresPerDevice')::integer, 10);
  ip_limit := coalesce((cfg -> 'throttle' ->> 'maxFailuresPerIp')::integer, 10);
  shared_after := coalesce((cfg -> 'throttle' ->> 'sharedIpAccounts')::integer, 5);
  window_length := pg_catalog.make_interval(mins => coalesce((cfg -> 'throttle' ->> 'windowMinutes')::integer, 15));

  if ip is not null and exists (select from pg_catalog.jsonb_array_elements_text(cfg -> 'allowlist' -> 'ips') a
                                where ip <<= a::cidr) then
    return query select false, 'allowlisted'::text, 0, 0;
    return;
  end if;
  if (ip is not null and exists (select from pg_catalog.jsonb_array_elements_text(cfg -> 'blocklist' -> 'ips') b
                                 where ip <<= b::cidr))
     or exists (select from pg_catalog.jsonb_array_elements_text(cfg -> 'blocklist' -> 'emails') b
                where normalized = pg_catalog.lower(b)
                   or (b like '@%' and normalized like '%' || pg_catalog.lower(b))) then
    return query select true, 'blocklist'::text, 0, 0;
    return;
  end if;

  -- Counting stops at the limit: a flood of failures costs no more to check.
  if device is not null then
    select count(*), min(f.created_at) into counted, oldest from (
      select e.created_at from public.security_events e
      where e.event_type = 'login_failed' and e.details ? 'device' and (e.details ->> 'device') = device
        and e.tenant_id = tenant and e.created_at > pg_catalog.now() - window_length
      order by e.created_at desc limit device_limit) f;
    if counted >= device_limit then
      return query select true, 'device'::text, counted,
        greatest(1, extract(epoch from oldest + window_length - pg_catalog.now())::integer);
      return;
    end if;
  else
    select count(*), min(f.created_at) into counted, oldest from (
      select e.created_at from public.security_events e
      where e.event_type = 'login_failed' and e.tenant_id = tenant and e.email = normalized
        and not (e.details ? 'device') and e.created_at > pg_catalog.now() - window_length
      order by e.created_at desc limit email_limit) f;
    if counted >= email_limit then
      return query select true, 'email'::text, counted,
        greatest(1, extract(epoch from oldest + window_length - pg_catalog.now())::integer);
      return;
    end if;
  end if;
  if ip is null then
    return query select false, null::text, counted, 0;
    return;
  end if;
  -- Up to twice the limit, newest first: whether the IP is shared (the
  -- costlier question, up to 500 rows) matters only once the plain limit is
  -- reached, which almost no attempt does.
  select pg_catalog.array_agg(f.created_at order by f.created_at desc) into ip_recent from (
    select e.created_at from public.security_events e
    where e.event_type = 'login_failed' and e.ip_address = ip
      and e.created_at > pg_catalog.now() - window_length
    order by e.created_at desc limit ip_limit * 2) f;
  ip_failures := coalesce(pg_catalog.cardinality(ip_recent), 0);
  if ip_failures >= ip_limit then
    select count(distinct s.email) into recent_accounts from (
      select e.email from public.security_events e
      where e.event_type = 'login_success' and e.ip_address = ip
        and e.created_at > pg_catalog.now() - interval '24 hours'
      order by e.created_at desc limit 500) s;
    if recent_accounts >= shared_after then
      ip_limit := ip_limit * 2;
    end if;
    if ip_failures >= ip_limit then
      -- The block lifts when the limit-th newest failure leaves the window.
      return query select true, 'ip'::text, ip_failures,
        greatest(1, extract(epoch from ip_recent[ip_limit] + window_length - pg_catalog.now())::integer);
      return;
    end if;
  end if;
  return query select false, null::text, greatest(counted, ip_failures), 0;
end
$$;
--> statement-breakpoint
-- Generated change capture (0014), now reading platform.attribution() (the
-- verified context) once per statement, and SECURITY DEFINER owned by skillhub_system: the capture
-- functions are the only writers of change records, and 0023 takes the
-- runtime role's own INSERT on the ledger away.
create or replace function audit.capture_function_sql(target regclass, fn text, pk text[], redact text[]) returns text
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
  where a.attrelid = target and a.attnum > 0 and not a.attisdropped;
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
    from old_rows o full join new_rows n on %9$s;
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
    rel_name || '.delete');
  return pg_catalog.format(
    'create or replace function audit.%I() returns trigger language plpgsql security definer '
    'set search_path = '''' set work_mem = ''64MB'' set enable_mergejoin = off as %L', fn, body);
end
$$;
--> statement-breakpoint
-- enable_tracking of 0018 (capture replaced in place, triggers left as they
-- are when identical, so the alarm sees nothing), handing each generated
-- function to skillhub_system.
create or replace function audit.enable_tracking(target regclass, redact text[] default null) returns void
language plpgsql set search_path = '' as $$
declare
  pk text[];
  -- By oid: unique, whatever the names, and within PostgreSQL's 63 bytes.
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
  execute audit.capture_function_sql(target, fn, pk, redact);
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
  insert into audit.tracked_tables as t (relid, function_name, columns, redact)
  values (target, fn, audit.column_signature(target), redact)
  on conflict (relid) do update
    set function_name = excluded.function_name, columns = excluded.columns, redact = excluded.redact;
end
$$;
--> statement-breakpoint
-- Regenerate every tracked table's capture with its own redactions.
do $$
declare
  tracked regclass[];
  redactions text[];
begin
  select array_agg(t.relid order by t.relid::oid), array_agg(t.redact::text order by t.relid::oid)
    into tracked, redactions
  from audit.tracked_tables t;
  for i in 1 .. coalesce(array_length(tracked, 1), 0) loop
    perform audit.enable_tracking(tracked[i], redactions[i]::text[]);
  end loop;
end
$$;
