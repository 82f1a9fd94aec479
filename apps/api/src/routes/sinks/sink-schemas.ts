import { z } from '@hono/zod-openapi';
import { sinkFormats } from '@skillhub/core';

const Leaf = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const AuditSink = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.literal('webhook'),
    url: z.string(),
    format: z.enum(sinkFormats),
    createdAt: z.string(),
    updatedAt: z.string(),
    deliveredThrough: z
      .number()
      .int()
      .openapi({ description: 'Leaf index of the last event the receiver acknowledged; -1: none yet' }),
    treeSize: z.number().int().openapi({ description: 'Sealed events in the workspace’s tree' }),
    lagEvents: z.number().int().openapi({ description: 'Sealed events not yet acknowledged' }),
    lagSeconds: z.number().openapi({ description: 'Age of the oldest sealed event not yet acknowledged' }),
    failures: z.number().int(),
    failingSince: z.string().nullable(),
    nextAttemptAt: z.string(),
    pausedAt: z.string().nullable(),
    pausedReason: z.string().nullable(),
  })
  .openapi('AuditSink');

export const CreateAuditSinkBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    url: z.string().min(1).max(2048).openapi({ example: 'https://siem.example.com/skillhub' }),
    format: z
      .enum(sinkFormats)
      .default('ocsf')
      .openapi({ description: 'ocsf: OCSF 1.1.0 events; jsonl: the ledger rows' }),
    fromLeaf: Leaf.optional().openapi({ description: 'First leaf index to deliver (default 0: the whole trail)' }),
  })
  .openapi('CreateAuditSink');

export const UpdateAuditSinkBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    url: z.string().min(1).max(2048).optional(),
    format: z.enum(sinkFormats).optional(),
    enabled: z.boolean().optional().openapi({ description: 'false pauses delivery; true resumes it at once' }),
  })
  .openapi('UpdateAuditSink');

export const ReplayAuditSinkBody = z.strictObject({ fromLeaf: Leaf }).openapi('ReplayAuditSink');

export const SinkAttempt = z
  .object({
    id: z.uuid(),
    attemptedAt: z.string(),
    webhookId: z.string(),
    firstLeaf: z.number().int().nullable(),
    lastLeaf: z.number().int().nullable(),
    eventCount: z.number().int(),
    statusCode: z.number().int().nullable(),
    latencyMs: z.number().int(),
    delivered: z.boolean(),
    error: z.string().nullable(),
  })
  .openapi('AuditSinkAttempt');

export const SinkAttemptsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export const SinkTestResult = z
  .object({
    webhookId: z.string(),
    statusCode: z.number().int().nullable(),
    latencyMs: z.number().int(),
    error: z.string().nullable(),
  })
  .openapi('AuditSinkTestResult');
