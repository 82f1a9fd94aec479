-- Step 3 of the Citus plan (docs/citus.md): a tenant context that holds on
-- the workers. On one server nothing changes: the binding of 0034 and the
-- tickets of 0060 stay as they are, and the branch added here is reached
-- only by a context that carries the claims of a distributed transaction.
--
-- On a Citus coordinator the server binds each transaction to what Citus
-- carries to every worker connection of it: the coordinator backend's global
-- pid (citus_backend_gpid) and the distributed transaction's number and
-- stamp (get_current_transaction_id, the initiator's on a worker). Citus
-- assigns them at a transaction's first distributed statement;
-- platform.distributed_binding runs one that reaches no shard right after
-- BEGIN, so the number is Citus's own (the coordinator stays the
-- transaction's originator, as its deadlock detection and two-phase commit
-- recovery expect) and known before the context is signed.
--
-- Any role may call assign_distributed_transaction_id by default, and the
-- run_command_on_* functions run any statement on the workers as the
-- caller: with them, SQL injected into a request could give its
-- transaction (or a worker connection of its own) the identity of an
-- earlier one and replay that transaction's context there.
-- platform.prepare_citus_node (below) keeps them, and the contexts of
-- other transactions, from the runtime role; the doctor checks it
-- (citus_distributed_binding).
create or replace function platform.context_claims() returns jsonb
language plpgsql stable as $$
declare
  token text := pg_catalog.current_setting('app.context', true);
  separator integer;
  payload text;
  secret bytea;
  claims jsonb;
  transaction_number text;
  stamp_us text;
begin
  if token is null or token = '' then
    return null;
  end if;
  -- <key id>:<hex HMAC-SHA256 of the payload>:<payload, JSON>. The key id is
  -- checked with translate (a regular expression cost more than the HMAC);
  -- the MAC is never decoded, only compared as text with the one computed
  -- here, so it needs no check of its own (that check was a fifth of this
  -- function's time).
  separator := pg_catalog.strpos(token, ':');
  if separator not between 2 and 10
     or pg_catalog.translate(pg_catalog.substr(token, 1, separator - 1), '0123456789', '') <> ''
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
  if pg_catalog.encode(public.hmac(pg_catalog.convert_to(payload, 'UTF8'), secret, 'sha256'), 'hex')
     <> pg_catalog.substr(token, separator + 1, 64) then
    raise exception 'the tenant context does not verify: it was not signed with key %',
        pg_catalog.substr(token, 1, separator - 1)
      using errcode = 'insufficient_privilege',
            hint = 'A context is signed by the server; it cannot be written or edited in SQL.';
  end if;
  claims := payload::jsonb;
  -- g, x and xs: on a Citus cluster (step 3 of docs/citus.md), the distributed
  -- transaction: the coordinator backend's global pid and the transaction
  -- number and stamp Citus assigned it, which every worker connection of the
  -- transaction carries (get_current_transaction_id on a worker reports the
  -- initiator's). A worker's own backend and now() are its own, so p, s and n
  -- cannot be checked there. The number comes from Citus's counter on the
  -- coordinator and the stamp from its clock, so no two transactions share
  -- both; the runtime role cannot set them (platform.distributed_binding
  -- revokes assign_distributed_transaction_id from it on the coordinator).
  if claims ? 'g' then
    if pg_catalog.to_regprocedure('pg_catalog.get_current_transaction_id()') is null then
      raise exception 'the tenant context was issued for a distributed transaction, and this database is not a Citus node'
        using errcode = 'insufficient_privilege',
              hint = 'A context is valid only in the transaction it was signed for: withTenant signs one per transaction.';
    end if;
    select t.transaction_number::text, (extract(epoch from t.transaction_stamp) * 1000000)::bigint::text
      into transaction_number, stamp_us
    from pg_catalog.get_current_transaction_id() t;
    if transaction_number = '0'
       or claims ->> 'g' is distinct from pg_catalog.citus_backend_gpid()::text
       or claims ->> 'x' is distinct from transaction_number
       or claims ->> 'xs' is distinct from stamp_us then
      raise exception 'the tenant context was issued for another distributed transaction (number %), not this one',
          claims ->> 'x'
        using errcode = 'insufficient_privilege',
              hint = 'A context is valid only in the transaction it was signed for: withTenant signs one per transaction.';
    end if;
    return claims;
  end if;
  -- p: the backend that runs the transaction. Then either s, the
  -- transaction's start in microseconds since the epoch (BEGIN reported it),
  -- or n and b, the ticket this session was issued at the end of its last
  -- transaction and the server's start in microseconds (the ticket's
  -- sequence is unlogged and starts over after a crash; a restart changes
  -- b). All as text, compared exactly.
  if claims ->> 'p' is distinct from pg_catalog.pg_backend_pid()::text then
    raise exception 'the tenant context was issued for another transaction (on backend %), not this one', claims ->> 'p'
      using errcode = 'insufficient_privilege',
            hint = 'A context is valid only in the transaction it was signed for: withTenant signs one per transaction.';
  end if;
  if claims ? 'n' then
    if claims ->> 'b' is distinct from
         (extract(epoch from pg_catalog.pg_postmaster_start_time()) * 1000000)::bigint::text
       or claims ->> 'n' is distinct from pg_catalog.currval('platform.context_ticket'::pg_catalog.regclass)::text then
      raise exception 'the tenant context was issued for another transaction (ticket %, no longer this session''s), not this one',
          claims ->> 'n'
        using errcode = 'insufficient_privilege',
              hint = 'A context is valid only in the transaction it was signed for: withTenant signs one per transaction.';
    end if;
  elsif claims ->> 's' is distinct from (extract(epoch from pg_catalog.now()) * 1000000)::bigint::text then
    raise exception 'the tenant context was issued for another transaction (begun at % µs), not this one',
        claims ->> 's'
      using errcode = 'insufficient_privilege',
            hint = 'A context is valid only in the transaction it was signed for: withTenant signs one per transaction.';
  end if;
  return claims;
end
$$;

--> statement-breakpoint
-- The binding of the distributed transaction just begun, for the server to
-- sign its context for (null columns where this is not a Citus coordinator
-- with a distributed table the caller may read). Security invoker: every
-- function it calls is the caller's to call.
create function platform.distributed_binding(out pid integer, out gpid text, out transaction_number text, out stamp_us text)
language plpgsql volatile set search_path = '' as $$
declare
  probe regclass;
begin
  if pg_catalog.to_regclass('pg_catalog.pg_dist_partition') is null then
    return;
  end if;
  -- users first: every converted cluster distributes it, and nothing drops it.
  select p.logicalrelid into probe from pg_catalog.pg_dist_partition p
  where p.partmethod = 'h' and pg_catalog.has_table_privilege(p.logicalrelid, 'select')
  order by p.logicalrelid = 'public.users'::regclass desc, p.logicalrelid limit 1;
  if probe is null then
    return;
  end if;
  -- A distributed statement that reaches no shard: Citus starts the
  -- coordinated transaction and assigns its number, and opens no connection.
  execute pg_catalog.format('select from %s where false', probe);
  select pg_catalog.pg_backend_pid(), pg_catalog.citus_backend_gpid()::text, t.transaction_number::text,
         (extract(epoch from t.transaction_stamp) * 1000000)::bigint::text
    into pid, gpid, transaction_number, stamp_us
  from pg_catalog.get_current_transaction_id() t;
end
$$;
--> statement-breakpoint
revoke all on function platform.distributed_binding() from public;
--> statement-breakpoint
grant execute on function platform.distributed_binding() to skillhub_app;
--> statement-breakpoint
-- The Citus functions that would let the runtime role choose its
-- transaction's distributed identity or run statements on the workers,
-- as regprocedure prints them; platform.prepare_citus_node revokes each
-- that exists, the doctor checks them.
create function platform.citus_functions_kept_from_public() returns text[]
language sql immutable set search_path = '' as $$
  select array['assign_distributed_transaction_id(integer,bigint,timestamp with time zone)',
               'run_command_on_workers(text,boolean)',
               'run_command_on_placements(regclass,text,boolean)',
               'run_command_on_colocated_placements(regclass,regclass,text,boolean)',
               'run_command_on_shards(regclass,text,boolean)',
               'run_command_on_all_nodes(text,boolean,boolean)',
               'run_command_on_coordinator(text,boolean)',
               'master_run_on_worker(text[],integer[],text[],boolean)',
               'citus_run_local_command(text)']
$$;
--> statement-breakpoint
-- What a Citus cluster needs before its tenant contexts can be trusted, run
-- on the coordinator as the owner: by this migration where Citus is
-- installed, by `skillhub migrate` with the runtime role's name, and by hand
-- where Citus came later (the doctor names it).
--
-- A context is bound to its distributed transaction, but on a worker the
-- runtime role can make that binding say anything once it has a session of
-- its own there: assign_distributed_transaction_id stays granted on the
-- workers (the connections Citus opens to them as the runtime role call
-- it), and an application_name of 'citus_internal gpid=N' sets the global
-- pid. So the binding holds only with two things kept from the runtime
-- role: a session of its own on a worker (master_run_on_worker and the
-- run_command_on_* family, called on the coordinator or pushed down to a
-- worker inside a query, open one; so do direct connections, which the
-- workers' pg_hba.conf must refuse but from the coordinator), and any
-- other transaction's context to replay there (SET LOCAL puts it in
-- pg_stat_activity as a literal, where every session of the same role
-- reads it: the runtime role gets track_activities = off, a setting only a
-- superuser may change, on every node through Citus's role propagation).
-- And platform.context_claims may read platform.context_keys inside a
-- shard's query: the keys are a reference table on Citus (a copy on every
-- node, rotated once on the coordinator), and Citus refuses any read of a
-- distributed or reference table within a task on a shard unless
-- citus.allow_nested_distributed_execution is on; set on the function
-- alone, it covers that one local read, and nothing else the query does.
create function platform.prepare_citus_node(runtime_role text default null) returns integer
language plpgsql set search_path = '' as $$
declare
  fn text;
  failed text;
  revoked integer := 0;
begin
  if pg_catalog.to_regprocedure('pg_catalog.get_current_transaction_id()') is null then
    return 0;
  end if;
  foreach fn in array platform.citus_functions_kept_from_public() loop
    if pg_catalog.to_regprocedure('pg_catalog.' || fn) is not null then
      execute pg_catalog.format('revoke execute on function pg_catalog.%s from public', fn);
      revoked := revoked + 1;
      if not pg_catalog.starts_with(fn, 'assign_distributed_transaction_id(') then
        select pg_catalog.string_agg(r.nodename || ':' || r.nodeport || ' ' || r.result, '; ') into failed
        from pg_catalog.run_command_on_workers(
          pg_catalog.format('revoke execute on function pg_catalog.%s from public', fn)) r
        where not r.success;
        if failed is not null then
          raise exception 'revoking % on the workers failed: %', fn, failed;
        end if;
      end if;
    end if;
  end loop;
  alter function platform.context_claims() set citus.allow_nested_distributed_execution = on;
  if runtime_role is not null then
    execute pg_catalog.format('alter role %I set track_activities = off', runtime_role);
  end if;
  return revoked;
end
$$;
--> statement-breakpoint
revoke all on function platform.prepare_citus_node(text) from public;
--> statement-breakpoint
select platform.prepare_citus_node();
