-- The ledger's write path on a Citus cluster (docs/citus.md, "Writes on the shards"), a psql script the
-- conversion applies to a converted database before the sealing scripts, never a migration. It gives
-- the workers what the tables' triggers need there: the functions they lack, the events stamped with
-- the worker's transaction id and sequence where the row lands, the definer's login on the workers, and
-- every capture function written for where its table lies (audit.capture_placement, 0077).
\set ON_ERROR_STOP on
set client_min_messages = warning;
set citus.enable_unsafe_triggers = on;

-- The shard of `target` beside the shard `beside` (same colocation group and hash range), or a reference
-- table's one shard, schema-qualified.
create function audit.colocated_shard(beside bigint, target regclass) returns text
language plpgsql stable set search_path = '' as $$
declare
  found text;
begin
  select pg_catalog.format('%I.%I', n.nspname, i.ident[pg_catalog.cardinality(i.ident)]) into found
  from pg_catalog.pg_dist_shard l
  join pg_catalog.pg_dist_partition lp on lp.logicalrelid = l.logicalrelid
  join pg_catalog.pg_dist_partition tp on tp.logicalrelid = target
  join pg_catalog.pg_dist_shard t on t.logicalrelid = target
  join pg_catalog.pg_class c on c.oid = target
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  cross join lateral (select pg_catalog.parse_ident(pg_catalog.shard_name(target, t.shardid)) as ident) i
  where l.shardid = beside
    and (tp.partmethod = 'n' or (tp.colocationid = lp.colocationid and t.shardminvalue = l.shardminvalue));
  if found is null then
    raise exception 'no shard of % lies beside the shard %', target, beside;
  end if;
  return found;
end
$$;

-- The shard id of a shard's relation on a node (a trigger's tg_relid there): its name is its table's with
-- the shard id appended, compared in full with Citus's own name for that shard.
create function audit.shard_of(shard_relation regclass) returns bigint
language plpgsql stable set search_path = '' as $$
declare
  found bigint;
begin
  select s.shardid into found
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  join pg_catalog.pg_dist_shard s on s.shardid = pg_catalog.substring(c.relname, '_([0-9]+)$')::bigint
  where c.oid = shard_relation
    and pg_catalog.shard_name(s.logicalrelid, s.shardid)
        in (pg_catalog.quote_ident(c.relname), pg_catalog.format('%I.%I', n.nspname, c.relname));
  if found is null then
    raise exception '% is not a shard of a distributed table', shard_relation;
  end if;
  return found;
end
$$;

-- The functions that find a shard's table by its relation read pg_class, where Citus hides shards from every
-- session but its own connections between nodes: on the coordinator, whose placement of a reference table
-- is a shard too, audit.logical_table named the shard itself (found: deactivating a workspace, a change of
-- tenants, failed in its credential announcement with "record new has no field tenant_id").
alter function audit.logical_table(regclass) set citus.override_table_visibility = off;
alter function audit.shard_of(regclass) set citus.override_table_visibility = off;

-- A credential change is announced where the server LISTENs, the coordinator, and nowhere else: a worker's
-- NOTIFY never reaches it, and a worker transaction that has notified cannot be prepared (found: deactivating
-- a workspace, a change of the reference table tenants on every node, failed at commit with "cannot PREPARE
-- a transaction that has executed LISTEN, UNLISTEN, or NOTIFY"). A change of tenants is announced by the
-- coordinator's own placement; one of a distributed table (sessions, keys, members) is bounded by the
-- credential cache's staleness (docs/citus.md, step 2).
create or replace function platform.announce_credential_change() returns trigger
language plpgsql set search_path = '' as $$
begin
  if not pg_catalog.citus_is_coordinator() then
    return null;
  end if;
  perform pg_catalog.set_config('app.credentials_changed', 'on', true);
  if audit.logical_table(tg_relid) = 'public.tenants'::regclass then
    perform pg_catalog.pg_notify('skillhub_credentials', coalesce(new.id, old.id));
  else
    perform pg_catalog.pg_notify('skillhub_credentials', coalesce(new.tenant_id, old.tenant_id));
  end if;
  return null;
end
$$;

-- Citus propagates a function when it is created, except one that depends on a table not yet
-- distributed: those that take a converted table's row type (audit.canonical_text(audit_logs) among
-- them) are missing on the workers until distributed here.
create temp table worker_functions as
  select w.nodeport, pg_catalog.unnest(pg_catalog.string_to_array(w.result, ';')) as fn
  from run_command_on_workers($$select pg_catalog.string_agg(p.oid::regprocedure::text, ';')
                                from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                                where n.nspname in ('audit', 'platform')$$) w;
-- A worker checks an SQL function's body when it is made there (Citus's own setting to the contrary
-- notwithstanding: found, audit.event_hash before audit.canonical_text), so each comes after the missing
-- functions its body calls.
with recursive missing as (
  select p.oid, n.nspname || '.' || p.proname || '(' as called_as, p.prosrc
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('audit', 'platform')
    and exists (select from pg_catalog.pg_dist_node d
                where d.groupid > 0 and d.noderole = 'primary' and d.isactive
                  and not exists (select from worker_functions f
                                  where f.nodeport = d.nodeport and f.fn = p.oid::regprocedure::text))
), depth (oid, calls) as (
  select m.oid, 0 from missing m
  union all
  select caller.oid, d.calls + 1
  from depth d join missing callee on callee.oid = d.oid
  join missing caller on caller.oid <> callee.oid and pg_catalog.strpos(caller.prosrc, callee.called_as) > 0
  where d.calls < 16
)
select pg_catalog.format('select create_distributed_function(%L)', d.oid::regprocedure::text)
from depth d group by d.oid order by max(d.calls), d.oid
\gexec
drop table worker_functions;

-- txid and seq taken where the row lands: a column default is evaluated on the coordinator, and a
-- shard's columns have no sequence defaults at all. Each worker draws from its own range of the
-- sequence (node group x 2^48 onwards), and its copy needs its own grant: one made on the coordinator
-- does not reach it. The coordinator's copy needs one too: an INSERT ... SELECT that Citus pulls to the
-- coordinator evaluates the default there as the inserting role, where one server's identity column asks
-- for no grant (found: the security control alarm's check, and with it `skillhub migrate`, failed with
-- "permission denied for sequence audit_logs_seq_seq").
begin;
create function audit.stamp_event() returns trigger
language plpgsql set search_path = '' as $$
begin
  new.txid := pg_catalog.pg_current_xact_id();
  new.seq := pg_catalog.nextval('public.audit_logs_seq_seq');
  return new;
end
$$;
revoke all on function audit.stamp_event() from public;
create trigger audit_logs_stamp before insert on public.audit_logs
  for each row execute function audit.stamp_event();
-- A retention record carries the transaction that removes its range, the id the ledger's guard compares
-- with its own when a removed event's row goes (0048): the worker's, where both rows lie (found: with the
-- coordinator's default, the guard refused retention's every delete).
create function audit.stamp_retention_record() returns trigger
language plpgsql set search_path = '' as $$
begin
  new.txid := pg_catalog.pg_current_xact_id();
  return new;
end
$$;
revoke all on function audit.stamp_retention_record() from public;
create trigger retention_records_stamp before insert on audit.retention_records
  for each row execute function audit.stamp_retention_record();
commit;
grant usage on sequence public.audit_logs_seq_seq to skillhub_system;
do $$ begin
  if exists (select from run_command_on_workers('grant usage on sequence public.audit_logs_seq_seq to skillhub_system')
             where not success) then
    raise exception 'a worker refused skillhub_system its use of the ledger''s sequence';
  end if;
end $$;

-- skillhub_system, the definer of every capture function and door, logs in on the workers and only
-- there: Citus opens its connection to another node's shard as the current user, inside a security
-- definer function its definer (found: the deployment sink's capture, on the coordinator, writing the
-- system chain's shard on a worker: "role skillhub_system is not permitted to log in"). Its password is
-- random, kept in pg_dist_authinfo on every node (superusers alone read it); the coordinator's role stays
-- NOLOGIN. Running this again rotates it. Each worker's pg_hba.conf should accept skillhub_system from
-- the cluster's nodes alone: that part is the operator's. The password reaches the workers in an ALTER
-- ROLE statement, which a worker that logs DDL (log_statement = 'ddl' or 'all') writes to its log.
do $$
declare
  secret constant text := pg_catalog.encode(public.gen_random_bytes(32), 'hex');
begin
  if exists (select from run_command_on_workers(pg_catalog.format(
               'set citus.enable_ddl_propagation = off; alter role skillhub_system login password %L', secret))
             where not success) then
    raise exception 'a worker refused skillhub_system a login';
  end if;
  delete from pg_catalog.pg_dist_authinfo a where a.rolename = 'skillhub_system';
  insert into pg_catalog.pg_dist_authinfo (nodeid, rolename, authinfo) values (0, 'skillhub_system', 'password=' || secret);
  if exists (select from run_command_on_workers(pg_catalog.format(
               'delete from pg_catalog.pg_dist_authinfo where rolename = %1$L; '
               'insert into pg_catalog.pg_dist_authinfo (nodeid, rolename, authinfo) values (0, %1$L, %2$L)',
               'skillhub_system', 'password=' || secret))
             where not success) then
    raise exception 'a worker refused skillhub_system''s connection details';
  end if;
end $$;

-- Every capture function written for where its table lies: on a worker beside the ledger's shards, or
-- on the coordinator for a table that stays there.
select t.relid as tracked_table, audit.capture_placement(t.relid) as placement
from audit.tracked_tables t order by 1;
select audit.regenerate_capture(t.relid) from audit.tracked_tables t \g /dev/null

-- The doors a request calls after its own writes, delegated by their tenant argument: Citus sends such a
-- call, a statement alone with its tenant a constant, over the transaction's own connection to the
-- tenant's node, where it runs as its definer in the worker transaction that holds the write (undelegated:
-- "cannot perform query on placements that were modified in this transaction by a different user").
-- The session functions write the session as the runtime role and its security events through a door: the
-- whole call runs on the tenant's node, every statement in it filtered by the tenant (0079, 0082); so do a
-- repeated failure's tally and event, and a legal hold with its event (0084).
select pg_catalog.format('select create_distributed_function(%L, %L, colocate_with => %L, force_delegation => true)',
                         f, 'tenant', 'audit_logs')
from unnest(array['audit.record_tenant_event(text, text, text, text, jsonb)',
                  'platform.log_tenant_security_event(text, public.security_event_type, public.security_severity, '
                    'uuid, text, inet, uuid, jsonb)',
                  'public.create_tenant_session(text, uuid, inet, jsonb, text, interval, interval, boolean)',
                  'public.update_tenant_session_activity(text, uuid, inet, interval)',
                  'public.terminate_tenant_session(text, uuid, text)',
                  'public.log_repeated_tenant_security_event(text, public.security_event_type, '
                    'public.security_severity, text, text, jsonb, text, uuid, integer)',
                  'audit.place_tenant_legal_hold(text, text, text)',
                  'audit.release_tenant_legal_hold(text, uuid, text)']) f \gexec

-- A workspace's retention lock (0087) where every node reaches it alike: a row of the tenant's shard. An
-- advisory lock stays with the node that takes it, and a legal hold is placed on the tenant's node (the
-- delegated door above) while erasure and retention run on the coordinator (found: none waited for another).
create table audit.retention_locks (chain text primary key);
select create_distributed_table('audit.retention_locks', 'chain', colocate_with => 'audit_logs');
-- Owned by the owner like the ledger's tables: a shard move creates a table's shard as its owner, and
-- skillhub_system may not create in audit (found: the move refused, "permission denied for schema audit").
grant select, insert, update on audit.retention_locks to skillhub_system;
create or replace function audit.lock_chain_retention(chain text) returns void
language plpgsql set search_path = '' as $$
begin
  insert into audit.retention_locks as l (chain) values (lock_chain_retention.chain) on conflict do nothing;
  perform from audit.retention_locks l where l.chain = lock_chain_retention.chain for update;
end
$$;

-- An event's personal values are opened inside a query on the ledger's shard, from the subject keys' shard
-- beside it: a query Citus runs only where nested execution is allowed (found: "cannot execute a
-- distributed query from a query on a shard", the audit trail's page). The setting goes with the function.
alter function audit.reveal_personal(jsonb) set citus.allow_nested_distributed_execution = on;

-- Completing a sign-up reads the users of every workspace (is this address a member anywhere?) and then
-- creates the workspace, a row of the reference table tenants: Citus refuses that write after a read it
-- ran over several connections at once ("cannot modify table tenants because there was a parallel
-- operation on a distributed table", found). One connection per node for the call's queries allows it.
alter function platform.complete_sign_up(text, text, text, inet, text) set citus.multi_shard_modify_mode = 'sequential';
