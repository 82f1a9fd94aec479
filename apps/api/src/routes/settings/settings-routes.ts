import { type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  readEffectiveSettings,
  readSettingsFor,
  requireCaller,
  SiteSettingsDocument,
  updateSiteSettings,
} from '@skillhub/core';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, guard, json, jsonBody } from '../../openapi/define-route.ts';
import { usersOrKeysWith } from '../../openapi/route-access.ts';
import { adminGuard } from '../../openapi/route-guards.ts';
import { inTenant } from '../in-tenant.ts';

const SettingsView = SiteSettingsDocument.partial({
  throttle: true,
  sessions: true,
  blocklist: true,
  allowlist: true,
  signUp: true,
})
  .describe('Admins see every section; other users and API keys see display name, logo and default visibility.')
  .openapi('SiteSettingsView');

const read = defineRoute({
  method: 'get',
  path: '/settings',
  tags: ['Settings'],
  summary: 'This workspace’s settings (throttle, sessions, lists and sign-up for admins only)',
  // Only the display name, logo and default visibility reach anyone but an admin: any key may read them.
  middleware: [guard(requireCaller, usersOrKeysWith('any'))] as const,
  responses: { 200: json(SettingsView, 'The settings the caller may see') },
});

const replace = defineRoute({
  method: 'put',
  path: '/settings',
  tags: ['Settings'],
  summary: 'Replace this workspace’s settings (admins); sections left out return to their defaults',
  middleware: [adminGuard('change workspace settings')] as const,
  request: { body: jsonBody(SiteSettingsDocument) },
  responses: {
    200: json(SiteSettingsDocument.extend({ changed: z.array(z.string()) }), 'The stored settings and what changed'),
  },
});

const EffectiveSetting = z
  .object({
    path: z.string().openapi({ description: 'Where it sits in the settings document' }),
    value: z.number().openapi({ description: 'In force now' }),
    default: z.number().openapi({ description: 'What applies when the workspace sets nothing' }),
    isDefault: z.boolean(),
  })
  .openapi('EffectiveSetting', {
    example: { path: 'throttle.windowMinutes', value: 15, default: 15, isDefault: true },
  });

const effective = defineRoute({
  method: 'get',
  path: '/settings/effective',
  tags: ['Settings'],
  summary: 'The throttle and session numbers in force, each with its default (admins)',
  middleware: [adminGuard('read effective settings')] as const,
  responses: { 200: json(z.object({ settings: z.array(EffectiveSetting) }), 'Each number setting') },
});

export function registerSettingsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(read, async (c) => {
    const auth = c.get('caller');
    return c.json(await inTenant(c, auth, (tx) => readSettingsFor(tx, auth)), 200);
  });

  app.openapi(effective, async (c) => {
    const settings = await inTenant(c, c.get('caller'), (tx) => readEffectiveSettings(tx, c.get('config')));
    return c.json({ settings }, 200);
  });

  app.openapi(replace, async (c) => {
    const body = c.req.valid('json');
    const { settings, changed } = await inTenant(c, c.get('caller'), (tx) => updateSiteSettings(tx, body));
    return c.json({ ...settings, changed }, 200);
  });
}
