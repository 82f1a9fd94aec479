import { sql } from 'drizzle-orm';
import { usesBeforeNaming } from '../tenant-context/context-first-client.ts';
import { attempt, literal } from './attempt.ts';
import type { SelftestCheck } from './selftest-check.ts';
import type { AttackSetup } from './tenant-attacks.ts';

/** B's read of one of its own skills by id: a statement with a parameter, as a use case sends it. */
async function bReads(setup: AttackSetup, skillId: string): Promise<string> {
  return setup.db
    .withTenant(setup.b.id, setup.actor, async (tx) => {
      const { rows } = await tx.execute<{ id: string }>(sql`select id::text as id from skills where id = ${skillId}`);
      return rows.map((r) => r.id).join(',') || 'no row';
    })
    .catch((error: Error) => `error: ${error.message}`);
}

/**
 * What SQL in A's request leaves on its pooled connection must not reach
 * B's next request there. Two plantings, each committed in A's own
 * transaction (what they leave is a session's, not a transaction's): a
 * temporary view named `skills`, which PostgreSQL would search before the
 * table, and every statement the driver prepared on that connection
 * replaced by a SQL PREPARE of the same name and parameters that answers a
 * planted row. Then B reads its skill, most likely on the same connection
 * (the pool hands out the connection released last); it must get exactly
 * its skill.
 */
export async function connectionResidueChecks(setup: AttackSetup, skillOfB: string): Promise<SelftestCheck[]> {
  // Until the driver has prepared B's read on the connection (it names a statement once it is hot).
  for (let i = 0; i < usesBeforeNaming; i++) await bReads(setup, skillOfB);
  const temporary = await setup.db.withTenant(setup.a.id, setup.actor, (tx) =>
    attempt(tx, 'create temporary view skills as select * from public.skills where false'),
  );
  const afterTemporary = await bReads(setup, skillOfB);
  const planted = await setup.db.withTenant(setup.a.id, setup.actor, async (tx) => {
    const { rows } = await tx.execute<{ name: string; types: string }>(
      sql`select name, array_to_string(parameter_types, ',') as types from pg_prepared_statements where not from_sql`,
    );
    let replaced = 0;
    for (const { name, types } of rows) {
      if ('refused' in (await attempt(tx, `deallocate ${quoteName(name)}`))) continue;
      const parameters = types === '' ? '' : ` (${types})`;
      const outcome = await attempt(
        tx,
        `prepare ${quoteName(name)}${parameters} as select ${literal('planted')} as id`,
      );
      if (!('refused' in outcome)) replaced += 1;
    }
    return replaced;
  });
  const afterPrepared = await bReads(setup, skillOfB);
  return [
    {
      name: 'connection residue: temporary objects',
      tried: "create a temporary view named skills in A's request, then read B's skill in B's next request",
      result: afterTemporary === skillOfB ? 'held' : 'failed',
      detail: `${'refused' in temporary ? `creation refused (${temporary.refused})` : 'created'}; B read ${afterTemporary}`,
    },
    {
      name: 'connection residue: prepared statements',
      tried: "replace the driver's prepared statements in A's request, then read B's skill in B's next request",
      result: afterPrepared === skillOfB ? 'held' : 'failed',
      detail: `${planted} replaced; B read ${afterPrepared}`,
    },
  ];
}

const quoteName = (name: string) => `"${name.replaceAll('"', '""')}"`;
