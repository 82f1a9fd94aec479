-- Step 5 of the Citus plan (docs/citus.md): the system chain keyed like any
-- other. Its events (and its security events and tallies) carried a null
-- tenant_id; Citus refuses a row whose distribution column is null, so the
-- ledger could not be spread over a cluster with the system chain in it.
-- They now carry the empty string, which is the system chain's name
-- already (audit.seals.chain, the trees, the checkpoints and the sinks'
-- cursors all say ''), and tenant_id is `not null` on all three tables.
-- '' is never a workspace: tenants.id is a uuid's text, and assertTenantId
-- refuses it.
--
-- Nothing sealed changes. audit.canonical_text prints '' as the null it
-- printed before (nullif), as the Node builder of verification does, so
-- every event's hash, every tree and every signed checkpoint stay what they
-- were, and an auditor's older bundles still verify. NOT NULL leaves no
-- second spelling of the system chain that would print the same.
--
-- Every writer that could pass a null tenant now writes '' (the doors take
-- `coalesce(tenant, '')`, so their callers are unchanged), and every reader
-- that looked for `tenant_id is null` looks for ''. The restated functions
-- below are 0018, 0019, 0021, 0023, 0040, 0046, 0052, 0055, 0056, 0062,
-- 0064, 0066, 0067 and 0068's, changed only there.
--
-- The rows written before: each table's forced row level security (and,
-- on audit_logs and security_events, its append-only guard) is switched
-- off for one UPDATE and on again, so the security control alarm records
-- each switch in every chain ("medium, during migration"), and an event in
-- the system chain says how many rows were rekeyed. Their tenant_id was no key into tenants, as
-- audit_logs' never was: the system chain's '' names no workspace, and
-- sealing refuses an event whose tenant does not exist
-- (audit.refused_events).
-- A platform operation recorded without a workspace goes to the system chain, ''.
create or replace function platform.audit(actor platform.actor, tenant text, action text, resource_id text, metadata jsonb)
returns void
language plpgsql security definer set search_path = '' as $$
begin
  if actor.actor_type is null then
    raise exception 'platform operation % names no actor', action
      using hint = 'Pass who is asking: (actor_type, actor_id, request_id, ip)::platform.actor.';
  end if;
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
    ip_address, request_id, metadata)
  values (coalesce(tenant, ''), actor.actor_type, actor.actor_id, action, 'tenant', resource_id, actor.ip, actor.request_id,
    metadata);
end
$$;
--> statement-breakpoint

create or replace function platform.audit_membership(tenant text, action text, resource_type text, resource_id text,
  metadata jsonb)
returns void
language sql set search_path = '' as $$
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id,
    ip_address, request_id, metadata)
  select coalesce(tenant, ''), coalesce(c.actor_type, 'system'), c.actor_id, action, resource_type, resource_id, c.ip,
    c.request_id, metadata
  from platform.attribution() c
$$;
--> statement-breakpoint

create or replace function platform.write_security_event(
  tenant text,
  event_type public.security_event_type,
  severity public.security_severity,
  user_id uuid,
  email text,
  ip inet,
  session_id uuid,
  details jsonb
) returns uuid
language plpgsql set search_path = '' as $$
declare
  ctx platform.request_context := platform.attribution();
  created uuid;
begin
  tenant := coalesce(tenant, '');
  ip := coalesce(ip, ctx.ip);
  insert into public.security_events (tenant_id, event_type, severity, user_id, email, ip_address, session_id, details)
  values (tenant, event_type, severity, user_id, pg_catalog.lower(email), ip, session_id, coalesce(details, '{}'))
  returning id into created;
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address,
    request_id, metadata)
  values (tenant, coalesce(ctx.actor_type, 'system'), coalesce(ctx.actor_id, user_id::text),
    'security.' || event_type::text, 'security_event', created::text, ip, ctx.request_id,
    pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('severity', severity, 'email', pg_catalog.lower(email),
      'session_id', session_id, 'user_id', user_id)) || coalesce(details, '{}'));
  return created;
end
$$;
--> statement-breakpoint

create or replace function platform.tally_security_event(tenant text, event_type public.security_event_type, subject text,
  ip inet, target text) returns bigint
language sql set search_path = '' as $$
  insert into public.security_event_tallies as t (tenant_id, window_start, event_type, subject, ip_address, target)
  values (coalesce(tenant, ''), pg_catalog.date_bin('5 minutes', pg_catalog.now(), timestamptz '2000-01-01 00:00:00+00'),
    event_type, pg_catalog.left(coalesce(subject, ''), 200), ip, pg_catalog.left(coalesce(target, ''), 200))
  on conflict on constraint security_event_tallies_key
  do update set occurrences = t.occurrences + 1, last_seen_at = pg_catalog.now()
  returning t.occurrences
$$;
--> statement-breakpoint

create or replace function audit.capture_truncate() returns trigger
language plpgsql set search_path = '' as $$
declare
  ctx platform.request_context := platform.attribution();
  logical_name text := (select c.relname::text from pg_catalog.pg_class c where c.oid = audit.logical_table(tg_relid));
begin
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type,
    ip_address, request_id, operation, table_name)
  values (coalesce(ctx.tenant_id, ''), coalesce(ctx.actor_type, 'system'), ctx.actor_id, logical_name || '.truncate',
          logical_name, ctx.ip, ctx.request_id, 'TRUNCATE', logical_name);
  return null;
end
$$;
--> statement-breakpoint

create or replace function audit.set_system_retention(actor platform.actor, days integer, min_days integer,
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
  values ('', actor.actor_type, actor.actor_id, 'audit.retention_policy_changed', 'audit_chain', 'system', actor.ip,
    actor.request_id, pg_catalog.jsonb_build_object('chain', 'system', 'keepDays', days, 'previousKeepDays', previous));
end
$$;
--> statement-breakpoint

create or replace function audit.record_ledger_month_ordered(p_relid oid, p_partition text, p_from timestamptz,
  p_to timestamptz, p_events bigint, p_digest text)
returns void
language plpgsql security definer set search_path = '' as $$
begin
  insert into audit.ordered_ledger_months (relid, partition_name, range_from, range_to, events, digest)
  values (p_relid, p_partition, p_from, p_to, p_events, p_digest);
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, metadata)
  values ('', 'system', 'maintenance', 'audit.ledger_month_ordered', 'table', 'public.' || p_partition,
    pg_catalog.jsonb_build_object('partition', p_partition, 'rangeFrom', p_from, 'rangeTo', p_to,
      'events', p_events, 'digest', p_digest, 'order', 'tenant_id, created_at, seq, id'));
end
$$;
--> statement-breakpoint

create or replace function audit.retire_security_month(deployment text, min_days integer, max_days integer default null)
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
  values ('', 'system', 'retention', 'audit.ledger_month_retired', 'table', 'public.' || month,
    pg_catalog.jsonb_build_object('partition', month, 'chains', chains));
  return month;
end
$$;
--> statement-breakpoint

create or replace function audit.check_security_controls(command text) returns integer
language plpgsql security definer set search_path = '' as $$
declare
  differences integer;
  changes jsonb;
  weakens boolean;
  migrating boolean;
  level public.security_severity;
  details jsonb;
begin
  select pg_catalog.count(*),
         pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('table', x.relation, 'control', x.control,
           'change', x.change, 'was', x.was, 'now', x.now) order by x.relation, x.control)
           filter (where not x.adopting),
         pg_catalog.bool_or(x.weakens) filter (where not x.adopting)
    into differences, changes, weakens
  from audit.security_control_changes() x;
  if differences = 0 then
    return 0;
  end if;
  delete from audit.security_controls s
  where not exists (select from audit.current_security_controls() c
                    where c.relid = s.relid and c.control = s.control);
  insert into audit.security_controls as s (relid, relation, control, state, definition, guards, adopted_in)
  select c.relid, c.relation, c.control, c.state, c.definition, c.guards,
         coalesce((select min(x.adopted_in) from audit.security_controls x where x.relid = c.relid),
                  pg_catalog.pg_current_xact_id())
  from audit.current_security_controls() c
  on conflict (relid, control) do update
    set relation = excluded.relation, state = excluded.state, definition = excluded.definition,
        guards = excluded.guards;
  -- Only a table being set up by this transaction changed: nothing to report.
  if changes is null then
    return 0;
  end if;
  migrating := exists (select from pg_catalog.pg_locks l
                       where l.pid = pg_catalog.pg_backend_pid() and l.locktype = 'advisory' and l.granted
                         and l.objsubid = 1
                         and l.objid = (pg_catalog.hashtext('skillhub.migrate')::bigint & 4294967295)::oid);
  level := case when not weakens then 'info' when migrating then 'medium' else 'critical' end;
  details := pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
    'reason', 'security_control_changed',
    'command', command,
    'changes', changes,
    'databaseRole', session_user,
    'setRole', nullif(pg_catalog.current_setting('role'), 'none'),
    'application', nullif(pg_catalog.current_setting('application_name'), ''),
    'duringMigration', case when migrating then true end));
  -- Every tenant's chain, and the system chain ('').
  with recipients as (select t.id from public.tenants t union all select ''),
  recorded as (
    insert into public.security_events (tenant_id, event_type, severity, ip_address, details)
    select r.id, 'suspicious_activity', level, pg_catalog.inet_client_addr(), details from recipients r
    returning id, tenant_id
  )
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address,
    metadata)
  select e.tenant_id, 'system', session_user, 'security.suspicious_activity', 'security_event', e.id::text,
         pg_catalog.inet_client_addr(), pg_catalog.jsonb_build_object('severity', level) || details
  from recorded e;
  return pg_catalog.jsonb_array_length(changes);
end
$$;
--> statement-breakpoint
-- A table without tenant_id (platform.deployment_sink) records into the
-- transaction's workspace, or the system chain when there is none.
create or replace function audit.capture_function_sql(target regclass, fn text, pk text[], redact text[], ignored text[])
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
  -- Sealing: the personal columns the trigger would find in a record, in its order, and the subject.
  sealed text[];
  subject_column text;
  subject_kind text;
  subject_type regtype;
  seal boolean;
  ip_sql text := 'ctx_ip';
  update_extra text := '';
  update_join text := '';
  insert_extra text := '';
  insert_join text := '';
  delete_extra text := '';
  delete_join text := '';
  old_rec text;
  new_rec text;
  row_rec text;
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
  old_rec := audit.record_sql('o', redact);
  new_rec := audit.record_sql('n', redact);
  row_rec := audit.record_sql('r', redact);
  select s.columns, s.subject_column, s.subject_kind into sealed, subject_column, subject_kind
  from audit.sealed_columns s where s.table_name = rel_name;
  sealed := array(select c from pg_catalog.unnest(sealed) with ordinality u(c, i)
                  where c <> all (redact)
                    and exists (select from pg_catalog.pg_attribute a where a.attrelid = target and a.attname = c
                                and a.attnum > 0 and not a.attisdropped)
                  order by i);
  select a.atttypid::regtype into subject_type from pg_catalog.pg_attribute a
  where a.attrelid = target and a.attname = subject_column and a.attnum > 0 and not a.attisdropped;
  seal := subject_kind = 'user' and subject_column <> all (redact) and pg_catalog.cardinality(sealed) > 0
          and subject_type in ('uuid'::regtype, 'text'::regtype, 'character varying'::regtype);
  if seal then
    columns := columns || ', personal, subject_id';
    ip_sql := 'case when k.key_id is null then ctx_ip end';
    old_rec := audit.sealed_record_sql('o', redact, sealed);
    new_rec := audit.sealed_record_sql('n', redact, sealed);
    row_rec := audit.sealed_record_sql('r', redact, sealed);
    update_extra := ', ' || audit.envelope_sql(array['old_record', 'new_record'], array['o', 'n'], sealed) || ', k.subject';
    -- Only a paired row (old and new): one whose key changed is two rows, each with one record, left to the trigger.
    update_join := audit.subject_key_join_sql(pg_catalog.format('o.%I::text', subject_column),
      case when has_tenant then 'coalesce(n.tenant_id, o.tenant_id)::text' else 'ctx_tenant_id' end,
      pg_catalog.format(' and n.%I is not null', pk[1]));
    insert_extra := ', ' || audit.envelope_sql(array['new_record'], array['r'], sealed) || ', k.subject';
    delete_extra := ', ' || audit.envelope_sql(array['old_record'], array['r'], sealed) || ', k.subject';
    insert_join := audit.subject_key_join_sql(pg_catalog.format('r.%I::text', subject_column),
      case when has_tenant then 'r.tenant_id::text' else 'ctx_tenant_id' end, '');
    delete_join := insert_join;
  end if;
  body := pg_catalog.format($f$#variable_conflict use_variable
-- Generated by audit.enable_tracking; regenerate it, never edit it.
-- The transaction's verified context (or, outside one, the door's stated
-- caller; never a tenant), read once per statement.
declare
  ctx platform.request_context := platform.attribution();
  ctx_tenant_id text := coalesce(ctx.tenant_id, '''');
  ctx_actor_type text := coalesce(ctx.actor_type, 'system');
  ctx_actor_id text := ctx.actor_id;
  ctx_ip inet := ctx.ip;
  ctx_request_id text := ctx.request_id;
begin
  if tg_op = 'UPDATE' then
    insert into public.audit_logs (%1$s)
    select %2$s, ctx_actor_type, ctx_actor_id, %3$L, %4$L, %5$s, %16$s, ctx_request_id, 'UPDATE', %4$L, %6$s, %7$s,
           pg_catalog.array_remove(array[%8$s]::text[], null)%17$s
    from old_rows o full join new_rows n on %9$s%18$s%15$s;
  elsif tg_op = 'INSERT' then
    insert into public.audit_logs (%1$s)
    select %10$s, ctx_actor_type, ctx_actor_id, %11$L, %4$L, %12$s, %16$s, ctx_request_id, 'INSERT', %4$L, null, %13$s, null%19$s
    from new_rows r%20$s;
  else
    insert into public.audit_logs (%1$s)
    select %10$s, ctx_actor_type, ctx_actor_id, %14$L, %4$L, %12$s, %16$s, ctx_request_id, 'DELETE', %4$L, %13$s, null, null%21$s
    from old_rows r%22$s;
  end if;
  return null;
end
$f$,
    columns,
    case when has_tenant then 'coalesce(n.tenant_id, o.tenant_id)::text' else 'ctx_tenant_id' end,
    rel_name || '.update', rel_name,
    pg_catalog.format('case when n.%I is null then %s else %s end', pk[1],
                      audit.resource_id_sql('o', id_cols), audit.resource_id_sql('n', id_cols)),
    old_rec, new_rec, changed, pairing,
    case when has_tenant then 'r.tenant_id::text' else 'ctx_tenant_id' end,
    rel_name || '.insert', audit.resource_id_sql('r', id_cols), row_rec,
    rel_name || '.delete',
    case when pg_catalog.cardinality(ignored) > 0
         then pg_catalog.format(E'\n    where pg_catalog.cardinality(pg_catalog.array_remove(array[%s]::text[], null)) > 0',
                                changed)
         else '' end,
    ip_sql, update_extra, update_join, insert_extra, insert_join, delete_extra, delete_join);
  return pg_catalog.format(
    'create or replace function audit.%I() returns trigger language plpgsql security definer '
    'set search_path = '''' set work_mem = ''64MB'' set enable_mergejoin = off%s as %L', fn,
    case when seal then ' set plan_cache_mode = force_generic_plan' else '' end, body);
end
$$;
--> statement-breakpoint
-- The month's doors and plan find the system chain's events by ''.
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
           and l.tenant_id = a_chain[i]
           and exists (select from audit.seals s where s.event_id = l.id and s.chain = a_chain[i]
                       and s.position > a_start[i] and s.position <= a_end[i])
        returning 1)
      select pg_catalog.count(*) into removed from gone;
      if a_chain[i] = '' then
        with gone as (
          delete from public.audit_logs l
           where l.created_at < month_from and l.tenant_id = ''
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
  select a_chain[k], 'system', 'retention', 'audit.retention_applied', 'audit_chain',
         coalesce(nullif(a_chain[k], ''), 'system'), pg_catalog.jsonb_build_object(
           'startLeaf', a_start[k], 'endLeaf', a_end[k], 'eventsRemoved', a_events[k] + a_removed[k],
           'keepDays', a_keep[k], 'cutoff', a_cutoff[k], 'checkpointSize', a_size[k],
           'partition', month, 'outsideMonth', a_removed[k])
    from pg_catalog.generate_series(1, planned) k order by k;
  perform audit.drop_ledger_month('audit_logs', month);
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, metadata)
  values ('', 'system', 'retention', 'audit.ledger_month_retired', 'table', 'public.' || month,
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
--> statement-breakpoint

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
      where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id <> ''
      order by l.tenant_id limit 1)
    union all
    select (select l.tenant_id from public.audit_logs l
             where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id > w.tenant
             order by l.tenant_id limit 1), w.n + 1
      from workspaces w where w.tenant is not null)
  select pg_catalog.array_agg(p.chain order by p.n) into present from (
    select '' as chain, 0 as n
     where exists (select from public.audit_logs l
                   where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id = '')
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
            where p.chain = '' and l.tenant_id = ''
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
               where l.created_at < month.range_from and l.tenant_id = ''
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
                            and l.tenant_id = r.chain
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
                   where l.created_at >= month.range_from and l.created_at < month.range_to and l.tenant_id = '');
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
-- A chain's plan finds its first unexpired event the same way for every
-- chain, the system chain's '' included.
create or replace function audit.chain_retention_plan(p_chain text, origin text, min_days integer, max_days integer,
  upto bigint)
returns table (chain text, keep_days integer, cutoff timestamptz, planned_at timestamptz, start_leaf bigint,
               expired_end bigint, end_leaf bigint, checkpoint_size bigint, checkpoint_root bytea, chain_hash bytea,
               blocked_by text, body text)
language plpgsql set search_path = '' as $$declare
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
  if upto is not null then
    expired_end := least(upto, sealed);
  -- The first leaf that must stay: the earliest-sealed event not older than the cutoff.
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
-- Sealing: the chain is the tenant_id as stored; the system chain's '' is
-- no workspace, so never an orphan.
create or replace function audit.seal_pending(max_events integer default 10000) returns integer
language plpgsql security definer set search_path = '' as $$
declare
  horizon xid8 := audit.sealing_horizon();
  last_txid xid8;
  last_seq bigint;
  sealed integer;
  refused integer;
  chains text[];
  old_sizes bigint[];
  new_sizes bigint[];
begin
  if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('skillhub.audit.seal')) then
    return 0;
  end if;
  select c.txid, c.seq into last_txid, last_seq from audit.sealing_cursor() c;
  with batch as materialized (
    select e.id, e.txid, e.seq, e.tenant_id, e.chain, e.orphan, e.created_at,
           pg_catalog.sha256(e.canonical) as event_hash,
           pg_catalog.sha256('\x00'::bytea operator(pg_catalog.||) e.canonical) as leaf_hash
    from (
      select l.id, l.txid, l.seq, l.tenant_id, l.tenant_id as chain, l.created_at,
             pg_catalog.convert_to(audit.canonical_text(l), 'UTF8') as canonical,
             l.tenant_id <> '' and not exists (select from public.tenants t where t.id = l.tenant_id) as orphan
      from public.audit_logs l
      where l.txid < horizon and (l.txid, l.seq) > (coalesce(last_txid, '0'::xid8), coalesce(last_seq, 0))
      order by l.txid, l.seq
      limit max_events
    ) e
  ),
  refusals as (
    insert into audit.refused_events (event_id, txid, seq, named_tenant, reason)
    select b.id, b.txid, b.seq, b.tenant_id, 'its tenant does not exist' from batch b where b.orphan
    returning 1
  ),
  heads as (
    select c.chain, coalesce(h.position, 0) as position, coalesce(h.chain_hash, audit.genesis_hash(c.chain)) as chain_hash
    from (select distinct b.chain from batch b where not b.orphan) c
    left join lateral (select s.position, s.chain_hash from audit.seals s where s.chain = c.chain
                       order by s.position desc limit 1) h on true
  ),
  sealing as (
    insert into audit.seals (chain, position, event_id, txid, seq, event_hash, chain_hash, leaf_hash, created_at)
    select b.chain, h.position + pg_catalog.row_number() over w, b.id, b.txid, b.seq, b.event_hash,
           audit.chain_fold(h.chain_hash, b.event_hash) over w, b.leaf_hash, b.created_at
    from batch b join heads h on h.chain = b.chain
    where not b.orphan
    window w as (partition by b.chain order by b.txid, b.seq rows between unbounded preceding and current row)
    returning chain
  ),
  grown as (
    select s.chain, pg_catalog.count(*) as added from sealing s group by s.chain
  )
  select (select pg_catalog.sum(g.added) from grown g), (select pg_catalog.count(*) from refusals),
         (select pg_catalog.array_agg(g.chain order by g.chain) from grown g),
         (select pg_catalog.array_agg(h.position order by g.chain) from grown g join heads h on h.chain = g.chain),
         (select pg_catalog.array_agg(h.position + g.added order by g.chain) from grown g join heads h on h.chain = g.chain)
    into sealed, refused, chains, old_sizes, new_sizes;
  if chains is not null then
    perform audit.extend_trees(chains, old_sizes, new_sizes);
  end if;
  if refused > 0 then
    raise warning 'sealing refused % audit events whose tenant does not exist', refused
      using hint = 'They were written outside the application; see audit.refused_events and skillhub doctor.';
  end if;
  return coalesce(sealed, 0);
end
$$;
--> statement-breakpoint
-- The canonical text prints the system chain's '' as the null it printed
-- before, so no sealed event's hash, no tree and no checkpoint changes.
create or replace function audit.canonical_text(e public.audit_logs) returns text
language sql immutable set search_path = '' as $$
  select (pg_catalog.jsonb_build_array(
    e.id, e.txid::text, e.seq, nullif(e.tenant_id, ''), e.actor_type, e.actor_id, e.action, e.resource_type,
    e.resource_id, e.ip_address::text, e.request_id, e.metadata, e.operation::text, e.table_name,
    e.old_record, e.new_record, e.changed_fields,
    pg_catalog.to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  ) operator(pg_catalog.||) case when e.personal is null then '[]'::jsonb
                                 else pg_catalog.jsonb_build_array(e.personal, e.subject_id) end)::text
$$;
--> statement-breakpoint
-- The deployment sink's events keep tenantId null for the system chain.
create or replace function platform.read_deployment_batch_unguarded(leased_chain text, token uuid, batch_size integer)
returns jsonb
language plpgsql volatile security definer set search_path = '' as $$declare
  cursor_row platform.deployment_sink_cursors;
  events jsonb;
  last_leaf bigint;
  checkpoint jsonb;
begin
  if batch_size not between 1 and 10000 then
    raise exception 'a batch holds 1 to 10000 events' using errcode = 'invalid_parameter_value';
  end if;
  select * into cursor_row from platform.deployment_sink_cursors c
   where c.chain = leased_chain and c.lease_token = token
     and exists (select from platform.deployment_sink d where d.paused_at is null)
   for update;
  if not found then
    return null;
  end if;
  select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'leafIndex', s.position - 1,
           'event', pg_catalog.jsonb_build_object(
             'id', e.id, 'tenantId', nullif(e.tenant_id, ''), 'actorType', e.actor_type, 'actorId', e.actor_id,
             'action', e.action, 'resourceType', e.resource_type, 'resourceId', e.resource_id,
             'ipAddress', pg_catalog.host(e.ip_address), 'requestId', e.request_id, 'metadata', e.metadata,
             'operation', e.operation::text, 'tableName', e.table_name, 'oldRecord', e.old_record,
             'newRecord', e.new_record, 'changedFields', e.changed_fields,
             'createdAt', pg_catalog.to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')))
           order by s.position),
         max(s.position) - 1
    into events, last_leaf
    from (select p.position, p.event_id from audit.seals p
           where p.chain = leased_chain and p.position > cursor_row.delivered_through + 1
             and (cursor_row.pending_through is null or p.position <= cursor_row.pending_through + 1)
           order by p.position limit batch_size) s
    join public.audit_logs e on e.id = s.event_id;
  if events is null then
    return null;
  end if;
  if cursor_row.pending_through is null then
    update platform.deployment_sink_cursors c set pending_through = last_leaf where c.chain = leased_chain;
  end if;
  select pg_catalog.jsonb_build_object('treeSize', k.tree_size, 'note', k.note) into checkpoint
    from audit.checkpoints k where k.chain = leased_chain order by k.tree_size desc limit 1;
  return pg_catalog.jsonb_build_object(
    'generation', cursor_row.generation, 'failures', cursor_row.failures,
    'failingSince', cursor_row.failing_since, 'events', events, 'checkpoint', checkpoint);
end
$$;
--> statement-breakpoint
-- Every capture function again, from the template above.
select audit.regenerate_capture(t.relid) from audit.tracked_tables t;
--> statement-breakpoint
alter table public.security_events drop constraint security_events_tenant_id_fkey;
--> statement-breakpoint
alter table public.security_event_tallies drop constraint security_event_tallies_tenant_id_fkey;
--> statement-breakpoint
-- The rows written before. Row level security is forced on the three tables,
-- so an owner that is not a superuser sees no system row through it: each
-- table is opened (not forced, its append-only guard off) for one UPDATE and
-- closed again in the next statement. The alarm records each opening and
-- closing; the last event says what was rekeyed.
do $$
declare
  rekeyed jsonb := '{}';
  n bigint;
begin
  alter table public.security_events no force row level security, disable trigger security_events_redaction_only;
  update public.security_events set tenant_id = '' where tenant_id is null;
  get diagnostics n = row_count;
  rekeyed := rekeyed || pg_catalog.jsonb_build_object('security_events', n);
  alter table public.security_events force row level security, enable trigger security_events_redaction_only;

  alter table public.security_event_tallies no force row level security;
  update public.security_event_tallies set tenant_id = '' where tenant_id is null;
  get diagnostics n = row_count;
  rekeyed := rekeyed || pg_catalog.jsonb_build_object('security_event_tallies', n);
  alter table public.security_event_tallies force row level security;

  -- Last, so that the record of it is written while the owner still may.
  alter table public.audit_logs no force row level security, disable trigger audit_logs_append_only;
  update public.audit_logs set tenant_id = '' where tenant_id is null;
  get diagnostics n = row_count;
  rekeyed := rekeyed || pg_catalog.jsonb_build_object('audit_logs', n);
  insert into public.audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, metadata)
  values ('', 'system', 'migration', 'audit.system_chain_rekeyed', 'audit_chain', 'system',
          pg_catalog.jsonb_build_object('migration', '0070', 'from', null, 'to', '', 'rows', rekeyed));
  alter table public.audit_logs force row level security, enable trigger audit_logs_append_only;

  alter table public.audit_logs alter column tenant_id set not null;
  alter table public.security_events alter column tenant_id set not null;
  alter table public.security_event_tallies alter column tenant_id set not null;
end
$$;
