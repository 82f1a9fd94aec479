import { PgDialect } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { consistencyRanges, inclusionRanges } from '../src/audit/tree/rfc9162.ts';
import { StoredTree } from '../src/audit/tree/stored-tree.ts';
import type { ChainQuery } from '../src/audit/verify-chain.ts';
import { type Database, recordAuditEvent, type sql, systemActor } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { referenceLeaf, referenceRoot, verifyConsistency, verifyInclusion } from './support/rfc9162-reference.ts';
import { actor } from './support/tenant-rows.ts';

/**
 * The trees sealing grows (migration 0030), held against RFC 9162 as the
 * reference in support/ writes it: leaves, roots at every size, and proofs
 * built from stored nodes only. Sealed in odd batches so that tiles are
 * completed across batches.
 */
let testDb: TestDatabase;
let db: Database;
let tenantId: string;
let leaves: Buffer[];

const events = 300;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  for (let written = 1; written < events; written += 23) {
    await db.withTenant(tenantId, actor(), async () => {
      for (let i = written; i < Math.min(written + 23, events); i++) {
        await recordAuditEvent({
          action: 'skill.updated',
          resourceType: 'skill',
          resourceId: `s-${i}`,
          metadata: { i },
        });
      }
    });
    // Odd batch sizes: tiles complete in pieces, across calls.
    await testDb.ownerQuery('select audit.seal_pending(11)');
  }
  expect(await db.sealCommittedAuditEvents()).toBe(true);
  const { rows } = await testDb.ownerQuery<{ canonical: string; leaf_hash: Buffer }>(
    `select audit.canonical_text(l) as canonical, s.leaf_hash from audit.seals s join audit_logs l on l.id = s.event_id
     where s.chain = $1 order by s.position`,
    [tenantId],
  );
  expect(rows.length).toBe(events);
  leaves = rows.map((r) => referenceLeaf(Buffer.from(r.canonical, 'utf8')));
  rows.forEach((r, i) => {
    expect(r.leaf_hash.equals(leaves[i] as Buffer), `leaf ${i}`).toBe(true);
  });
});
afterAll(() => testDb.drop());

const dialect = new PgDialect();
const ownerTree = (options?: { tilesPerRead?: number }) => {
  const query: ChainQuery = async <R extends Record<string, unknown>>(statement: ReturnType<typeof sql>) => {
    const rendered = dialect.sqlToQuery(statement);
    return (await testDb.ownerQuery<R>(rendered.sql, rendered.params)).rows;
  };
  return new StoredTree(query, tenantId, options);
};

describe('the tree sealing grows', () => {
  test('stores one node per complete 16-leaf tile and per 16 of those', async () => {
    const { rows } = await testDb.ownerQuery<{ level: number; n: string }>(
      'select level, count(*) as n from audit.tree_nodes where chain = $1 group by level order by level',
      [tenantId],
    );
    expect(rows.map((r) => [r.level, Number(r.n)])).toEqual([
      [4, Math.floor(events / 16)],
      [8, Math.floor(events / 256)],
    ]);
  });

  test('audit.tree_root equals the RFC 9162 root at every size', async () => {
    const { rows } = await testDb.ownerQuery<{ size: number; root: Buffer }>(
      'select g as size, audit.tree_root($1, g) as root from generate_series(0, $2::int) g',
      [tenantId, events],
    );
    for (const row of rows) {
      expect(row.root.equals(referenceRoot(leaves.slice(0, row.size))), `size ${row.size}`).toBe(true);
    }
  });

  test('inclusion proofs from stored nodes verify for every leaf at several sizes', async () => {
    const tree = ownerTree();
    for (const size of [1, 2, 15, 16, 17, 255, 256, 257, events]) {
      const root = referenceRoot(leaves.slice(0, size));
      expect((await tree.root(size)).equals(root)).toBe(true);
      for (let index = 0; index < size; index++) {
        const proof = await tree.hashRanges(inclusionRanges(index, size));
        expect(verifyInclusion(index, size, leaves[index] as Buffer, proof, root), `${index} in ${size}`).toBe(true);
      }
    }
  });

  test('consistency proofs verify between sizes, and a wrong root fails them', async () => {
    const tree = ownerTree({ tilesPerRead: 4 });
    for (const [from, to] of [
      [1, 1],
      [1, 2],
      [3, 7],
      [16, 17],
      [17, 256],
      [100, 257],
      [255, events],
      [256, events],
    ] as const) {
      const proof = await tree.hashRanges(consistencyRanges(from, to));
      const first = referenceRoot(leaves.slice(0, from));
      const second = referenceRoot(leaves.slice(0, to));
      expect(verifyConsistency(from, to, first, second, proof), `${from} → ${to}`).toBe(true);
      if (from !== to) {
        const forked = referenceRoot([...leaves.slice(0, from - 1), referenceLeaf(Buffer.from('forged'))]);
        expect(verifyConsistency(from, to, forked, second, proof)).toBe(false);
      }
    }
  });
});
