import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSignerKey, parseSignerKey, signNote, systemActor } from '@skillhub/db';
import { checkBundle, hashLeafText, nodeHasher, parseVerifierKey, readLines, verifyInclusion } from '@skillhub/verify';
import { describe, expect, type TestContext, test } from 'vitest';
import { envFor, runCli } from './support/run-cli.ts';
import { type TreeFixture, treeFixture, treeOrigin, treeSignerKey, treeVerifierKey } from './support/tree-fixture.ts';

/**
 * The Merkle tree commands through the real `skillhub` binary: a saved
 * checkpoint, a proof, a bundle checked by the standalone verifier,
 * `audit verify --since` on an intact tree and on one edited after the
 * checkpoint was saved, and bad input. Every other kind of tampering is
 * checked in-process against the same code (`audit-tree-tampering.test.ts`).
 * Each test has its own database; the processes a test starts that do not
 * depend on each other run at once.
 */
interface CliFixture extends TreeFixture {
  dir: string;
  env: Record<string, string>;
  file(name: string): string;
}

const cliFixture = async ({ onTestFinished }: TestContext): Promise<CliFixture> => {
  const f = await treeFixture({ before: 20, after: 0 });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skillhub-proofs-'));
  onTestFinished(async () => {
    await rm(dir, { recursive: true, force: true });
    await f.close();
  });
  const env = {
    ...envFor(f.testDb),
    SKILLHUB_ORIGIN: treeOrigin,
    SKILLHUB_CHECKPOINT_KEY: treeSignerKey,
    SKILLHUB_HOME: dir,
  };
  return { ...f, dir, env, file: (name) => path.join(dir, name) };
};

const leaves = async (f: TreeFixture) =>
  (
    await f.testDb.ownerQuery<{ event_id: string }>(
      'select event_id from audit.seals where chain = $1 order by position',
      [f.tenantId],
    )
  ).rows.map((r) => r.event_id);

describe.concurrent('the tree commands, end to end', () => {
  test('checkpoint, proof, bundle, then verify --since intact and after an edit', async (context) => {
    const f = await cliFixture(context);
    const saved = await runCli(['audit', 'checkpoint', '--tenant', 'acme'], f.env);
    expect(saved.code, saved.stderr).toBe(0);
    await writeFile(f.file('since.json'), saved.stdout);
    const checkpoint = JSON.parse(saved.stdout) as { tree_size: number; origin: string };
    expect(checkpoint.origin).toBe(`${treeOrigin}/audit/${f.tenantId}`);
    const key = await parseVerifierKey(treeVerifierKey);
    const [, second] = await leaves(f);

    const [proved, exported, ocsf, full] = await Promise.all([
      // No --tenant: the event names its workspace.
      runCli(['audit', 'prove', '--event', second ?? ''], f.env),
      runCli(['audit', 'export', '--tenant', 'acme', '--format', 'bundle', '--out', f.file('b.jsonl')], f.env),
      runCli(['audit', 'export', '--tenant', 'acme', '--format', 'bundle', '--events', 'ocsf'], f.env),
      runCli(['audit', 'verify', '--full', '--tenant', 'acme'], f.env),
    ]);

    expect(proved.code, proved.stderr).toBe(0);
    const proof = JSON.parse(proved.stdout) as {
      leaf_index: number;
      tree_size: number;
      canonical: string;
      proof: string[];
      checkpoint: { root_hash: string };
    };
    expect(proof.leaf_index).toBe(1);
    const included = await verifyInclusion(
      nodeHasher,
      proof.leaf_index,
      proof.tree_size,
      hashLeafText(proof.canonical),
      proof.proof.map((p) => Buffer.from(p, 'base64')),
      Buffer.from(proof.checkpoint.root_hash, 'base64'),
    );
    expect(included.ok).toBe(true);

    expect(exported.code, exported.stderr).toBe(0);
    const report = await checkBundle(readLines(f.file('b.jsonl')), { keys: [key], hasher: nodeHasher, hashLeafText });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.eventsChecked).toBeGreaterThanOrEqual(checkpoint.tree_size);
    // Edited in the file: the verifier refuses it.
    const lines = (await readFile(f.file('b.jsonl'), 'utf8')).split('\n');
    lines[3] = (lines[3] ?? '').replace('"skill.updated"', '"skill.deleted"');
    await writeFile(f.file('edited.jsonl'), lines.join('\n'));
    const edited = await checkBundle(readLines(f.file('edited.jsonl')), {
      keys: [key],
      hasher: nodeHasher,
      hashLeafText,
    });
    expect(edited.ok).toBe(false);

    expect(ocsf.code, ocsf.stderr).toBe(0);
    expect(JSON.parse(ocsf.stdout.split('\n')[0] ?? '{}')).toMatchObject({
      type: 'skillhub.evidence-bundle',
      version: 1,
      events_format: 'ocsf',
      complete: true,
    });

    expect(full.stdout, full.stderr).toMatch(/^acme: intact: \d+ events checked/);
    expect(full.code).toBe(0);

    await f.writeEvents(7);
    const intact = await runCli(['audit', 'verify', '--since', f.file('since.json')], f.env);
    expect(intact.stdout, intact.stderr).toMatch(
      new RegExp(`^acme: intact: \\d+ events appended since size ${checkpoint.tree_size} checked`),
    );
    const checked = Number(/intact: (\d+) events/.exec(intact.stdout)?.[1]);
    expect(checked).toBeGreaterThanOrEqual(7);
    expect(checked).toBeLessThan(checkpoint.tree_size);
    expect(intact.code).toBe(0);

    const appended = (await leaves(f)).slice(checkpoint.tree_size);
    await f.asSuperuser(`update audit_logs set metadata = '{"forged": true}' where id = '${appended[2]}'`);
    const broken = await runCli(['audit', 'verify', '--since', f.file('since.json')], f.env);
    expect(broken.stdout, broken.stderr).toMatch(new RegExp(`BROKEN at leaf \\d+: modified — event ${appended[2]}`));
    expect(broken.code).toBe(1);
    // Seven CLI processes, each starting Node, opening the database and sealing before it exits: 8-15 s apiece on two
    // cores under a full suite's load, so 60 s was not enough; a budget for the machine, not a figure of the product.
  }, 240_000);

  test('bad input is one line and a non-zero exit', async (context) => {
    const f = await cliFixture(context);
    await f.db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'));
    const [event] = await leaves(f);
    // Saved checkpoints that must not be trusted: not one, another tenant's, another key's, an edited size.
    const globex = await runCli(['audit', 'checkpoint', '--tenant', 'globex'], f.env);
    const acme = await runCli(['audit', 'checkpoint', '--tenant', 'acme'], f.env);
    const otherKey = signNote(
      parseSignerKey(generateSignerKey(treeOrigin)),
      `${treeOrigin}/audit/${f.tenantId}\n1\n${Buffer.alloc(32).toString('base64')}\n`,
    );
    await Promise.all([
      writeFile(f.file('garbage.json'), 'not a checkpoint\u0000\n'),
      writeFile(f.file('empty.json'), ''),
      writeFile(f.file('shape.json'), '{"tree_size": -1, "note": 7}'),
      writeFile(f.file('globex.json'), globex.stdout),
      writeFile(f.file('other-key.json'), JSON.stringify({ note: otherKey })),
      writeFile(f.file('grown.json'), acme.stdout.replace(/\\n\d+\\n/, '\\n999999\\n')),
    ]);
    const cases = [
      ['audit', 'prove', '--tenant', 'acme', '--event', 'nope'],
      ['audit', 'prove', '--tenant', 'acme', '--event', '00000000-0000-0000-0000-000000000000'],
      ['audit', 'prove', '--event', '00000000-0000-0000-0000-000000000000'],
      ['audit', 'prove', '--event', '00000000-0000-0000-0000-000000000000', '--tree-size', '0'],
      // An event of acme's asked for in globex's tree.
      ['audit', 'prove', '--tenant', 'globex', '--event', event ?? ''],
      ['audit', 'verify', '--since', f.file('missing.json')],
      ['audit', 'verify', '--since', f.file('garbage.json')],
      ['audit', 'verify', '--since', f.file('empty.json')],
      ['audit', 'verify', '--since', f.file('shape.json')],
      ['audit', 'verify', '--since', f.file('globex.json'), '--tenant', 'acme'],
      ['audit', 'verify', '--since', f.file('other-key.json')],
      ['audit', 'verify', '--since', f.file('grown.json')],
      ['audit', 'verify', '--since', f.dir],
      ...['-1', '1e3', '1.5', 'NaN', '0x10', '99999999999999999999', '5000'].map((size) => [
        'audit',
        'prove',
        '--event',
        event ?? '',
        '--tree-size',
        size,
      ]),
      ['audit', 'checkpoint', '--tenant', 'no-such-tenant'],
    ];
    // Four at a time, so that none is killed by the machine's load (an empty stderr would pass as one line).
    const runs: Awaited<ReturnType<typeof runCli>>[] = [];
    for (let i = 0; i < cases.length; i += 4) {
      runs.push(
        ...(await Promise.all(cases.slice(i, i + 4).map((args) => runCli(args, f.env, { timeoutMs: 120_000 })))),
      );
    }
    runs.forEach((run, i) => {
      const args = cases[i]?.join(' ');
      expect(run.code, args).not.toBe(0);
      expect(run.stderr.trim().split('\n'), `${args}: ${run.stderr}`).toHaveLength(1);
      expect(`${run.stdout}${run.stderr}`, args).toMatch(/\S/);
      expect(run.stderr, args).not.toMatch(/\bat .*\.ts:\d+|Error:.*\n\s+at /);
    });
    expect(runs[2]?.stderr).toMatch(/no tenant's audit trail holds an event 00000000-/);
  }, 300_000);
});
