import { sql } from '@skillhub/db';
import { type AuditEventView, auditEventColumns } from './audit-event-query.ts';

/** What a reader shows for a personal field whose subject was erased. */
export const erasedMarker = 'erased';

/** One field of an event's envelope as `audit.reveal_personal` opens it (migration 0046). */
interface RevealedField {
  path: string[];
  value?: unknown;
  erased?: boolean;
}

/** {@link auditEventColumns} and the event's personal fields, opened for the current tenant. */
export const auditEventColumnsWithPersonal = sql`${auditEventColumns},
  audit.reveal_personal(personal) as "revealed"`;

/** A row read with {@link auditEventColumnsWithPersonal}. */
export type AuditEventRowWithPersonal = AuditEventView & { revealed?: RevealedField[] | null };

const revealedRecordParts = { metadata: 'metadata', old_record: 'oldRecord', new_record: 'newRecord' } as const;

/**
 * The event as its workspace reads it: each personal value put back where
 * it was captured, or {@link erasedMarker} where the subject's key was
 * destroyed. The database opens only the caller's own workspace's
 * envelopes, so this never reveals another tenant's values; the ledger
 * itself keeps only the ciphertext.
 */
export function openPersonalFields(row: AuditEventRowWithPersonal): AuditEventView {
  const { revealed, ...event } = row;
  if (!revealed || revealed.length === 0) return event;
  const opened: AuditEventView = {
    ...event,
    metadata: { ...event.metadata },
    oldRecord: event.oldRecord && { ...event.oldRecord },
    newRecord: event.newRecord && { ...event.newRecord },
  };
  for (const field of revealed) {
    const value = field.erased ? erasedMarker : field.value;
    const [part, name] = field.path;
    if (part === 'ip_address') {
      opened.ipAddress = typeof value === 'string' ? value.replace(/\/(32|128)$/, '') : null;
    } else if (part && name && Object.hasOwn(revealedRecordParts, part)) {
      const key = revealedRecordParts[part as keyof typeof revealedRecordParts];
      if (key === 'metadata') opened.metadata[name] = value;
      else opened[key] = { ...(opened[key] ?? {}), [name]: value };
    }
  }
  return opened;
}
