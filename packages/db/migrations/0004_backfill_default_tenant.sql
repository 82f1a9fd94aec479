-- Step two: every existing row belongs to the default tenant.
update users set tenant_id = 'default' where tenant_id is null;
--> statement-breakpoint
update skills set tenant_id = 'default' where tenant_id is null;
--> statement-breakpoint
update skill_versions set tenant_id = 'default' where tenant_id is null;
--> statement-breakpoint
update ratings set tenant_id = 'default' where tenant_id is null;
--> statement-breakpoint
update api_keys set tenant_id = 'default' where tenant_id is null;
--> statement-breakpoint
update usage_events set tenant_id = 'default' where tenant_id is null;
--> statement-breakpoint
update skill_embeddings set tenant_id = 'default' where tenant_id is null;
--> statement-breakpoint
update skill_reviews set tenant_id = 'default' where tenant_id is null;
--> statement-breakpoint
update site_settings set tenant_id = 'default' where tenant_id is null;
