export * from './api-keys.ts';
export * from './audit-sinks.ts';
export * from './identity.ts';
export * from './invitations.ts';
export * from './site-settings.ts';
export * from './skills.ts';
export * from './tenants.ts';
export * from './users.ts';

/** The nine tables whose every row belongs to one tenant. */
export const tenantTableNames = [
  'users',
  'skills',
  'skill_versions',
  'ratings',
  'usage_events',
  'skill_embeddings',
  'skill_reviews',
  'api_keys',
  'site_settings',
] as const;
export type TenantTableName = (typeof tenantTableNames)[number];
