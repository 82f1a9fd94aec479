import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { inTenant, requireAuth, requireRole } from '../middleware/guards.ts';
import { readSiteSettings } from '../settings/read-site-settings.ts';
import { SiteSettingsDocument } from '../settings/site-settings-document.ts';
import { updateSiteSettings } from '../settings/update-site-settings.ts';
import { defineRoute, readBody } from './openapi-route.ts';

const SettingsView = SiteSettingsDocument.partial({ throttle: true, sessions: true, blocklist: true, allowlist: true })
  .describe('Admins see every section; other users and API keys see display name, logo and default visibility.')
  .openapi('SiteSettingsView');

export function registerSettingsRoutes(app: OpenAPIHono<AppEnv>): void {
  defineRoute(
    app,
    {
      method: 'get',
      path: '/settings',
      tag: 'Settings',
      summary: 'This workspace’s settings (throttle, sessions and lists for admins only)',
      response: SettingsView,
    },
    async (c) => {
      const auth = requireAuth(c);
      const settings = await inTenant(c, auth, readSiteSettings);
      if (auth.role === 'admin' || auth.role === 'owner') return c.json(settings);
      const { displayName, logoUrl, defaultVisibility } = settings;
      return c.json({ displayName, logoUrl, defaultVisibility });
    },
  );

  defineRoute(
    app,
    {
      method: 'put',
      path: '/settings',
      tag: 'Settings',
      summary: 'Replace this workspace’s settings (admins); sections left out return to their defaults',
      body: SiteSettingsDocument,
      response: SiteSettingsDocument.extend({ changed: z.array(z.string()) }),
    },
    async (c) => {
      const auth = await requireRole(c, 'admin', 'change workspace settings');
      const body = await readBody(c, SiteSettingsDocument);
      const { settings, changed } = await inTenant(c, auth, (tx) => updateSiteSettings(tx, body));
      return c.json({ ...settings, changed });
    },
  );
}
