-- platform.tally_security_event (0070) in PL/pgSQL, its last sighting taken from the proposed row. On a Citus
-- cluster the SQL function with parameters over a distributed table crashed the coordinator: Citus 13.2.2's
-- fast-path planner dereferenced a null in CheckAndBuildDelayedFastPathPlan (multi_router_planner.c:2087)
-- planning its insert from inside fmgr_sql, a segmentation fault that took every session of the coordinator
-- down with it, reached by any member who asked for another workspace's skill (the cross-tenant probe
-- tallies an access_blocked event in the owner's chain; found on the lab's cluster,
-- apps/api/test/citus-routes.test.ts). A PL/pgSQL body is planned like any statement (as 0075 found for
-- audit.stored_nodes), and Citus refuses a function that is not immutable in DO UPDATE SET, so now() there
-- becomes excluded.last_seen_at, the column's default: the same transaction time on one server.
create or replace function platform.tally_security_event(tenant text, event_type public.security_event_type, subject text,
  ip inet, target text) returns bigint
language plpgsql set search_path = '' as $$
declare
  seen bigint;
begin
  insert into public.security_event_tallies as t (tenant_id, window_start, event_type, subject, ip_address, target)
  values (coalesce(tenant, ''), pg_catalog.date_bin('5 minutes', pg_catalog.now(), timestamptz '2000-01-01 00:00:00+00'),
    event_type, pg_catalog.left(coalesce(subject, ''), 200), ip, pg_catalog.left(coalesce(target, ''), 200))
  on conflict on constraint security_event_tallies_key
  do update set occurrences = t.occurrences + 1, last_seen_at = excluded.last_seen_at
  returning t.occurrences into seen;
  return seen;
end
$$;
