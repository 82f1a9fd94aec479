import { hash } from 'node:crypto';
import { canonicalTextSql, type RawPool } from '@skillhub/db/bench';
import { ownCpuSeconds, processCpuSeconds } from './process-cpu.ts';

export interface VerifyFloor {
  /** Backend CPU seconds to print the chain's events' canonical texts once: no seals, no join, no order, nothing sent. */
  backendCpu: number;
  /** This process's CPU seconds for the hashes full verification cannot skip: the event hash, the leaf hash, a node hash. */
  nodeCpu: number;
  events: number;
  /** Mean bytes of a canonical text. */
  textBytes: number;
}

/**
 * What full verification of a tree cannot cost less than, measured on the
 * same events: PostgreSQL printing each event's canonical text once (the
 * expression verification streams, `copy … to '/dev/null'` on one serial
 * backend, JIT off as in the product) and Node hashing that many texts of
 * the mean length twice (event hash and leaf hash, one-shot `crypto.hash`)
 * with one node hash each. A bound, not a verifier: reading the seals,
 * matching them to their events and sending the rows come on top.
 */
export async function measureVerifyFloor(owner: RawPool, chain: string): Promise<VerifyFloor> {
  const client = await owner.connect();
  try {
    const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? 0;
    await client.query('begin');
    await client.query('set local max_parallel_workers_per_gather = 0');
    await client.query('set local jit = off');
    const literal = client.escapeLiteral(chain);
    const before = await processCpuSeconds(pid);
    await client.query(
      `copy (select ${canonicalTextSql('e')} from public.audit_logs e where e.tenant_id = ${literal}) to '/dev/null'`,
    );
    const backendCpu = (await processCpuSeconds(pid)) - before;
    const { rows } = await client.query<{ n: string; bytes: string }>(
      `select count(*) as n, coalesce(avg(octet_length(${canonicalTextSql('e')})), 0) as bytes
       from public.audit_logs e where e.tenant_id = ${literal}`,
    );
    await client.query('commit');
    const events = Number(rows[0]?.n ?? 0);
    const textBytes = Math.round(Number(rows[0]?.bytes ?? 0));
    const text = Buffer.alloc(textBytes + 1, 0x61);
    const node = Buffer.alloc(65, 1);
    const cpu = ownCpuSeconds();
    for (let i = 0; i < events; i++) {
      hash('sha256', text.subarray(1), 'hex');
      hash('sha256', text, 'buffer');
      hash('sha256', node, 'buffer');
    }
    return { backendCpu, nodeCpu: ownCpuSeconds() - cpu, events, textBytes };
  } finally {
    client.release();
  }
}
