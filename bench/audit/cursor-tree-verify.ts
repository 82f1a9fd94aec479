import { createHash } from 'node:crypto';
import type { RawPool } from '@skillhub/db/bench';
import { processCpuSeconds } from './process-cpu.ts';

/**
 * The baseline of full tree verification: how it read events before, each
 * canonical text built by PostgreSQL (`audit.canonical_text`, a jsonb array
 * rebuilt and printed per event) and fetched through a cursor 5,000 rows
 * at a time, the leaf hashed in Node and compared with the stored one.
 * Returns the leaves checked and the CPU seconds its backend spent.
 */
export async function verifyTreeThroughCursor(
  owner: RawPool,
  chain: string,
  size: number,
): Promise<{ checked: number; backendCpu: number }> {
  const client = await owner.connect();
  try {
    const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? 0;
    const cpuBefore = await processCpuSeconds(pid);
    await client.query('begin isolation level repeatable read read only');
    await client.query(
      `declare leaves no scroll cursor for
       select s.position - 1 as leaf_index, s.leaf_hash, audit.canonical_text(l) as canonical
       from audit.seals s left join lateral (select l.* from audit_logs l where l.id = s.event_id) l on true
       where s.chain = $1 and s.position <= $2 order by s.position`,
      [chain, size],
    );
    let checked = 0;
    for (;;) {
      const { rows } = await client.query<{ leaf_hash: Buffer; canonical: string }>('fetch 5000 from leaves');
      if (rows.length === 0) break;
      for (const row of rows) {
        const leaf = createHash('sha256').update(Buffer.of(0)).update(row.canonical, 'utf8').digest();
        if (!leaf.equals(row.leaf_hash)) throw new Error(`leaf ${checked} does not verify`);
        checked += 1;
      }
    }
    await client.query('commit');
    return { checked, backendCpu: (await processCpuSeconds(pid)) - cpuBefore };
  } finally {
    client.release();
  }
}
