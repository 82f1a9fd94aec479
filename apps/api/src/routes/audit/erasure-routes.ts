import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { eraseDataSubject } from '@skillhub/core';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, json, jsonBody } from '../../openapi/define-route.ts';
import { adminGuard } from '../../openapi/route-guards.ts';
import { inTenant } from '../in-tenant.ts';

const ErasureBody = z
  .strictObject({
    subject: z.string().trim().min(1).max(320).openapi({
      description: 'The person: a user id or an email address (optionally prefixed user: or email:)',
      example: 'alice@example.com',
    }),
    dryRun: z.boolean().default(true).openapi({
      description: 'true (the default): report what would become unreadable and change nothing',
    }),
  })
  .openapi('ErasureRequest');

const ErasureReport = z
  .object({
    subject: z.string().openapi({ description: 'user:<id>, or email:<HMAC of the address>; never the address' }),
    subjects: z.array(z.string()).openapi({ description: 'Every subject whose key goes (an account and its address)' }),
    dryRun: z.boolean(),
    account: z.enum(['none', 'active', 'deactivated']).openapi({
      description: 'active: erasure is refused until the member is deactivated',
    }),
    events: z.number().int().openapi({ description: 'Audit events holding this person’s encrypted values' }),
    fields: z.array(z.string()).openapi({ description: 'Which fields, as part.name (new_record.email, ip_address)' }),
    eventsInClear: z.number().int().openapi({
      description:
        'Events written before personal values were encrypted that name the person: erasure cannot reach them',
    }),
    securityEvents: z.number().int(),
    sessions: z.number().int(),
    keys: z.number().int(),
  })
  .openapi('ErasureReport');

const erase = defineRoute({
  method: 'post',
  path: '/audit/erasures',
  tags: ['Audit'],
  summary: 'Erase a person’s data (crypto-shredding), or with dryRun see what would become unreadable (admins)',
  middleware: [adminGuard('erase a person’s data')] as const,
  request: { body: jsonBody(ErasureBody) },
  responses: { 200: json(ErasureReport, 'What was (or, in a dry run, would be) erased') },
});

export function registerErasureRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(erase, async (c) => {
    const input = c.req.valid('json');
    return c.json(await inTenant(c, c.get('caller'), () => eraseDataSubject(input)), 200);
  });
}
