/**
 * RFC 5424 messages and RFC 6587 octet-counting frames, written out by the
 * grammar of RFC 5424 section 6 (no syslog library on npm writes
 * STRUCTURED-DATA with its escaping and octet-counted TCP frames).
 */

/** One SD-ELEMENT: an SD-ID and its SD-PARAMs, in order. */
export interface StructuredDataElement {
  id: string;
  params: ReadonlyArray<readonly [name: string, value: string]>;
}

export interface SyslogMessage {
  /** 0-23; 13 is "log audit" (RFC 5424 table 1). */
  facility: number;
  /** 0-7; 5 is "notice". */
  severity: number;
  timestamp: Date;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: readonly StructuredDataElement[];
  /** Sent as MSG-UTF8 (with its BOM); empty for none. */
  message: string;
}

const nilValue = '-';
const byteOrderMark = '\uFEFF';

/**
 * A header field (HOSTNAME, APP-NAME, PROCID, MSGID): PRINTUSASCII only,
 * at most `maxLength` characters, NILVALUE when nothing printable is left.
 * Anything else (a space, a NUL byte, a non-ASCII letter) would shift every
 * field after it, so it is dropped rather than sent.
 */
export function headerField(value: string, maxLength: number): string {
  const printable = value.replace(/[^\x21-\x7e]/g, '').slice(0, maxLength);
  return printable === '' ? nilValue : printable;
}

/** An SD-NAME (SD-ID or PARAM-NAME): 1-32 PRINTUSASCII except '=', ' ', ']' and '"'; refused otherwise. */
function sdName(name: string): string {
  if (!/^[\x21-\x7e]{1,32}$/.test(name) || /[= \]"]/.test(name)) {
    throw new RangeError(`"${name}" is not an RFC 5424 SD-NAME`);
  }
  return name;
}

/** A PARAM-VALUE: '"', '\' and ']' MUST be escaped with a backslash (RFC 5424 section 6.3.3). */
export function escapeParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (character) => `\\${character}`);
}

function structuredData(elements: readonly StructuredDataElement[]): string {
  if (elements.length === 0) return nilValue;
  return elements
    .map(({ id, params }) => {
      const rendered = params.map(([name, value]) => ` ${sdName(name)}="${escapeParamValue(value)}"`).join('');
      return `[${sdName(id)}${rendered}]`;
    })
    .join('');
}

/** SYSLOG-MSG = HEADER SP STRUCTURED-DATA [SP MSG], as UTF-8 bytes. */
export function formatSyslogMessage(message: SyslogMessage): Buffer {
  if (!Number.isInteger(message.facility) || message.facility < 0 || message.facility > 23) {
    throw new RangeError('syslog facility is 0-23');
  }
  if (!Number.isInteger(message.severity) || message.severity < 0 || message.severity > 7) {
    throw new RangeError('syslog severity is 0-7');
  }
  const header = [
    `<${message.facility * 8 + message.severity}>1`,
    // FULL-DATE "T" FULL-TIME in UTC with milliseconds: within TIME-SECFRAC's six digits.
    message.timestamp.toISOString(),
    headerField(message.hostname, 255),
    headerField(message.appName, 48),
    headerField(message.procId, 128),
    headerField(message.msgId, 32),
  ].join(' ');
  const body = message.message === '' ? '' : ` ${byteOrderMark}${message.message}`;
  return Buffer.from(`${header} ${structuredData(message.structuredData)}${body}`, 'utf8');
}

/** RFC 6587 section 3.4.1: SYSLOG-FRAME = MSG-LEN SP SYSLOG-MSG, MSG-LEN counting octets. */
export function octetCountedFrame(message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${message.length} `, 'ascii'), message]);
}
