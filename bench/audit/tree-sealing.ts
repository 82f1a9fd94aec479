import { readFile } from 'node:fs/promises';
import type { RawPool } from '@skillhub/db/bench';
import { inTransaction } from '../lib/in-transaction.ts';
import { median } from '../lib/interleaved-rounds.ts';

const migration0023 = new URL('../../packages/db/migrations/0023_narrow_ledger_doors.sql', import.meta.url);

/**
 * Installs the set-based sealing that shipped before the Merkle trees
 * (migration 0023: the hash chain only), read from the migration itself,
 * as `bench_audit.seal_pending_chain_only`, a plain function for the owner.
 */
export async function installChainOnlySealing(owner: RawPool): Promise<void> {
  const statements = (await readFile(migration0023, 'utf8')).split('--> statement-breakpoint');
  const shipped = statements.find((statement) => statement.includes('create or replace function audit.seal_pending('));
  if (!shipped) throw new Error('migration 0023 no longer defines audit.seal_pending');
  await owner.query('create schema if not exists bench_audit');
  await owner.query(
    shipped
      .replace(
        'create or replace function audit.seal_pending(',
        'create or replace function bench_audit.seal_pending_chain_only(',
      )
      .replace(' security definer ', ' '),
  );
}

export interface TreeSealingComparison {
  events: number;
  batch: number;
  /** Median seconds to seal `events` in batches, with the tree (today's audit.seal_pending). */
  treeSeconds: number;
  /** The same with the chain-only sealing of 0023. */
  chainSeconds: number;
  /** Node rows the tree sealing wrote per round. */
  nodes: number;
}

/**
 * Seals the same pending `events` the server's way (`batch` per call) with
 * the tree and with the chain only, `rounds` times each, alternating, each
 * round in a transaction that is rolled back; checks both write the same
 * chain hashes.
 */
export async function compareTreeSealing(
  owner: RawPool,
  events: number,
  batch: number,
  rounds: number,
): Promise<TreeSealingComparison> {
  const times: Record<string, number[]> = { tree: [], chain: [] };
  const digests = new Set<string>();
  let nodes = 0;
  for (let round = 0; round < rounds; round++) {
    for (const [key, fn] of [
      ['tree', 'audit.seal_pending'],
      ['chain', 'bench_audit.seal_pending_chain_only'],
    ] as const) {
      await inTransaction(
        owner,
        async (client) => {
          const nodesBefore = await client.query<{ n: string }>('select count(*) as n from audit.tree_nodes');
          let sealed = 0;
          const start = process.hrtime.bigint();
          while (sealed < events) {
            const { rows } = await client.query<{ n: number }>(`select ${fn}($1) as n`, [batch]);
            const n = Number(rows[0]?.n ?? 0);
            if (n === 0) break;
            sealed += n;
          }
          times[key]?.push(Number(process.hrtime.bigint() - start) / 1e9);
          if (sealed !== events) throw new Error(`${fn} sealed ${sealed} of ${events} events`);
          const digest = await client.query<{ d: string }>(
            `select md5(string_agg(encode(chain_hash, 'hex'), '' order by chain, position)) as d
             from (select chain, position, chain_hash from audit.seals order by txid desc, seq desc limit $1) s`,
            [events],
          );
          digests.add(digest.rows[0]?.d ?? '');
          if (key === 'tree') {
            const after = await client.query<{ n: string }>('select count(*) as n from audit.tree_nodes');
            nodes = Number(after.rows[0]?.n) - Number(nodesBefore.rows[0]?.n);
          }
        },
        { rollback: true },
      );
    }
  }
  if (digests.size !== 1)
    throw new Error('the chain-only sealing wrote different chain hashes than audit.seal_pending');
  return {
    events,
    batch,
    treeSeconds: median(times.tree ?? []),
    chainSeconds: median(times.chain ?? []),
    nodes,
  };
}
