import { readFile } from 'node:fs/promises';
import type { RawPool } from '@skillhub/db/bench';
import { inTransaction } from '../lib/in-transaction.ts';
import { median } from '../lib/interleaved-rounds.ts';

const migration0007 = new URL('../../packages/db/migrations/0007_audit_ledger.sql', import.meta.url);

/**
 * Installs the row-by-row sealing that migration 0007 shipped (a PL/pgSQL
 * loop that hashes, looks up and inserts one event at a time), the baseline
 * for the set-based audit.seal_pending of 0015: read from the migration
 * itself, so it is exactly that code, as `bench_audit.seal_pending_loop`, a
 * plain function for the owner to call.
 */
export async function installLoopSealing(owner: RawPool): Promise<void> {
  const statements = (await readFile(migration0007, 'utf8')).split('--> statement-breakpoint');
  const shipped = statements.find((statement) => statement.includes('create function audit.seal_pending('));
  if (!shipped) throw new Error('migration 0007 no longer defines audit.seal_pending');
  await owner.query('create schema if not exists bench_audit');
  await owner.query(
    shipped
      .replace('create function audit.seal_pending(', 'create or replace function bench_audit.seal_pending_loop(')
      .replace(' security definer ', ' '),
  );
}

export interface SealingComparison {
  events: number;
  designSeconds: number;
  loopSeconds: number;
}

/**
 * Seals the pending backlog (`events` events) with audit.seal_pending and
 * with the row-by-row loop, `rounds` times each, alternating, each in a
 * transaction that is rolled back; checks both produce the same chain hashes.
 */
export async function compareSealing(owner: RawPool, events: number, rounds: number): Promise<SealingComparison> {
  const times: Record<string, number[]> = { design: [], loop: [] };
  const digests = new Set<string>();
  for (let round = 0; round < rounds; round++) {
    for (const [key, fn] of [
      ['design', 'audit.seal_pending'],
      ['loop', 'bench_audit.seal_pending_loop'],
    ] as const) {
      await inTransaction(
        owner,
        async (client) => {
          const before = await client.query<{ n: string }>('select count(*) as n from audit.seals');
          const start = process.hrtime.bigint();
          const { rows } = await client.query<{ n: number }>(`select ${fn}($1) as n`, [events]);
          times[key]?.push(Number(process.hrtime.bigint() - start) / 1e9);
          if (Number(rows[0]?.n) !== events) throw new Error(`${fn} sealed ${rows[0]?.n} of ${events} events`);
          const digest = await client.query<{ d: string }>(
            `select md5(string_agg(encode(chain_hash, 'hex'), '' order by chain, position)) as d
             from (select chain, position, chain_hash from audit.seals order by txid desc, seq desc limit $1) s`,
            [events],
          );
          digests.add(`${digest.rows[0]?.d}:${Number(before.rows[0]?.n) + events}`);
        },
        { rollback: true },
      );
    }
  }
  if (digests.size !== 1) throw new Error('the row-by-row loop sealed different hashes than audit.seal_pending');
  return { events, designSeconds: median(times.design ?? []), loopSeconds: median(times.loop ?? []) };
}
