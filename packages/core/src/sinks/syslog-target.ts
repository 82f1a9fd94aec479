/** Where a syslog sink sends: a host and port, over plain TCP or TLS. */
export interface SyslogTarget {
  host: string;
  port: number;
  tls: boolean;
}

/**
 * Reads `syslog://host:port` (TCP) or `syslog+tls://host:port` (TLS);
 * null for anything else (another scheme, no port, a path, credentials),
 * so an operator's typo is refused before anything is stored.
 */
export function parseSyslogTarget(url: string): SyslogTarget | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'syslog:' && parsed.protocol !== 'syslog+tls:') return null;
  if (parsed.port === '' || parsed.hostname === '') return null;
  if (parsed.username || parsed.password || parsed.search || parsed.hash) return null;
  if (parsed.pathname !== '' && parsed.pathname !== '/') return null;
  // URL keeps IPv6 literals bracketed; net.connect wants them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(parsed.port), tls: parsed.protocol === 'syslog+tls:' };
}
