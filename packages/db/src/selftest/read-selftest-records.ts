import { openClient } from '../open-client.ts';

/** A recorded self-test result, as the owner reads it back for verification. */
export interface SelftestRecord {
  /** The security event's id (system chain). */
  eventId: string;
  createdAt: Date;
  /** The event's details: the signed summary and its signature. */
  details: Record<string, unknown>;
  /** Where its audit twin sits in the system chain, or null while it is not sealed yet. */
  sealedAt: { chain: string; position: number } | null;
  /** The context key the signature names (`<id>:<hex>`, retired keys included), or null if none has that id. */
  key: string | null;
}

/**
 * As the owner: the newest self-test results recorded in the system chain
 * (security events whose details say `kind: isolation_selftest`), each with
 * the key its signature names and its seal. The owner is needed: the
 * runtime role reads neither the system chain nor the keys.
 */
export async function readSelftestRecords(ownerUrl: string, limit = 10): Promise<SelftestRecord[]> {
  const client = await openClient(ownerUrl);
  try {
    const { rows } = await client.query<{
      id: string;
      created_at: Date;
      details: Record<string, unknown>;
      chain: string | null;
      position: string | null;
      key: string | null;
    }>(
      `select e.id, e.created_at, e.details, s.chain, s.position,
              (select k.id || ':' || encode(k.secret, 'hex') from platform.context_keys k
                where k.id::text = e.details #>> '{signature,keyId}') as key
         from security_events e
         left join audit_logs twin on twin.resource_type = 'security_event' and twin.resource_id = e.id::text
         left join audit.seals s on s.event_id = twin.id
        where e.tenant_id = '' and e.details ->> 'kind' = 'isolation_selftest'
        order by e.created_at desc limit $1`,
      [limit],
    );
    return rows.map((r) => ({
      eventId: r.id,
      createdAt: new Date(r.created_at),
      details: r.details,
      sealedAt: r.chain === null ? null : { chain: r.chain, position: Number(r.position) },
      key: r.key,
    }));
  } finally {
    await client.end();
  }
}
