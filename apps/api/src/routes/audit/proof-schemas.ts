import { z } from '@hono/zod-openapi';

/** A tree size: a positive decimal integer, at most 2^53 - 1. */
const TreeSize = z.coerce
  .number()
  .int()
  .min(1)
  .max(Number.MAX_SAFE_INTEGER)
  .openapi({ type: 'integer', example: 1024 });

const Base64Hash = z.string().openapi({ description: 'SHA-256, standard base64', example: 'J9Jt…=' });

export const AuditCheckpoint = z
  .object({
    origin: z.string().openapi({ example: 'skillhub.example/audit/3f1c…' }),
    tree_size: z.number().int(),
    root_hash: Base64Hash,
    checkpoint: z.string().openapi({ description: 'The C2SP tlog-checkpoint signed note, exactly as signed' }),
    key_id: z.string().openapi({ description: '8 hex digits', example: '1a2b3c4d' }),
    key_name: z.string(),
    created_at: z.string(),
  })
  .openapi('AuditCheckpoint');

export const EventProofParams = z.strictObject({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

export const EventProofQuery = z.strictObject({
  tree_size: TreeSize.optional().openapi({ description: 'A signed checkpoint’s size; default the latest' }),
});

export const AuditInclusionProof = z
  .object({
    leaf_index: z.number().int(),
    tree_size: z.number().int(),
    canonical: z
      .string()
      .openapi({ description: 'The event’s canonical text: leaf hash = SHA-256(0x00 ‖ UTF-8 bytes)' }),
    proof: z.array(Base64Hash).openapi({ description: 'RFC 9162 §2.1.3 audit path, from the leaf upward' }),
    checkpoint: AuditCheckpoint,
  })
  .openapi('AuditInclusionProof');

export const ConsistencyQuery = z
  .strictObject({ from: TreeSize, to: TreeSize })
  .refine((q) => q.from <= q.to, { message: '`from` must not be larger than `to`', path: ['from'] });

export const AuditConsistencyProof = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    proof: z.array(Base64Hash).openapi({ description: 'RFC 9162 §2.1.4 consistency proof' }),
  })
  .openapi('AuditConsistencyProof');

export const CheckpointKeys = z
  .object({
    keys: z.array(
      z.object({
        key_name: z.string(),
        key_id: z.string(),
        vkey: z.string().openapi({ description: '<name>+<key id>+<base64(0x01 ‖ public key)>, as Go’s note package' }),
        public_key: z.string().openapi({ description: 'Raw 32-byte Ed25519 public key, standard base64' }),
        current: z.boolean(),
      }),
    ),
  })
  .openapi('CheckpointKeys');
