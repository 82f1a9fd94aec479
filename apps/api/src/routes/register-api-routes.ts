import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { registerAuditRoutes } from './audit/audit-routes.ts';
import { registerErasureRoutes } from './audit/erasure-routes.ts';
import { registerProofRoutes } from './audit/proof-routes.ts';
import { registerSecurityEventRoutes } from './audit/security-event-routes.ts';
import { registerApiKeyRoutes } from './identity/api-key-routes.ts';
import { registerAuthRoutes } from './identity/auth-routes.ts';
import { registerInvitationRoutes } from './identity/invitation-routes.ts';
import { registerSessionRoutes } from './identity/session-routes.ts';
import { registerUserRoutes } from './identity/user-routes.ts';
import { registerPublicSkillRoutes } from './public/public-skill-routes.ts';
import { registerRetentionRoutes } from './retention/retention-routes.ts';
import { registerSettingsRoutes } from './settings/settings-routes.ts';
import { registerSinkRoutes } from './sinks/sink-routes.ts';
import { registerSkillActivityRoutes } from './skills/skill-activity-routes.ts';
import { registerSkillRoutes } from './skills/skill-routes.ts';
import { registerSkillVersionRoutes } from './skills/skill-version-routes.ts';

/** Every API route, one folder per domain; each file registers its own. */
export function registerApiRoutes(app: OpenAPIHono<AppEnv>): void {
  registerAuthRoutes(app);
  registerSessionRoutes(app);
  registerUserRoutes(app);
  registerInvitationRoutes(app);
  registerApiKeyRoutes(app);
  registerSecurityEventRoutes(app);
  registerAuditRoutes(app);
  registerProofRoutes(app);
  registerErasureRoutes(app);
  registerSinkRoutes(app);
  registerRetentionRoutes(app);
  registerSettingsRoutes(app);
  registerSkillRoutes(app);
  registerSkillVersionRoutes(app);
  registerSkillActivityRoutes(app);
  registerPublicSkillRoutes(app);
}
