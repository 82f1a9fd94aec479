import { toOcsfEvent } from '../audit/ocsf-event.ts';
import type { SealedEvent, SinkCheckpoint, SinkFormat } from './sink-payload.ts';
import { formatSyslogMessage, octetCountedFrame, type StructuredDataElement } from './syslog-message.ts';

/**
 * The SD-ID of Skillhub's structured data. A custom SD-ID needs an
 * enterprise number (RFC 5424 section 7.2.2); 32473 is the one reserved
 * for documentation and examples (RFC 5612) until the project registers its own.
 */
export const skillhubSdId = 'skillhub@32473';

/** "log audit" (RFC 5424 table 1): the facility receivers file audit trails under. */
const logAuditFacility = 13;
const noticeSeverity = 5;

export interface SyslogBatchSource {
  /** The chain's key: a tenant id, or '' for the system chain (sent as chain=""). */
  chain: string;
  format: SinkFormat;
  hostname: string;
}

/**
 * One frame per event, then one for the chain's latest signed checkpoint.
 * Each event's STRUCTURED-DATA names its chain and leaf index, so a
 * receiver detects a gap or a duplicate per chain without trusting us; the
 * checkpoint frame (MSGID "checkpoint") carries the signed note as its
 * message, a tree head the receiver keeps outside our database.
 */
export function syslogBatchFrames(
  source: SyslogBatchSource,
  events: readonly SealedEvent[],
  checkpoint: SinkCheckpoint | null,
  at: Date,
): Buffer[] {
  const frame = (msgId: string, params: StructuredDataElement['params'], message: string) =>
    skillhubFrame(source.hostname, at, msgId, params, message);
  const encode = source.format === 'ocsf' ? toOcsfEvent : (event: SealedEvent['event']) => event;
  const frames = events.map((sealed) =>
    frame(
      'audit',
      [
        ['chain', source.chain],
        ['leaf', String(sealed.leafIndex)],
      ],
      JSON.stringify(encode(sealed.event)),
    ),
  );
  if (checkpoint) {
    frames.push(
      frame(
        'checkpoint',
        [
          ['chain', source.chain],
          ['tree_size', String(checkpoint.treeSize)],
        ],
        checkpoint.note,
      ),
    );
  }
  return frames;
}

/** One octet-counted RFC 5424 frame under Skillhub's SD-ID, facility "log audit", severity notice. */
export function skillhubFrame(
  hostname: string,
  at: Date,
  msgId: string,
  params: StructuredDataElement['params'],
  message: string,
): Buffer {
  return octetCountedFrame(
    formatSyslogMessage({
      facility: logAuditFacility,
      severity: noticeSeverity,
      timestamp: at,
      hostname,
      appName: 'skillhub',
      procId: String(process.pid),
      msgId,
      structuredData: [{ id: skillhubSdId, params }],
      message,
    }),
  );
}
