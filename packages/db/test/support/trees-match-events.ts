import { expect } from 'vitest';

type OwnerQuery = (text: string) => Promise<{ rows: { chain: string; stored: Buffer; recomputed: Buffer }[] }>;

/** Every chain's stored tree root equals the root recomputed from its events (audit.root_from_events). */
export async function expectTreesMatchEvents(ownerQuery: OwnerQuery, atLeast = 1): Promise<void> {
  const { rows } = await ownerQuery(
    `select chain, audit.tree_root(chain, n) as stored, audit.root_from_events(chain, 0, n) as recomputed
     from (select chain, max(position) as n from audit.seals group by chain) c`,
  );
  expect(rows.length).toBeGreaterThanOrEqual(atLeast);
  for (const row of rows) expect(row.stored.equals(row.recomputed), `tree of chain '${row.chain}'`).toBe(true);
}
