// Retention records in a bundle's header, forged every way the server's own records cannot be:
// each must be signed by the trusted key, name this log, start where the one before ended and stay
// inside the signed tree, and no leaf it covers may still be in the bundle.
import { describe, expect, it } from 'vitest';
import { checkBundle } from '../src/bundle/check-bundle.ts';
import { hashLeafText, nodeHasher } from '../src/node-hasher.ts';
import { parseVerifierKey } from '../src/verifier-key.ts';
import { type BuiltBundle, buildBundle } from './support/bundle-builder.ts';
import { newSigner, signatureLine, type TestSigner } from './support/signing.ts';

const signer = newSigner('skillhub.test');
const key = await parseVerifierKey(signer.vkey);
const size = 30;

/** A retention record's note (0048's form) for leaves [start, end) of `origin`. */
function record(origin: string, start: number, end: number, by: TestSigner = signer): string {
  const text = [
    origin,
    `retention ${start} ${end}`,
    'removed-at 2026-11-01T00:00:00.000000Z',
    'policy 30 days',
    'cutoff 2026-10-02T00:00:00.000000Z',
    `checkpoint ${size} ${Buffer.alloc(32, 1).toString('base64')}`,
    `chain-hash ${Buffer.alloc(32, 2).toString('base64')}`,
  ].join('\n');
  return `${text}\n\n${signatureLine(by, `${text}\n`)}`;
}

/** A complete bundle from which leaves [0, kept) are gone, its header carrying `retention`. */
function afterRetention(removedBefore: number, retention: (bundle: BuiltBundle) => string[]): string[] {
  const bundle = buildBundle(signer, size, { only: (leaf) => leaf >= removedBefore });
  const header = { ...JSON.parse(bundle.lines[0] as string), complete: true, retention: retention(bundle) };
  return [JSON.stringify(header), ...bundle.lines.slice(1)];
}

async function check(lines: string[]) {
  async function* each() {
    yield* lines;
  }
  return checkBundle(each(), { keys: [key], hasher: nodeHasher, hashLeafText });
}

const kinds = async (lines: string[]) => (await check(lines)).problems.map((p) => p.kind);

describe('retention records in a bundle', () => {
  it('two contiguous records from leaf 0 excuse the prefix they cover, and nothing more', async () => {
    const report = await check(afterRetention(10, (b) => [record(b.origin, 0, 4), record(b.origin, 4, 10)]));
    expect(report.problems).toEqual([]);
    expect(report.removedByPolicy?.map((r) => [r.startLeaf, r.endLeaf])).toEqual([
      [0, 4],
      [4, 10],
    ]);
    const short = await check(afterRetention(10, (b) => [record(b.origin, 0, 8)]));
    expect(short.problems).toEqual([expect.objectContaining({ kind: 'removed', leafIndex: 8 })]);
  });

  it('a record of another workspace’s log, signed by the same key, is forged here', async () => {
    expect(await kinds(afterRetention(10, () => [record('skillhub.test/audit/tenant-b', 0, 10)]))).toContain(
      'retention-forged',
    );
  });

  it('a record signed by another key, even one that borrows the name, is forged', async () => {
    const impostor = newSigner('skillhub.test');
    expect(await kinds(afterRetention(10, (b) => [record(b.origin, 0, 10, impostor)]))).toContain('retention-forged');
  });

  it('a record whose text was edited after signing (a wider range) is forged', async () => {
    expect(
      await kinds(afterRetention(12, (b) => [record(b.origin, 0, 10).replace('retention 0 10', 'retention 0 12')])),
    ).toContain('retention-forged');
  });

  it('a record that does not start at leaf 0, or leaves a gap after the one before, is forged', async () => {
    expect(await kinds(afterRetention(10, (b) => [record(b.origin, 2, 10)]))).toContain('retention-forged');
    expect(await kinds(afterRetention(10, (b) => [record(b.origin, 0, 4), record(b.origin, 5, 10)]))).toContain(
      'retention-forged',
    );
  });

  it('a record reaching past the signed tree is forged', async () => {
    expect(
      await kinds(
        afterRetention(size, (b) => [
          record(b.origin, 0, size + 5).replace(`checkpoint ${size}`, `checkpoint ${size + 5}`),
        ]),
      ),
    ).toContain('retention-forged');
  });

  it('a record claiming leaves the bundle still holds is forged, the leaf named', async () => {
    const report = await check(afterRetention(6, (b) => [record(b.origin, 0, 10)]));
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'retention-forged', leafIndex: 6 }));
  });

  it('a retention field that is not a list of notes, or one of absurd length, is forged, not a crash', async () => {
    for (const field of ['note', [7], Array.from({ length: 10_001 }, () => 'x')]) {
      expect(await kinds(afterRetention(0, () => field as string[]))).toContain('retention-forged');
    }
  });
});
