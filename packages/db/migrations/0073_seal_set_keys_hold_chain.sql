-- Citus step 6, the seal set's keys: every unique key of the tables sealing writes holds the column they
-- would be distributed by (docs/citus.md), as 0071 did for the ledger. A shard can enforce only what lies
-- inside it, and Citus refuses a unique key without its distribution column (found on the lab cluster).
--
-- audit.seals is distributed by chain: an event is sealed once in its chain. Event ids are
-- gen_random_uuid() defaults no door lets a caller choose, and an event belongs to one chain, so the key
-- (event_id, chain) refuses what (event_id) refused; every probe by event id reads its prefix.
alter table audit.seals drop constraint seals_event_id_key;
--> statement-breakpoint
alter table audit.seals add constraint seals_event_id_key unique (event_id, chain);
--> statement-breakpoint
-- audit.refused_events is distributed by named_tenant, beside the chain its event claimed. Sealing refuses
-- only an event that names a tenant that does not exist (audit.seal_pending since 0023: never one of the
-- system chain), so no row has a null here; not null says so, and makes it a distribution column.
alter table audit.refused_events alter column named_tenant set not null;
--> statement-breakpoint
alter table audit.refused_events drop constraint refused_events_pkey;
--> statement-breakpoint
alter table audit.refused_events add constraint refused_events_pkey primary key (event_id, named_tenant);
