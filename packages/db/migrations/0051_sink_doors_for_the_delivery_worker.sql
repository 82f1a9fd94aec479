-- The sink delivery doors answer the server's delivery worker only.
--
-- Leasing, reading and settling a sink's batches (0039, 0040, 0050) are
-- SECURITY DEFINER functions the runtime role may call, and until now any
-- statement of that role could: SQL injected into one workspace's request
-- could lease the deployment sink's chains, read any workspace's sealed
-- events through read_deployment_batch, take the operator's webhook signing
-- secret from the lease, and settle undelivered batches as delivered (the
-- operator's receiver would see a gap); or hold other workspaces' sinks
-- hostage by leasing them. A workspace's request must never reach another
-- workspace's data, injected SQL included.
--
-- Each door now first checks that the transaction carries a context the
-- server signed for its delivery worker (claim "k" = "sink-delivery",
-- verified and bound to the transaction like every tenant context, 0034).
-- The runtime role cannot sign one: the key is the server's. A request's
-- own context has no such claim, and a copy of the worker's opens nothing
-- outside the transaction it was signed for.
--
-- The functions keep their bodies: each is renamed `<name>_unguarded`,
-- executable by its owner only, behind a guarded function of the old name.
create function platform.assert_sink_delivery() returns void
language plpgsql stable security definer set search_path = '' as $$
begin
  if (platform.context_claims() ->> 'k') is distinct from 'sink-delivery' then
    raise exception 'only the server''s sink delivery worker may lease, read or settle sink batches'
      using errcode = 'insufficient_privilege',
            hint = 'Sinks are delivered by the server; replay or test them through the API or `skillhub sink`.';
  end if;
end
$$;
--> statement-breakpoint
alter function platform.assert_sink_delivery() owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.assert_sink_delivery() from public;
--> statement-breakpoint
alter function platform.lease_audit_sinks(integer, integer) rename to lease_audit_sinks_unguarded;
--> statement-breakpoint
alter function platform.lease_deployment_chains(integer, integer) rename to lease_deployment_chains_unguarded;
--> statement-breakpoint
alter function platform.read_deployment_batch(text, uuid, integer) rename to read_deployment_batch_unguarded;
--> statement-breakpoint
alter function platform.settle_deployment_batch(text, uuid, bigint, text, double precision, double precision)
  rename to settle_deployment_batch_unguarded;
--> statement-breakpoint
alter function platform.settle_deployment_attempt(text, uuid, text, bigint, bigint, integer, integer, integer, text,
  double precision, double precision) rename to settle_deployment_attempt_unguarded;
--> statement-breakpoint
alter function platform.prune_sink_history(integer, integer) rename to prune_sink_history_unguarded;
--> statement-breakpoint
revoke all on function platform.lease_audit_sinks_unguarded(integer, integer),
  platform.lease_deployment_chains_unguarded(integer, integer),
  platform.read_deployment_batch_unguarded(text, uuid, integer),
  platform.settle_deployment_batch_unguarded(text, uuid, bigint, text, double precision, double precision),
  platform.settle_deployment_attempt_unguarded(text, uuid, text, bigint, bigint, integer, integer, integer, text,
    double precision, double precision),
  platform.prune_sink_history_unguarded(integer, integer)
  from public, skillhub_app;
--> statement-breakpoint
create function platform.lease_audit_sinks(max_sinks integer, lease_seconds integer)
returns table (tenant_id text, sink_id uuid, lease_token uuid)
language plpgsql volatile security definer set search_path = '' as $$
begin
  perform platform.assert_sink_delivery();
  return query select * from platform.lease_audit_sinks_unguarded(max_sinks, lease_seconds);
end
$$;
--> statement-breakpoint
create function platform.lease_deployment_chains(max_chains integer, lease_seconds integer)
returns table (chain text, lease_token uuid, url text, format text, signing_secret text)
language plpgsql volatile security definer set search_path = '' as $$
begin
  perform platform.assert_sink_delivery();
  return query select * from platform.lease_deployment_chains_unguarded(max_chains, lease_seconds);
end
$$;
--> statement-breakpoint
create function platform.read_deployment_batch(leased_chain text, token uuid, batch_size integer)
returns jsonb
language plpgsql volatile security definer set search_path = '' as $$
begin
  perform platform.assert_sink_delivery();
  return platform.read_deployment_batch_unguarded(leased_chain, token, batch_size);
end
$$;
--> statement-breakpoint
create function platform.settle_deployment_batch(
  leased_chain text, token uuid, last_leaf bigint, failure text, retry_seconds double precision,
  pause_after_seconds double precision)
returns boolean
language plpgsql volatile security definer set search_path = '' as $$
begin
  perform platform.assert_sink_delivery();
  return platform.settle_deployment_batch_unguarded(leased_chain, token, last_leaf, failure, retry_seconds,
    pause_after_seconds);
end
$$;
--> statement-breakpoint
create function platform.settle_deployment_attempt(
  leased_chain text, token uuid, message_id text, first_leaf bigint, last_leaf bigint, event_count integer,
  status_code integer, latency_ms integer, failure text, retry_seconds double precision,
  pause_after_seconds double precision)
returns boolean
language plpgsql volatile security definer set search_path = '' as $$
begin
  perform platform.assert_sink_delivery();
  return platform.settle_deployment_attempt_unguarded(leased_chain, token, message_id, first_leaf, last_leaf,
    event_count, status_code, latency_ms, failure, retry_seconds, pause_after_seconds);
end
$$;
--> statement-breakpoint
create function platform.prune_sink_history(keep_days integer, keep_per_sink integer)
returns bigint
language plpgsql volatile security definer set search_path = '' as $$
begin
  perform platform.assert_sink_delivery();
  return platform.prune_sink_history_unguarded(keep_days, keep_per_sink);
end
$$;
--> statement-breakpoint
alter function platform.lease_audit_sinks(integer, integer) owner to skillhub_system;
--> statement-breakpoint
alter function platform.lease_deployment_chains(integer, integer) owner to skillhub_system;
--> statement-breakpoint
alter function platform.read_deployment_batch(text, uuid, integer) owner to skillhub_system;
--> statement-breakpoint
alter function platform.settle_deployment_batch(text, uuid, bigint, text, double precision, double precision)
  owner to skillhub_system;
--> statement-breakpoint
alter function platform.settle_deployment_attempt(text, uuid, text, bigint, bigint, integer, integer, integer, text,
  double precision, double precision) owner to skillhub_system;
--> statement-breakpoint
alter function platform.prune_sink_history(integer, integer) owner to skillhub_system;
--> statement-breakpoint
revoke all on function platform.lease_audit_sinks(integer, integer),
  platform.lease_deployment_chains(integer, integer),
  platform.read_deployment_batch(text, uuid, integer),
  platform.settle_deployment_batch(text, uuid, bigint, text, double precision, double precision),
  platform.settle_deployment_attempt(text, uuid, text, bigint, bigint, integer, integer, integer, text,
    double precision, double precision),
  platform.prune_sink_history(integer, integer)
  from public;
--> statement-breakpoint
grant execute on function platform.lease_audit_sinks(integer, integer),
  platform.lease_deployment_chains(integer, integer),
  platform.read_deployment_batch(text, uuid, integer),
  platform.settle_deployment_batch(text, uuid, bigint, text, double precision, double precision),
  platform.settle_deployment_attempt(text, uuid, text, bigint, bigint, integer, integer, integer, text,
    double precision, double precision),
  platform.prune_sink_history(integer, integer)
  to skillhub_app;
