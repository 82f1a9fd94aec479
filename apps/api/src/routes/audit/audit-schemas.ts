import { z } from '@hono/zod-openapi';
import { auditActionFamilies, bundleEventFormats, exportFormats } from '@skillhub/core';
import { securityEventTypes, securitySeverities } from '@skillhub/db';
import { IsoTime } from '../../openapi/iso-time.ts';

const ordered = (query: { from?: string | undefined; to?: string | undefined }) =>
  !query.from || !query.to || Date.parse(query.from) <= Date.parse(query.to);
const orderMessage = { message: '`from` must not be after `to`', path: ['from'] };

/** The filters the list, the counts and the export share. */
const filterFields = {
  actor: z.string().min(1).max(200).optional().openapi({ description: 'Actor id: a user id, API key id or component' }),
  action: z.string().min(1).max(100).optional().openapi({ example: 'skill.deleted' }),
  family: z.enum(auditActionFamilies).optional().openapi({
    description:
      'access: sign-in and security; catalog: skills and ratings; people: people and access; settings: workspace, settings and the audit trail; changes: row changes',
  }),
  resourceType: z.string().min(1).max(100).optional(),
  resourceId: z.string().min(1).max(200).optional(),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'Text found anywhere in the event: action, ids, address, metadata or changed records' }),
  hideUsage: z
    .enum(['true', 'false'])
    .optional()
    .transform((value) => value === 'true')
    .openapi({ description: 'true: leave out the row changes recorded for each use of a skill' }),
};

export const AuditEventsQuery = z
  .strictObject({
    ...filterFields,
    from: IsoTime.optional(),
    to: IsoTime.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(300).optional(),
  })
  .refine(ordered, orderMessage);

export const ExportQuery = z
  .strictObject({
    ...filterFields,
    format: z
      .enum([...exportFormats, 'bundle'])
      .default('jsonl')
      .openapi({
        description:
          'bundle: the evidence bundle (every event with its inclusion proof and the signed checkpoint; the filters and from/to do not apply)',
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

export const FamilyCounts = z
  .object(
    Object.fromEntries(auditActionFamilies.map((family) => [family, z.number().int()])) as {
      [F in (typeof auditActionFamilies)[number]]: z.ZodNumber;
    },
  )
  .openapi('AuditFamilyCounts');

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

export const NamedAuditEvent = AuditEvent.extend({
  actorName: z
    .string()
    .nullable()
    .openapi({ description: 'The acting user’s display name or the API key’s name; null for the system' }),
  subjectName: z
    .string()
    .nullable()
    .openapi({ description: 'The user the event is about (its metadata’s user_id), e.g. whose sign-in' }),
  resourceKind: z.enum(['user', 'api_key', 'skill', 'session', 'invitation']).nullable(),
  resourceName: z
    .string()
    .nullable()
    .openapi({ description: 'The resource’s name now, or as the event recorded it when it is gone' }),
  resourceExists: z.boolean().openapi({ description: 'Whether the resource is still there to link to' }),
}).openapi('NamedAuditEvent');

export const AuditEventsPage = z
  .object({
    events: z.array(NamedAuditEvent),
    nextCursor: z.string().nullable(),
    counts: z.union([FamilyCounts, z.null()]).openapi({
      description: 'Matching events per family (every filter but the family applied); on the first page only',
    }),
  })
  .openapi('AuditEventsPage');

const ChainHead = z.object({ position: z.number(), hash: z.string() });
const ChainBreak = z.object({
  kind: z.enum(['modified', 'missing', 'inserted', 'reordered', 'truncated', 'forged']),
  position: z.number().nullable(),
  eventId: z.string().nullable(),
  detail: z.string(),
});

export const AuditChainState = z
  .object({
    lastVerification: z
      .object({
        at: z.string(),
        by: z.string().nullable(),
        intact: z.boolean(),
        events: z.number(),
        head: ChainHead.nullable(),
        break: ChainBreak.nullable(),
      })
      .nullable()
      .openapi({ description: 'The latest recorded verification; null when the chain was never verified' }),
    sealed: z.object({
      events: z.number(),
      head: ChainHead.extend({ sealedAt: z.string() }).nullable(),
    }),
    unsealed: z.number().openapi({ description: 'Events the sealer has not reached yet' }),
    removed: z
      .array(z.object({ startLeaf: z.number(), endLeaf: z.number(), removedAt: z.string() }))
      .openapi({ description: 'Leaves [startLeaf, endLeaf) removed by policy, each under a signed retention record' }),
  })
  .openapi('AuditChainState');

export const AuditTrailStatus = z
  .object({
    verifiedAt: z.string(),
    intact: z.boolean(),
    events: z.number(),
    head: ChainHead.nullable(),
    unsealed: z.number(),
    break: ChainBreak.nullable(),
    removed: z
      .array(z.object({ startLeaf: z.number(), endLeaf: z.number(), removedAt: z.string(), record: z.string() }))
      .openapi({ description: 'Leaves [startLeaf, endLeaf) removed by policy under a signed retention record' }),
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
