import { checkpointOrigin, signCheckpoint } from '@skillhub/db';
import { describe, expect, type TestContext, test } from 'vitest';
import { type TreeFixture, treeFixture, treeSigner, treeVerifierKey } from './support/tree-fixture.ts';

/**
 * Every kind of tampering `skillhub audit verify --since` (and `--full`)
 * must catch, done as a superuser (triggers not firing) after a checkpoint
 * was saved, and checked through the code the command runs
 * (`tenantTreeVerdict`), in this process: `audit-proofs.test.ts` runs the
 * real binary for the success path and one tamper. Each case has a
 * database of its own, so the cases run concurrently.
 */
const fixture = async ({ onTestFinished }: TestContext): Promise<TreeFixture> => {
  const f = await treeFixture();
  onTestFinished(() => f.close());
  return f;
};

const since = async (f: TreeFixture) => (await f.verify(f.saved)).line;
const full = async (f: TreeFixture) => (await f.verify(null)).line;

describe.concurrent('audit verify --since and --full catch tampering', () => {
  test('an untouched tree is intact, and --since hashes only what was appended', async (context) => {
    const f = await fixture(context);
    const line = await since(f);
    expect(line).toMatch(
      new RegExp(`^intact: ${f.later.length} events appended since size ${f.saved.treeSize} checked`),
    );
    expect(await full(f)).toMatch(new RegExp(`^intact: ${f.saved.treeSize + f.later.length} events checked`));
  });

  test('edit of an event appended since', async (context) => {
    const f = await fixture(context);
    await f.asSuperuser(`update audit_logs set metadata = '{"forged": true}' where id = '${f.later[2]}'`);
    const edited = new RegExp(`^BROKEN at leaf ${f.saved.treeSize + 2}: modified — event ${f.later[2]}`);
    expect(await since(f)).toMatch(edited);
    expect(await full(f)).toMatch(edited);
  });

  test('delete of an event appended since', async (context) => {
    const f = await fixture(context);
    await f.asSuperuser(`delete from audit_logs where id = '${f.later[1]}'`);
    expect(await since(f)).toMatch(new RegExp(`^BROKEN at leaf \\d+: missing — event ${f.later[1]} was deleted`));
  });

  test('insert: a forged event sealed into the middle of the tree', async (context) => {
    const f = await fixture(context);
    const forged = '00000000-0000-0000-0000-00000000f00d';
    const at = f.saved.treeSize + 3;
    // Every later seal moves up one place; the forged event takes the free one.
    await f.asSuperuser(`
      insert into audit_logs (id, tenant_id, actor_type, actor_id, action, resource_type, resource_id, metadata, txid, seq)
        overriding system value
        select '${forged}', tenant_id, actor_type, actor_id, 'skill.deleted', resource_type, resource_id, '{}', txid, seq + 1000000
        from audit_logs where id = '${f.later[3]}';
      update audit.seals set position = position + 1000000 where chain = '${f.tenantId}' and position > ${at};
      update audit.seals set position = position - 999999 where chain = '${f.tenantId}' and position > 1000000;
      insert into audit.seals (chain, position, event_id, txid, seq, event_hash, chain_hash, leaf_hash)
        select chain, ${at + 1}, '${forged}', txid, seq, event_hash, chain_hash,
               audit.leaf_hash((select l from audit_logs l where l.id = '${forged}'))
        from audit.seals where chain = '${f.tenantId}' and position = ${at + 2}`);
    expect(await since(f)).toMatch(/^BROKEN: fork — .*\(the consistency proof fails\)$/);
    expect(await full(f)).toMatch(new RegExp(`^BROKEN at leaf ${at}: modified — event ${forged}`));
  });

  test('reorder: two sealed events swapped', async (context) => {
    const f = await fixture(context);
    const parked = '00000000-0000-0000-0000-000000000001';
    await f.asSuperuser(`update audit.seals set event_id = '${parked}' where event_id = '${f.later[1]}';
                         update audit.seals set event_id = '${f.later[1]}' where event_id = '${f.later[2]}';
                         update audit.seals set event_id = '${f.later[2]}' where event_id = '${parked}'`);
    expect(await since(f)).toMatch(new RegExp(`^BROKEN at leaf ${f.saved.treeSize + 1}: modified`));
  });

  test('truncation: the whole tree, its events and its checkpoints removed', async (context) => {
    const f = await fixture(context);
    await f.asSuperuser(`delete from audit_logs where tenant_id = '${f.tenantId}';
                         delete from audit.seals where chain = '${f.tenantId}';
                         delete from audit.tree_nodes where chain = '${f.tenantId}';
                         delete from audit.checkpoints where chain = '${f.tenantId}'`);
    expect(await since(f)).toBe('BROKEN: truncated — the tree has no checkpoint any more');
  });

  test('tail cut: the seals and events after the saved checkpoint removed', async (context) => {
    const f = await fixture(context);
    const keep = f.saved.treeSize + 2;
    await f.asSuperuser(`delete from audit_logs where id in (select event_id from audit.seals
                           where chain = '${f.tenantId}' and position > ${keep});
                         delete from audit.seals where chain = '${f.tenantId}' and position > ${keep}`);
    // The latest checkpoint no longer extends from the stored tree.
    expect(await since(f)).toMatch(/^BROKEN: fork — .*\(the consistency proof fails\)$/);
  });

  test('seal rewrite: a leaf hash appended since replaced', async (context) => {
    const f = await fixture(context);
    await f.asSuperuser(`update audit.seals set leaf_hash = sha256('forged') where event_id = '${f.later[3]}'`);
    // Caught by the consistency proof, which reads that leaf, or else by hashing it.
    expect(await since(f)).toMatch(
      new RegExp(`^BROKEN(: fork — .*\\(the consistency proof fails\\)$| at leaf ${f.saved.treeSize + 3}: modified)`),
    );
    expect(await full(f)).toMatch(
      new RegExp(`^BROKEN at leaf ${f.saved.treeSize + 3}: rewritten — the stored leaf hash of event ${f.later[3]}`),
    );
  });

  test('forked tree: a stored node under the saved checkpoint rewritten', async (context) => {
    const f = await fixture(context);
    await f.asSuperuser(
      `update audit.tree_nodes set hash = sha256('x') where chain = '${f.tenantId}' and level = 4 and index = 0`,
    );
    expect(await since(f)).toMatch(/^BROKEN.*(fork|rewritten)/);
  });

  // Regression: verification compared leaves with their events but never the
  // stored nodes above them, which proofs are made of.
  test('an interior node completed since the saved checkpoint rewritten', async (context) => {
    const f = await fixture(context);
    await f.asSuperuser(
      `update audit.tree_nodes set hash = sha256('x') where chain = '${f.tenantId}' and level = 4 and index = 1`,
    );
    const node = /^BROKEN at leaf 16: rewritten — the stored node at level 4 index 1 \(leaves 16\.\.31\)/;
    expect(await since(f)).toMatch(node);
    expect(await full(f)).toMatch(node);
  });

  test('--full: a stored node under the saved checkpoint rewritten', async (context) => {
    const f = await fixture(context);
    await f.asSuperuser(
      `update audit.tree_nodes set hash = sha256('x') where chain = '${f.tenantId}' and level = 4 and index = 0`,
    );
    expect(await full(f)).toMatch(/^BROKEN at leaf 0: rewritten — the stored node at level 4 index 0 /);
  });

  test('--full: a leaf hash rewritten inside a completed tile under the saved checkpoint', async (context) => {
    const f = await fixture(context);
    const { rows } = await f.testDb.ownerQuery<{ event_id: string }>(
      'select event_id from audit.seals where chain = $1 and position = 5',
      [f.tenantId],
    );
    const event = rows[0];
    await f.asSuperuser(
      `update audit.seals set leaf_hash = sha256('x') where chain = '${f.tenantId}' and position = 5`,
    );
    expect(await full(f)).toMatch(
      new RegExp(`^BROKEN at leaf 4: rewritten — the stored leaf hash of event ${event?.event_id}`),
    );
  });

  test('forked tree: a checkpoint of the latest size with another root, signed by the server’s key', async (context) => {
    const f = await fixture(context);
    const size = f.saved.treeSize + f.later.length;
    const note = signCheckpoint(
      treeSigner.key,
      checkpointOrigin(treeSigner.deployment, f.tenantId),
      size,
      Buffer.alloc(32, 7),
    );
    const other = await f.checkSigned(note);
    if (typeof other === 'string') throw new Error(other);
    expect((await f.verify(other)).line).toBe(`BROKEN: fork — two checkpoints of size ${size} with different roots`);
  });

  test('a saved checkpoint whose root was edited does not verify', async (context) => {
    const f = await fixture(context);
    const forged = f.savedNote.replace(f.saved.rootHash.toString('base64'), Buffer.alloc(32, 1).toString('base64'));
    expect(await f.checkSigned(forged)).toMatch(/^forged: the signature .* does not match/);
  });
});

describe('an evidence bundle over a rewritten stored tree', () => {
  // The bundle's proofs come from the stored nodes, signed before the rewrite.
  test('the standalone verifier refuses it', async (context) => {
    const { startAuditBundle, streamAuditBundle } = await import('@skillhub/core');
    const verify = await import('@skillhub/verify');
    const { cliAuth } = await import('../src/runtime/cli-actor.ts');
    const f = await fixture(context);
    await f.asSuperuser(
      `update audit.tree_nodes set hash = sha256('x') where chain = '${f.tenantId}' and level = 4 and index = 1`,
    );
    const auth = cliAuth({ id: f.tenantId, slug: 'acme' } as never);
    const bundle = await startAuditBundle(f.db, auth, 'jsonl');
    let text = '';
    await streamAuditBundle(f.db, auth, bundle, async (chunk) => {
      text += chunk;
    });
    async function* lines() {
      for (const line of text.split('\n')) if (line) yield line;
    }
    const report = await verify.checkBundle(lines(), {
      keys: [await verify.parseVerifierKey(treeVerifierKey)],
      hasher: verify.nodeHasher,
      hashLeafText: verify.hashLeafText,
    });
    // Leaves 0..15 and 32 prove through the rewritten node (leaves 16..31): their proofs fail.
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.leafIndex)).toEqual([...Array.from({ length: 16 }, (_, i) => i), 32]);
    // The events themselves give the signed root: the verifier says the proofs, not the events, changed.
    for (const problem of report.problems)
      expect(problem.message).toMatch(/the event is genuine and its proof was changed/);
  });
});
