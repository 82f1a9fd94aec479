-- Step one of three: the column exists but may still be empty, so the
-- running single-tenant application keeps working while it is backfilled.
alter table users add column tenant_id text;
--> statement-breakpoint
alter table skills add column tenant_id text;
--> statement-breakpoint
alter table skill_versions add column tenant_id text;
--> statement-breakpoint
alter table ratings add column tenant_id text;
--> statement-breakpoint
alter table api_keys add column tenant_id text;
--> statement-breakpoint
alter table usage_events add column tenant_id text;
--> statement-breakpoint
alter table skill_embeddings add column tenant_id text;
--> statement-breakpoint
alter table skill_reviews add column tenant_id text;
--> statement-breakpoint
alter table site_settings add column tenant_id text;
