import type { AuditEventView } from './audit-event-query.ts';
import { toOcsfEvent } from './ocsf-event.ts';

export const exportFormats = ['jsonl', 'csv', 'ocsf'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** How one format writes a stream of events: a head, batches, a tail. */
export interface ExportEncoder {
  contentType: string;
  fileExtension: string;
  head(): string;
  /** `written` counts the events already encoded (so a separator can go before all but the first). */
  batch(events: AuditEventView[], written: number): string;
  tail(): string;
}

const csvColumns: [string, (e: AuditEventView) => unknown][] = [
  ['id', (e) => e.id],
  ['created_at', (e) => e.createdAt],
  ['tenant_id', (e) => e.tenantId],
  ['actor_type', (e) => e.actorType],
  ['actor_id', (e) => e.actorId],
  ['action', (e) => e.action],
  ['resource_type', (e) => e.resourceType],
  ['resource_id', (e) => e.resourceId],
  ['ip_address', (e) => e.ipAddress],
  ['request_id', (e) => e.requestId],
  ['operation', (e) => e.operation],
  ['table_name', (e) => e.tableName],
  ['changed_fields', (e) => e.changedFields?.join(' ')],
  ['metadata', (e) => e.metadata],
  ['old_record', (e) => e.oldRecord],
  ['new_record', (e) => e.newRecord],
];

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, comma or line
 * break, quotes doubled; objects as JSON. A text that a spreadsheet would
 * run as a formula (leading = + - @, tab or carriage return) is prefixed
 * with a quote mark, the OWASP guard against CSV injection: request ids and
 * actor names come from callers.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let field = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(field)) field = `'${field}`;
  return /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

const csvLine = (fields: unknown[]) => `${fields.map(csvField).join(',')}\r\n`;

export const exportEncoders: Record<ExportFormat, ExportEncoder> = {
  jsonl: {
    contentType: 'application/x-ndjson; charset=utf-8',
    fileExtension: 'jsonl',
    head: () => '',
    batch: (events) => events.map((e) => `${JSON.stringify(e)}\n`).join(''),
    tail: () => '',
  },
  csv: {
    contentType: 'text/csv; charset=utf-8',
    fileExtension: 'csv',
    head: () => csvLine(csvColumns.map(([name]) => name)),
    batch: (events) => events.map((e) => csvLine(csvColumns.map(([, read]) => read(e)))).join(''),
    tail: () => '',
  },
  // One JSON array: a cut-off transfer cannot parse as a whole export.
  ocsf: {
    contentType: 'application/json; charset=utf-8',
    fileExtension: 'ocsf.json',
    head: () => '[\n',
    batch: (events, written) =>
      events.map((e, i) => `${written + i > 0 ? ',\n' : ''}${JSON.stringify(toOcsfEvent(e))}`).join(''),
    tail: () => '\n]\n',
  },
};
