import { z } from '@hono/zod-openapi';
import { bundleEventFormats, exportFormats } from '@skillhub/core';
import { securityEventTypes, securitySeverities } from '@skillhub/db';
import { IsoTime } from '../../openapi/iso-time.ts';

const ordered = (query: { from?: string | undefined; to?: string | undefined }) =>
  !query.from || !query.to || Date.parse(query.from) <= Date.parse(query.to);
const orderMessage = { message: '`from` must not be after `to`', path: ['from'] };

export const AuditEventsQuery = z
  .strictObject({
    actor: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: 'Actor id: a user id, API key id or component' }),
    action: z.string().min(1).max(100).optional().openapi({ example: 'skill.deleted' }),
    resourceType: z.string().min(1).max(100).optional(),
    resourceId: z.string().min(1).max(200).optional(),
    from: IsoTime.optional(),
    to: IsoTime.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(300).optional(),
  })
  .refine(ordered, orderMessage);

export const ExportQuery = z
  .strictObject({
    format: z
      .enum([...exportFormats, 'bundle'])
      .default('jsonl')
      .openapi({
        description:
          'bundle: the evidence bundle (every event with its inclusion proof and the signed checkpoint; from/to do not apply)',
      }),
    events: z
      .enum(bundleEventFormats)
      .optional()
      .openapi({ description: 'format=bundle only: the events’ readable form, JSON Lines fields (default) or OCSF' }),
    from: IsoTime.optional().openapi({ description: 'Default: 30 days before `to`' }),
    to: IsoTime.optional().openapi({ description: 'Default: now; at most 366 days after `from`' }),
  })
  .refine(ordered, orderMessage);

export const VerifyQuery = z.strictObject({});

export const AuditEvent = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    actorType: z.string(),
    actorId: z.string().nullable(),
    action: z.string(),
    resourceType: z.string().nullable(),
    resourceId: z.string().nullable(),
    ipAddress: z.string().nullable(),
    requestId: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    operation: z.string().nullable(),
    tableName: z.string().nullable(),
    oldRecord: z.record(z.string(), z.unknown()).nullable(),
    newRecord: z.record(z.string(), z.unknown()).nullable(),
    changedFields: z.array(z.string()).nullable(),
    createdAt: z.string().openapi({ description: 'ISO 8601 with microseconds' }),
  })
  .openapi('AuditEvent');

export const AuditTrailStatus = z
  .object({
    intact: z.boolean(),
    events: z.number(),
    head: z.object({ position: z.number(), hash: z.string() }).nullable(),
    unsealed: z.number(),
    break: z
      .object({
        kind: z.enum(['modified', 'missing', 'inserted', 'reordered', 'truncated']),
        position: z.number().nullable(),
        eventId: z.string().nullable(),
        detail: z.string(),
      })
      .nullable(),
  })
  .openapi('AuditTrailStatus');

export const SecurityEventsQuery = z
  .strictObject({
    type: z.enum(securityEventTypes).optional(),
    severity: z.enum(securitySeverities).optional(),
    userId: z.uuid().optional(),
    since: IsoTime.optional().openapi({ description: 'Events at or after this instant' }),
    until: IsoTime.optional().openapi({ description: 'Events at or before this instant' }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(300).optional(),
  })
  .refine((q) => !q.since || !q.until || Date.parse(q.since) <= Date.parse(q.until), {
    message: '`since` must not be after `until`',
    path: ['since'],
  });

export const SecurityEvent = z
  .object({
    id: z.string(),
    eventType: z.enum(securityEventTypes),
    severity: z.string(),
    userId: z.string().nullable(),
    email: z.string().nullable(),
    ipAddress: z.string().nullable(),
    sessionId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .openapi('SecurityEvent');
