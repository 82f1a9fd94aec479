import {
  type CheckpointSigner,
  type Database,
  generateSignerKey,
  parseSignerKey,
  readTenantCheckpoint,
  recordAuditEvent,
  systemActor,
  verifierKey,
} from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import {
  type CheckpointCheck,
  checkpointChecker,
  type TrustedCheckpoint,
} from '../../src/evidence/checkpoint-trust.ts';
import { tenantTreeVerdict } from '../../src/evidence/tenant-tree-verdict.ts';

/** The deployment name the tree tests sign checkpoints under. */
export const treeOrigin = 'cli.test';
/** One signing key for a whole test file: generating it is cheap, but checkpoints must verify across fixtures. */
export const treeSignerKey = generateSignerKey(treeOrigin);
export const treeSigner: CheckpointSigner = { deployment: treeOrigin, key: parseSignerKey(treeSignerKey) };
export const treeVerifierKey = verifierKey(treeSigner.key);

const actor = systemActor('test');

/**
 * A database of its own with one tenant (`acme`) whose audit tree has a
 * saved checkpoint and grew after it, sealed and signed in this process as
 * the server's sealer would: what `audit verify --since` starts from.
 * Each test makes its own, so tests run concurrently and one tamper never
 * leaks into another's tree.
 */
export interface TreeFixture {
  testDb: TestDatabase;
  db: Database;
  tenantId: string;
  /** The checkpoint taken before the tree grew, as a user would have saved it. */
  saved: TrustedCheckpoint;
  /** Its signed note, as `audit checkpoint` prints it. */
  savedNote: string;
  /** Event ids of the leaves appended after `saved`, in leaf order. */
  later: string[];
  checkSigned: CheckpointCheck;
  writeEvents(count: number): Promise<void>;
  /** Edits the ledger as a superuser would, with the append-only triggers not firing. */
  asSuperuser(statements: string): Promise<void>;
  /** Seals, signs what grew (refusals collected), then the verdict `audit verify` prints for acme. */
  verify(since: TrustedCheckpoint | null): Promise<{ line: string; refusals: string[] }>;
  close(): Promise<void>;
}

export async function treeFixture(options: { before?: number; after?: number } = {}): Promise<TreeFixture> {
  const testDb = await createTestDatabase();
  const db = await testDb.openApp();
  const tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, actor)).id;
  const checkSigned = await checkpointChecker([treeVerifierKey]);
  const writeEvents = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await db.withTenant(tenantId, actor, () =>
        recordAuditEvent({ action: 'skill.updated', resourceType: 'skill', resourceId: `s-${i}`, metadata: { i } }),
      );
    }
  };
  const signAll = async () => {
    const refusals: string[] = [];
    await db.sealCommittedAuditEvents(10_000);
    await db.signAuditCheckpoints(treeSigner, (error) => refusals.push((error as Error).message));
    return refusals;
  };
  const leaves = async () =>
    (
      await testDb.ownerQuery<{ event_id: string }>(
        'select event_id from audit.seals where chain = $1 order by position',
        [tenantId],
      )
    ).rows.map((r) => r.event_id);

  await writeEvents(options.before ?? 20);
  await signAll();
  const record = await db.withTenant(tenantId, actor, () => readTenantCheckpoint());
  if (!record) throw new Error('the fixture has no checkpoint');
  const saved = await checkSigned(record.note);
  if (typeof saved === 'string') throw new Error(`the fixture's checkpoint does not verify: ${saved}`);
  await writeEvents(options.after ?? 12);
  await signAll();
  return {
    testDb,
    db,
    tenantId,
    saved,
    savedNote: record.note,
    later: (await leaves()).slice(saved.treeSize),
    checkSigned,
    writeEvents,
    asSuperuser: async (statements) => {
      await testDb.ownerQuery(`begin; set local session_replication_role = replica; ${statements}; commit;`);
    },
    verify: async (since) => {
      const refusals = await signAll();
      const line = await db.withTenant(tenantId, actor, () => tenantTreeVerdict(since, checkSigned, []));
      return { line, refusals };
    },
    close: async () => {
      await db.close();
      await testDb.drop();
    },
  };
}
