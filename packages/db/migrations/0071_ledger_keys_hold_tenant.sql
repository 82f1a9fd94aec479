-- Step 6 of the Citus plan (docs/citus.md), the part one server needs now
-- that the ledger's tenant_id is not null (0070): every unique key of
-- audit_logs and security_events includes tenant_id, as a shard can
-- enforce only a key that holds its distribution column (the doctor's
-- citus_keys). The key's columns keep their order and tenant_id comes
-- last: every probe by event id, and by event id and month (sealing,
-- verification, the month doors), still reads a prefix of the key, so no
-- plan changes; Citus needs the column in the key, not first. Each month's
-- key index is rebuilt under the tables' exclusive lock.
--
-- An event id is unique per workspace and month now rather than per
-- month. Ids are gen_random_uuid() defaults that no door lets a caller
-- choose, and verification reports a second row under a sealed event's id
-- as inserted wherever it is.
alter table public.audit_logs drop constraint audit_logs_pkey,
  add constraint audit_logs_pkey primary key (id, created_at, tenant_id);
--> statement-breakpoint
alter table public.security_events drop constraint security_events_pkey,
  add constraint security_events_pkey primary key (id, created_at, tenant_id);
