// The skillhub-verify command, run in-process: exit codes, the one-line summary, named problems, --json, consistency.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli/main.ts';
import { buildBundle } from './support/bundle-builder.ts';
import { consistencyProof, leafHash, mth } from './support/reference-tree.ts';
import { newSigner, signCheckpoint } from './support/signing.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'skillhub-verify-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const at = path.join(dir, name);
  writeFileSync(at, content);
  return at;
};

async function verify(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (line) => out.push(line), err: (line) => err.push(line), progress: false });
  return { code, out, err };
}

const signer = newSigner('skillhub.test');
const bundle = buildBundle(signer, 25);
const good = file('good.jsonl', `${bundle.lines.join('\n')}\n`);
const tamperedLines = [...bundle.lines];
tamperedLines[8] = (tamperedLines[8] as string).replace('"actor_id":"user-8"', '"actor_id":"nobody"');
const tampered = file('tampered.jsonl', `${tamperedLines.join('\n')}\n`);

// A complete bundle with leaves 5 to 7 cut out, the header's `complete` turned false and the end line recounted:
// nothing signed says whether a bundle is complete, so the cut cannot be an error by itself.
const cutLines = bundle.lines.filter((_, i) => i < 6 || i > 8);
cutLines[0] = (cutLines[0] as string).replace('"complete":true', '"complete":false');
cutLines[cutLines.length - 1] = JSON.stringify({ type: 'end', events: 22 });
const cut = file('cut.jsonl', `${cutLines.join('\n')}\n`);

describe('skillhub-verify <bundle>', () => {
  it('says a bundle is incomplete when its header says so, and with --complete names the leaves it lacks', async () => {
    const lenient = await verify(cut, '--key', signer.vkey);
    expect(lenient.code).toBe(0);
    expect(lenient.out[0]).toMatch(/22 events checked against the signed tree of 25 leaves \(incomplete: 3 leaves/);
    for (const threads of ['1', '2']) {
      const strict = await verify(cut, '--key', signer.vkey, '--complete', '--threads', threads);
      expect(strict.code).toBe(1);
      expect(strict.out[0]).toMatch(/^removed: leaf 5.*leaves 5 to 7 of the signed tree \(3 events\) are missing/);
    }
    expect((await verify(good, '--key', signer.vkey, '--complete')).code).toBe(0);
  });

  it('prints one line and exits 0 on a good bundle', async () => {
    const { code, out, err } = await verify(good, '--key', signer.vkey);
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^OK .*: 25 events checked against the signed tree of 25 leaves \(complete\)/);
    expect(out[0]).toContain(`key ${signer.keyName}+${signer.keyId}`);
    expect(out[0]).toContain(`root ${bundle.tree.root.toString('base64')}`);
  });

  it('names the edited event and exits 1', async () => {
    const { code, out } = await verify(tampered, '--key', signer.vkey);
    expect(code).toBe(1);
    expect(out[0]).toBe(
      `edited: leaf 7, event ${bundle.events[7]?.id}, line 9: the readable event disagrees with its signed canonical text: actor_id reads "nobody" but the canonical text says "user-8"`,
    );
    expect(out.at(-1)).toMatch(/^FAILED .*: 1 problem in 25 events/);
  });

  it('answers in JSON with --json, and reads keys from a key file', async () => {
    const keys = file(
      'keys.json',
      JSON.stringify({ keys: [{ key_name: signer.keyName, vkey: signer.vkey, current: true }] }),
    );
    const { code, out } = await verify(tampered, '--key-file', keys, '--json');
    expect(code).toBe(1);
    const report = JSON.parse(out[0] as string);
    expect(report).toMatchObject({ ok: false, events_checked: 25, tree_size: 25, problem_count: 1 });
    expect(report.problems[0]).toMatchObject({
      kind: 'edited',
      leaf_index: 7,
      event_id: bundle.events[7]?.id,
      line: 9,
    });
    const textKeys = file('keys.txt', `# the deployment's key\n${signer.vkey}\n`);
    expect((await verify(good, '--key-file', textKeys)).code).toBe(0);
  });

  it('reads the bundle from standard input with -', async () => {
    // Standard input is the test runner's; only check that "-" is taken as a path, not an option.
    const { code, err } = await verify('-', '--key', 'not a key');
    expect(code).toBe(2);
    expect(err[0]).toMatch(/^skillhub-verify: bad key/);
  });

  it.each([
    [['--key', 'x'], /give one bundle file/],
    [['a', 'b', '--key', 'x'], /give one bundle file/],
    [['bundle.jsonl'], /give the public key/],
    [
      ['bundle.jsonl', '--key', 'skillhub.test+00000000+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k'],
      /does not match/,
    ],
    [['bundle.jsonl', '--frobnicate'], /Unknown option/],
    [['bundle.jsonl', '--key-file', '/nonexistent/keys'], /cannot read the key file/],
    [[good, '--key', signer.vkey, '--threads', '0'], /--threads takes a number of threads from 1 to 99/],
    [[good, '--key', signer.vkey, '--threads', '1e9'], /--threads takes a number of threads from 1 to 99/],
  ])('exits 2 with one line for %j', async (argv, message) => {
    const { code, out, err } = await verify(...argv);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(message);
  });

  it('checks on two worker threads when asked, with the same answers', async () => {
    const ok = await verify(good, '--key', signer.vkey, '--threads', '2');
    expect({ code: ok.code, err: ok.err }).toEqual({ code: 0, err: [] });
    expect(ok.out[0]).toMatch(/^OK .*: 25 events checked/);
    const bad = await verify(tampered, '--key', signer.vkey, '--threads', '2');
    expect(bad.code).toBe(1);
    expect(bad.out).toEqual((await verify(tampered, '--key', signer.vkey, '--threads', '1')).out);
  });

  it('exits 2 for a bundle file that does not exist', async () => {
    const { code, err } = await verify(path.join(dir, 'missing.jsonl'), '--key', signer.vkey);
    expect(code).toBe(2);
    expect(err[0]).toMatch(/ENOENT/);
  });
});

describe('skillhub-verify consistency', () => {
  const leaves = Array.from({ length: 20 }, (_, i) => leafHash(`event ${i}`));
  const origin = `${signer.keyName}/audit/tenant-a`;
  const older = file('older.txt', signCheckpoint(origin, 13, mth(leaves.slice(0, 13)), signer));
  const newerNote = signCheckpoint(origin, 20, mth(leaves), signer);
  const newer = file('newer.json', JSON.stringify({ origin, tree_size: 20, checkpoint: newerNote }));
  const proof = consistencyProof(13, leaves).map((hash) => hash.toString('base64'));
  const proofFile = file('proof.json', JSON.stringify({ from: 13, to: 20, proof }));

  it('accepts a tree that extends the older one', async () => {
    const { code, out } = await verify('consistency', older, newer, proofFile, '--key', signer.vkey);
    expect(code).toBe(0);
    expect(out).toEqual([
      expect.stringMatching(/^OK: skillhub\.test\/audit\/tenant-a at 20 leaves .* extends 13 leaves/),
    ]);
    const plain = file('proof.txt', `${proof.join('\n')}\n`);
    expect((await verify('consistency', newer, older, plain, '--key', signer.vkey)).code).toBe(0);
  });

  it('reports a fork: history rewritten under a new signature', async () => {
    const forked = [...leaves];
    forked[4] = leafHash('rewritten');
    const forkedNewer = file('forked.txt', signCheckpoint(origin, 20, mth(forked), signer));
    const forkedProof = file(
      'forked-proof.json',
      JSON.stringify({ from: 13, to: 20, proof: consistencyProof(13, forked).map((h) => h.toString('base64')) }),
    );
    const { code, out } = await verify('consistency', older, forkedNewer, forkedProof, '--key', signer.vkey, '--json');
    expect(code).toBe(1);
    expect(JSON.parse(out[0] as string)).toMatchObject({ ok: false, problems: [{ kind: 'fork' }] });
  });

  it('reports two checkpoints of the same size with different roots as a fork', async () => {
    const other = file('other13.txt', signCheckpoint(origin, 13, mth([...leaves.slice(0, 12), leafHash('x')]), signer));
    const empty = file('empty.json', JSON.stringify({ from: 13, to: 13, proof: [] }));
    const { code, out } = await verify('consistency', older, other, empty, '--key', signer.vkey);
    expect(code).toBe(1);
    expect(out[0]).toMatch(/^fork: /);
  });

  it('reports a forged checkpoint before any proof', async () => {
    const forged = file('forged.txt', newerNote.replace('\n20\n', '\n21\n'));
    const { code, out } = await verify('consistency', older, forged, proofFile, '--key', signer.vkey);
    expect(code).toBe(1);
    expect(out[0]).toMatch(/^checkpoint-forged: the newer checkpoint/);
  });

  it('exits 2 on a proof file that is not a proof', async () => {
    const bad = file('bad-proof.json', JSON.stringify({ proof: ['not base64!'] }));
    const { code, err } = await verify('consistency', older, newer, bad, '--key', signer.vkey);
    expect(code).toBe(2);
    expect(err[0]).toMatch(/is not a base64 SHA-256 hash/);
  });
});
