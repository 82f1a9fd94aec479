import { api } from '../api/client.ts';
import type { SecurityEvent } from '../api/types.ts';

const pageSize = 200;

export interface SecurityWindow {
  events: SecurityEvent[];
  since: string;
  /** More events happened in the window than were read. */
  truncated: boolean;
}

/** The workspace's security events of the last `days` days, newest first, at most `max`. */
export async function loadSecurityEvents(days: number, max: number): Promise<SecurityWindow> {
  const since = new Date(Date.now() - days * 86_400_000).toISOString();
  const events: SecurityEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await api<{ events: SecurityEvent[]; nextCursor: string | null }>('/security-events', {
      query: { since, limit: pageSize, cursor },
    });
    events.push(...page.events);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && events.length < max);
  return { events: events.slice(0, max), since, truncated: cursor !== undefined };
}
