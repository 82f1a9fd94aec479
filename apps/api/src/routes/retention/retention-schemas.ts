import { z } from '@hono/zod-openapi';

export const RetentionPolicyView = z
  .object({
    keepDays: z.number().int().nullable().openapi({ description: 'Days the workspace asked to keep; null: forever' }),
    effectiveDays: z.number().int().nullable().openapi({ description: 'What retention applies, within the bounds' }),
    minDays: z.number().int().openapi({ description: 'The deployment’s least number of days' }),
    maxDays: z.number().int().nullable().openapi({ description: 'The deployment’s most, when it sets one' }),
  })
  .openapi('RetentionPolicy');

export const LegalHoldView = z
  .object({
    id: z.string(),
    subject: z.string().nullable().openapi({ description: 'A user id or an email; null holds the whole workspace' }),
    reason: z.string(),
    placedBy: z.string(),
    placedAt: z.string(),
    releasedAt: z.string().nullable(),
    releasedBy: z.string().nullable(),
    releaseReason: z.string().nullable(),
  })
  .openapi('LegalHold');

export const RetentionRecordView = z
  .object({
    startLeaf: z.number().int(),
    endLeaf: z.number().int().openapi({ description: 'Leaves [startLeaf, endLeaf) were removed' }),
    removedAt: z.string(),
    keepDays: z.number().int(),
    cutoff: z.string(),
    checkpointSize: z.number().int(),
    eventsRemoved: z.number().int(),
    keyId: z.string(),
    note: z.string().openapi({
      description:
        'The record as signed (C2SP signed note): check it with the keys at /.well-known/skillhub/checkpoint-keys',
    }),
  })
  .openapi('RetentionRecord');

export const RetentionState = z
  .object({
    policy: RetentionPolicyView,
    holds: z.array(LegalHoldView),
    records: z.array(RetentionRecordView),
  })
  .openapi('RetentionState');

export const SetRetentionPolicyBody = z
  .object({
    keepDays: z
      .number()
      .int()
      .min(1)
      .max(36_500)
      .nullable()
      .openapi({ description: 'Days to keep audit events; null keeps them forever' }),
  })
  .strict()
  .openapi('SetRetentionPolicy');

export const PlaceLegalHoldBody = z
  .object({
    subject: z
      .string()
      .max(320)
      .nullable()
      .optional()
      .openapi({ description: 'A user id or an email; omit to hold everything' }),
    reason: z.string().min(1).max(1000),
  })
  .strict()
  .openapi('PlaceLegalHold');

export const ReleaseLegalHoldBody = z
  .object({ reason: z.string().min(1).max(1000) })
  .strict()
  .openapi('ReleaseLegalHold');
