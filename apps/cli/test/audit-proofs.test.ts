import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSignerKey, parseSignerKey, recordAuditEvent, systemActor, verifierKey } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { checkBundle, hashLeafText, nodeHasher, parseVerifierKey, readLines, verifyInclusion } from '@skillhub/verify';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { envFor, runCli } from './support/run-cli.ts';

/**
 * The Merkle tree commands through the real `skillhub` binary: a saved
 * checkpoint, a proof, a bundle checked by the standalone verifier, and
 * `audit verify --since` catching each kind of tampering after the saved
 * checkpoint was taken (done as a superuser, triggers not firing).
 */
let testDb: TestDatabase;
let tenantId: string;
let dir: string;
const origin = 'cli.test';
const signerKey = generateSignerKey(origin);
const vkey = verifierKey(parseSignerKey(signerKey));
let env: Record<string, string>;

const file = (name: string) => path.join(dir, name);

const writeEvents = async (count: number) => {
  const db = await testDb.openApp();
  try {
    for (let i = 0; i < count; i++) {
      await db.withTenant(tenantId, systemActor('test'), () =>
        recordAuditEvent({ action: 'skill.updated', resourceType: 'skill', resourceId: `s-${i}`, metadata: { i } }),
      );
    }
  } finally {
    await db.close();
  }
};

const asSuperuser = (statements: string) =>
  testDb.ownerQuery(`begin; set local session_replication_role = replica; ${statements}; commit;`);

/** Event ids of acme's tree, in leaf order. */
const leaves = async () =>
  (
    await testDb.ownerQuery<{ event_id: string }>(
      'select event_id from audit.seals where chain = $1 order by position',
      [tenantId],
    )
  ).rows.map((r) => r.event_id);

const saveCheckpoint = async (name: string) => {
  const run = await runCli(['audit', 'checkpoint', '--tenant', 'acme'], env);
  expect(run.code, run.stderr).toBe(0);
  await import('node:fs/promises').then((fs) => fs.writeFile(file(name), run.stdout));
  return JSON.parse(run.stdout) as { tree_size: number; root_hash: string; checkpoint: string; origin: string };
};

beforeEach(async () => {
  testDb = await createTestDatabase();
  const db = await testDb.openApp();
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  await db.close();
  dir = await mkdtemp(path.join(os.tmpdir(), 'skillhub-proofs-'));
  env = { ...envFor(testDb), SKILLHUB_ORIGIN: origin, SKILLHUB_CHECKPOINT_KEY: signerKey, SKILLHUB_HOME: dir };
  await writeEvents(20);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await testDb.drop();
});

describe('checkpoint, prove, bundle', () => {
  test('the checkpoint, an event’s proof and the bundle all verify with the published key', async () => {
    const checkpoint = await saveCheckpoint('checkpoint.json');
    expect(checkpoint.origin).toBe(`${origin}/audit/${tenantId}`);
    const key = await parseVerifierKey(vkey);

    const [, second] = await leaves();
    const proved = await runCli(['audit', 'prove', '--tenant', 'acme', '--event', second ?? ''], env);
    expect(proved.code, proved.stderr).toBe(0);
    const proof = JSON.parse(proved.stdout) as {
      leaf_index: number;
      tree_size: number;
      canonical: string;
      proof: string[];
      checkpoint: { root_hash: string };
    };
    expect(proof.leaf_index).toBe(1);
    const result = await verifyInclusion(
      nodeHasher,
      proof.leaf_index,
      proof.tree_size,
      hashLeafText(proof.canonical),
      proof.proof.map((p) => Buffer.from(p, 'base64')),
      Buffer.from(proof.checkpoint.root_hash, 'base64'),
    );
    expect(result.ok).toBe(true);

    const exported = await runCli(
      ['audit', 'export', '--tenant', 'acme', '--format', 'bundle', '--out', file('b.jsonl')],
      env,
    );
    expect(exported.code, exported.stderr).toBe(0);
    const report = await checkBundle(readLines(file('b.jsonl')), { keys: [key], hasher: nodeHasher, hashLeafText });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.eventsChecked).toBeGreaterThanOrEqual(checkpoint.tree_size);

    const ocsf = await runCli(['audit', 'export', '--tenant', 'acme', '--format', 'bundle', '--events', 'ocsf'], env);
    expect(ocsf.code, ocsf.stderr).toBe(0);
    const header = JSON.parse(ocsf.stdout.split('\n')[0] ?? '{}');
    expect(header).toMatchObject({
      type: 'skillhub.evidence-bundle',
      version: 1,
      events_format: 'ocsf',
      complete: true,
    });

    // Edited in the file: the verifier names the event.
    const lines = (await readFile(file('b.jsonl'), 'utf8')).split('\n');
    lines[3] = (lines[3] ?? '').replace('"skill.updated"', '"skill.deleted"');
    await import('node:fs/promises').then((fs) => fs.writeFile(file('edited.jsonl'), lines.join('\n')));
    const edited = await checkBundle(readLines(file('edited.jsonl')), {
      keys: [key],
      hasher: nodeHasher,
      hashLeafText,
    });
    expect(edited.ok).toBe(false);
  });

  test('bad input is one line and a non-zero exit', async () => {
    for (const args of [
      ['audit', 'prove', '--tenant', 'acme', '--event', 'nope'],
      ['audit', 'prove', '--tenant', 'acme', '--event', '00000000-0000-0000-0000-000000000000'],
      ['audit', 'prove', '--tenant', 'acme', '--event', '00000000-0000-0000-0000-000000000000', '--tree-size', '0'],
      ['audit', 'verify', '--since', file('missing.json')],
      ['audit', 'checkpoint', '--tenant', 'no-such-tenant'],
    ]) {
      const run = await runCli(args, env);
      expect(run.code, args.join(' ')).not.toBe(0);
      expect(run.stderr.trim().split('\n'), `${args.join(' ')}: ${run.stderr}`).toHaveLength(1);
    }
  });
});

describe('audit verify --since', () => {
  test('an untouched tree: intact, only the events appended since are hashed', async () => {
    const saved = await saveCheckpoint('since.json');
    await writeEvents(7);
    const run = await runCli(['audit', 'verify', '--since', file('since.json')], env);
    expect(run.stdout, run.stderr).toMatch(
      new RegExp(`^acme: intact: \\d+ events appended since size ${saved.tree_size} checked`),
    );
    const checked = Number(/intact: (\d+) events/.exec(run.stdout)?.[1]);
    expect(checked).toBeGreaterThanOrEqual(7);
    expect(checked).toBeLessThan(saved.tree_size);
    expect(run.code).toBe(0);
    const full = await runCli(['audit', 'verify', '--full', '--tenant', 'acme'], env);
    expect(full.stdout, full.stderr).toMatch(/^acme: intact: \d+ events checked/);
    expect(full.code).toBe(0);
  });

  const afterSaved = async () => {
    const saved = await saveCheckpoint('since.json');
    await writeEvents(6);
    // Sealed and signed, as the server would before anyone tampers.
    await runCli(['audit', 'checkpoint', '--tenant', 'acme'], env);
    const ids = await leaves();
    return { saved, later: ids.slice(saved.tree_size) };
  };

  const expectBroken = async (pattern: RegExp) => {
    const run = await runCli(['audit', 'verify', '--since', file('since.json')], env);
    expect(run.stdout, run.stderr).toMatch(pattern);
    expect(run.code).toBe(1);
  };

  test('edit of an event appended since', async () => {
    const { later } = await afterSaved();
    await asSuperuser(`update audit_logs set metadata = '{"forged": true}' where id = '${later[2]}'`);
    await expectBroken(new RegExp(`BROKEN at leaf \\d+: modified — event ${later[2]}`));
  });

  test('delete of an event appended since', async () => {
    const { later } = await afterSaved();
    await asSuperuser(`delete from audit_logs where id = '${later[1]}'`);
    await expectBroken(new RegExp(`BROKEN at leaf \\d+: missing — event ${later[1]} was deleted`));
  });

  test('reorder: two sealed events swapped', async () => {
    const { later } = await afterSaved();
    const parked = '00000000-0000-0000-0000-000000000001';
    await asSuperuser(`update audit.seals set event_id = '${parked}' where event_id = '${later[1]}';
                       update audit.seals set event_id = '${later[1]}' where event_id = '${later[2]}';
                       update audit.seals set event_id = '${later[2]}' where event_id = '${parked}'`);
    await expectBroken(/BROKEN at leaf \d+: modified/);
  });

  test('insert: a forged leaf in the sealed range', async () => {
    const { later } = await afterSaved();
    await asSuperuser(`update audit.seals set leaf_hash = sha256('forged') where event_id = '${later[3]}'`);
    // The stored tree no longer extends the saved checkpoint to the latest one.
    await expectBroken(/BROKEN(: fork| at leaf \d+: modified)/);
  });

  test('tail cut and truncation: seals and events after the saved checkpoint removed', async () => {
    const { saved } = await afterSaved();
    await asSuperuser(`delete from audit_logs where id in (select event_id from audit.seals where chain = '${tenantId}' and position > ${saved.tree_size + 2});
                       delete from audit.seals where chain = '${tenantId}' and position > ${saved.tree_size + 2}`);
    await expectBroken(/BROKEN/);
  });

  test('node rewrite and seal rewrite under the saved checkpoint: a fork', async () => {
    await afterSaved();
    await asSuperuser(
      `update audit.tree_nodes set hash = sha256('x') where chain = '${tenantId}' and level = 4 and index = 0`,
    );
    await expectBroken(/BROKEN.*(fork|rewritten)/);
  });

  test('a forged saved checkpoint (edited root) is refused', async () => {
    const saved = await saveCheckpoint('since.json');
    const forged = {
      ...saved,
      checkpoint: saved.checkpoint.replace(saved.root_hash, Buffer.alloc(32, 1).toString('base64')),
    };
    await import('node:fs/promises').then((fs) => fs.writeFile(file('since.json'), JSON.stringify(forged)));
    await expectBroken(/BROKEN: the saved checkpoint does not verify/);
  });
});
