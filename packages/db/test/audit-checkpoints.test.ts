import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  type CheckpointSigner,
  checkpointSignedBy,
  type Database,
  generateSignerKey,
  parseCheckpointNote,
  parseSignerKey,
  parseVerifierKey,
  readTenantCheckpoint,
  recordAuditEvent,
  signCheckpoint,
  systemActor,
  verifierKey,
} from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { referenceLeaf, referenceRoot } from './support/rfc9162-reference.ts';
import { actor } from './support/tenant-rows.ts';

/**
 * Checkpoints (migration 0031): signed by the server, written only through
 * audit.record_checkpoint, which refuses a note that does not match the
 * stored tree and refuses to sign over history that changed under the
 * previous checkpoint.
 */
let testDb: TestDatabase;
let db: Database;
let tenantId: string;
const signer: CheckpointSigner = {
  deployment: 'audit.example',
  key: parseSignerKey(generateSignerKey('audit.example')),
};

const writeEvents = async (count: number) => {
  await db.withTenant(tenantId, actor(), async () => {
    for (let i = 0; i < count; i++) {
      await recordAuditEvent({ action: 'skill.updated', resourceType: 'skill', resourceId: `s-${i}`, metadata: { i } });
    }
  });
  expect(await db.sealCommittedAuditEvents()).toBe(true);
};

const asSuperuser = (statements: string) =>
  testDb.ownerQuery(`begin; set local session_replication_role = replica; ${statements}; commit;`);

const recordAsApp = (size: number, note: string) =>
  db.withTenant(tenantId, actor(), async (tx) => {
    // The door is the runtime role's; a tenant transaction is as good a place as any to call it.
    await tx.execute(
      `select audit.record_checkpoint('${tenantId}', ${size}, '${signer.key.id.toString('hex')}', $n$${note}$n$)` as never,
    );
  });

beforeEach(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  await writeEvents(40);
});
afterEach(() => testDb.drop());

describe('signed checkpoints', () => {
  test('the server signs each grown tree once, and the note verifies with the published key', async () => {
    expect(await db.signAuditCheckpoints(signer)).toBeGreaterThanOrEqual(1);
    expect(await db.signAuditCheckpoints(signer)).toBe(0); // nothing grew
    const checkpoint = await db.withTenant(tenantId, actor(), () => readTenantCheckpoint());
    expect(checkpoint?.treeSize).toBe(41);
    const note = parseCheckpointNote(checkpoint?.note ?? '');
    expect(note.origin).toBe(`audit.example/audit/${tenantId}`);
    const { rows } = await testDb.ownerQuery<{ canonical: string }>(
      `select audit.canonical_text(l) as canonical from audit.seals s join audit_logs l on l.id = s.event_id
       where s.chain = $1 order by s.position`,
      [tenantId],
    );
    const root = referenceRoot(rows.map((r) => referenceLeaf(Buffer.from(r.canonical))));
    expect(note.rootHash.equals(root)).toBe(true);
    expect(checkpointSignedBy(note, parseVerifierKey(verifierKey(signer.key)))).toBe(true);
    const other = parseSignerKey(generateSignerKey('audit.example'));
    expect(checkpointSignedBy(note, other)).toBe(false);
    await writeEvents(3);
    expect(await db.signAuditCheckpoints(signer)).toBeGreaterThanOrEqual(1);
    expect((await db.withTenant(tenantId, actor(), () => readTenantCheckpoint()))?.treeSize).toBe(44);
  });

  test('signing takes well under a millisecond', () => {
    const root = referenceLeaf(Buffer.from('x'));
    const start = performance.now();
    for (let i = 0; i < 1000; i++) signCheckpoint(signer.key, 'audit.example/audit/t', i + 1, root);
    expect((performance.now() - start) / 1000).toBeLessThan(1);
  });

  test('the door refuses a note whose root, size or origin is not the tree’s', async () => {
    const origin = `audit.example/audit/${tenantId}`;
    const { rows } = await testDb.ownerQuery<{ root: Buffer }>('select audit.tree_root($1, 41) as root', [tenantId]);
    const root = rows[0]?.root as Buffer;
    const wrongRoot = signCheckpoint(signer.key, origin, 41, referenceLeaf(Buffer.from('forged')));
    await expect(recordAsApp(41, wrongRoot)).rejects.toThrow();
    const wrongSize = signCheckpoint(signer.key, origin, 40, root);
    await expect(recordAsApp(41, wrongSize)).rejects.toThrow();
    const beyond = signCheckpoint(signer.key, origin, 42, root);
    await expect(recordAsApp(42, beyond)).rejects.toThrow();
    const otherOrigin = signCheckpoint(signer.key, 'audit.example/audit/someone-else', 41, root);
    await expect(recordAsApp(41, otherOrigin)).rejects.toThrow();
    await recordAsApp(41, signCheckpoint(signer.key, origin, 41, root));
    expect((await db.withTenant(tenantId, actor(), () => readTenantCheckpoint()))?.treeSize).toBe(41);
  });

  test('the runtime role cannot write checkpoints or nodes but through the doors', async () => {
    await db.signAuditCheckpoints(signer);
    for (const statement of [
      `insert into audit.checkpoints (chain, tree_size, root_hash, key_id, note) values ('${tenantId}', 1, sha256(''), '00000000', 'x')`,
      `insert into audit.tree_nodes (chain, level, index, hash) values ('${tenantId}', 4, 99, sha256(''))`,
      `delete from audit.checkpoints`,
      `update audit.tree_nodes set hash = sha256('')`,
    ]) {
      await expect(db.withTenant(tenantId, actor(), (tx) => tx.execute(statement as never))).rejects.toThrow();
    }
  });

  // What the door reads: the stored nodes a root at the last checkpoint's
  // size is made of (complete tiles by their node, the last tile by its
  // leaves). A leaf inside a complete tile is not among them; verification
  // (audit-proof-verification tests) catches that one.
  for (const [kind, tamper] of [
    ['node rewrite', `update audit.tree_nodes set hash = sha256('x') where chain = '{t}' and level = 4 and index = 1`],
    ['leaf rewrite', `update audit.seals set leaf_hash = sha256('x') where chain = '{t}' and position = 41`],
    ['seal removed', `delete from audit.seals where chain = '{t}' and position = 40`],
    [
      'tail cut',
      `delete from audit_logs where id in (select event_id from audit.seals where chain = '{t}' and position > 30);
       delete from audit.seals where chain = '{t}' and position > 30`,
    ],
    ['node removed', `delete from audit.tree_nodes where chain = '{t}' and level = 4 and index = 0`],
  ] as const) {
    test(`the door refuses to sign over history changed under the last checkpoint: ${kind}`, async () => {
      await db.signAuditCheckpoints(signer);
      await asSuperuser(tamper.replaceAll('{t}', tenantId));
      await writeEvents(2);
      const failures: string[] = [];
      await db.signAuditCheckpoints(signer, (_error, chain) => failures.push(chain));
      expect(failures).toContain(tenantId);
      expect((await db.withTenant(tenantId, actor(), () => readTenantCheckpoint()))?.treeSize).toBe(41);
    });
  }

  // Regression: the door computed the new root from the stored nodes only, so
  // a leaf hash rewritten inside a completed tile, or a rewritten node, in the
  // part a new checkpoint newly covers was signed over.
  for (const [kind, tamper] of [
    ['node rewrite', `update audit.tree_nodes set hash = sha256('x') where chain = '{t}' and level = 4 and index = 3`],
    [
      'leaf rewrite in a completed tile',
      `update audit.seals set leaf_hash = sha256('x') where chain = '{t}' and position = 50`,
    ],
    [
      'event edit',
      `update audit_logs set metadata = '{"forged": true}' where id = (select event_id from audit.seals where chain = '{t}' and position = 60)`,
    ],
    // The door pairs seals and events by chain (0075), so a moved event reads as gone.
    [
      'event moved to another chain',
      `update audit_logs set tenant_id = '' where id = (select event_id from audit.seals where chain = '{t}' and position = 60)`,
    ],
    [
      'event deleted',
      `delete from audit_logs where id = (select event_id from audit.seals where chain = '{t}' and position = 60)`,
    ],
  ] as const) {
    test(`the door refuses a root its newly covered events do not give: ${kind}`, async () => {
      await db.signAuditCheckpoints(signer);
      await writeEvents(30); // leaves 41..70: tiles 2 and 3 complete
      await asSuperuser(tamper.replaceAll('{t}', tenantId));
      const failures: string[] = [];
      await db.signAuditCheckpoints(signer, (error, chain) => {
        const { cause, message } = error as Error;
        failures.push(`${chain}: ${cause instanceof Error ? cause.message : message}`);
      });
      expect(failures).toEqual([expect.stringMatching(new RegExp(`^${tenantId}: refusing to sign chain`))]);
      expect((await db.withTenant(tenantId, actor(), () => readTenantCheckpoint()))?.treeSize).toBe(41);
    });
  }

  test('the first checkpoint of a chain rehashes its whole history', async () => {
    await asSuperuser(`update audit.seals set leaf_hash = sha256('x') where chain = '${tenantId}' and position = 3`);
    const failures: string[] = [];
    await db.signAuditCheckpoints(signer, (_error, chain) => failures.push(chain));
    expect(failures).toEqual([tenantId]);
    expect(await db.withTenant(tenantId, actor(), () => readTenantCheckpoint())).toBeNull();
  });
});
