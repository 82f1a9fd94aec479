// Evidence bundles, tampered every way, each problem named with its event.
// Bundles are built by test/support/bundle-builder.ts with an independent tree and a node:crypto key.
import { describe, expect, it } from 'vitest';
import { checkBundle } from '../src/bundle/check-bundle.ts';
import { hashLeafText, nodeHasher } from '../src/node-hasher.ts';
import { parseVerifierKey, type VerifierKey } from '../src/verifier-key.ts';
import { webCryptoHasher } from '../src/webcrypto-hasher.ts';
import { buildBundle, canonicalText } from './support/bundle-builder.ts';
import { leafHash } from './support/reference-tree.ts';
import { newSigner, signCheckpoint } from './support/signing.ts';

const signer = newSigner('skillhub.test');
const key: VerifierKey = await parseVerifierKey(signer.vkey);

async function* linesOf(lines: readonly string[]) {
  yield* lines;
}

const check = (lines: readonly string[], keys = [key], expectedOrigin?: string) =>
  checkBundle(linesOf(lines), { keys, hasher: nodeHasher, hashLeafText, expectedOrigin });

type Line = { type: string; leaf_index: number; canonical: string; proof: string[]; event: Record<string, unknown> };
const parse = (line: string) => JSON.parse(line) as Line;
const edit = (lines: string[], at: number, change: (line: Line) => void) => {
  const copy = [...lines];
  const parsed = parse(copy[at] as string);
  change(parsed);
  copy[at] = JSON.stringify(parsed);
  return copy;
};

const good = buildBundle(signer, 37);
// Leaf i is the array element i + 1 (after the header) and line number i + 2 of the file.
const at = (leaf: number) => leaf + 1;
const lineOf = (leaf: number) => leaf + 2;
const idOf = (leaf: number) => good.events[leaf]?.id as string;

describe('a good bundle', () => {
  it('verifies, with the signed values in the report', async () => {
    const report = await check(good.lines);
    expect(report).toMatchObject({
      ok: true,
      eventsChecked: 37,
      treeSize: 37,
      origin: good.origin,
      rootHash: good.tree.root.toString('base64'),
      key: `${signer.keyName}+${signer.keyId}`,
      complete: true,
      problems: [],
    });
  });

  it('verifies on WebCrypto too, and at every size from 0 to 40', async () => {
    expect((await checkBundle(linesOf(good.lines), { keys: [key], hasher: webCryptoHasher() })).ok).toBe(true);
    for (let size = 0; size <= 40; size++) {
      const report = await check(buildBundle(signer, size).lines);
      expect(report.problems, `size ${size}`).toEqual([]);
    }
  });

  it('verifies an incomplete bundle (a filtered export) whose gaps are not removals', async () => {
    const partial = buildBundle(signer, 50, { only: (i) => i % 3 === 0 });
    expect((await check(partial.lines)).ok).toBe(true);
  });
});

describe('a tampered bundle names the event and the kind', () => {
  it('edited canonical text', async () => {
    const lines = edit(good.lines, at(5), (line) => {
      line.canonical = line.canonical.replace('"skill.updated"', '"skill.deleted"');
      line.event.action = 'skill.deleted';
    });
    const report = await check(lines);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'edited', leafIndex: 5, eventId: idOf(5), line: lineOf(5) }),
    ]);
    expect(report.problems[0]?.message).toMatch(/canonical text or its proof was changed/);
  });

  it('edited readable field, canonical left alone', async () => {
    const lines = edit(good.lines, at(9), (line) => {
      line.event.actor_id = 'someone-else';
    });
    const [problem, ...rest] = (await check(lines)).problems;
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ kind: 'edited', leafIndex: 9, eventId: idOf(9) });
    expect(problem?.message).toContain('actor_id reads "someone-else"');
  });

  it('a readable field removed or added', async () => {
    const removed = edit(good.lines, at(2), (line) => {
      delete line.event.ip_address;
    });
    expect((await check(removed)).problems).toEqual([expect.objectContaining({ kind: 'edited', leafIndex: 2 })]);
    const added = edit(good.lines, at(2), (line) => {
      line.event.approved_by = 'auditor';
    });
    expect((await check(added)).problems).toEqual([expect.objectContaining({ kind: 'edited', leafIndex: 2 })]);
  });

  // The readable event is compared with the canonical text as one string when it prints as that text
  // (jsonb's spacing, JSON.stringify's escapes): edits that a looser text comparison would let through.
  describe('readable edits that print almost like the canonical text', () => {
    const shaped = buildBundle(signer, 9, {
      // Keys in jsonb's order (shorter first, then bytewise), as an exported readable event has them.
      shape: (event, i) => {
        if (i === 3) event.metadata = { note: null, path: 'x\\ny', text: 'a, b: c' };
      },
    });
    const editRaw = (from: string, to: string) => {
      const lines = [...shaped.lines];
      const line = lines[at(3)] as string;
      const event = line.indexOf('"event":');
      expect(line.indexOf(from, event)).toBeGreaterThan(event);
      lines[at(3)] = line.slice(0, event) + line.slice(event).replace(from, to);
      return lines;
    };
    const editedAt3 = async (lines: string[], field: RegExp) => {
      const { problems } = await check(lines);
      expect(problems).toEqual([
        expect.objectContaining({ kind: 'edited', leafIndex: 3, eventId: shaped.events[3]?.id }),
      ]);
      expect(problems[0]?.message).toMatch(field);
    };

    it('the unedited bundle verifies, escapes and all', async () => {
      expect((await check(shaped.lines)).problems).toEqual([]);
    });

    it('a number beyond a double (JSON.stringify prints it as null) where the canonical text holds null', async () => {
      await editedAt3(editRaw('"note":null', '"note":1e999'), /metadata reads/);
      await editedAt3(editRaw('"note":null', '"note":-1e999'), /metadata reads/);
    });

    it('a comma or colon inside a string that loses its space', async () => {
      await editedAt3(editRaw('"a, b: c"', '"a,b:c"'), /metadata reads/);
      await editedAt3(editRaw('"a, b: c"', '"a, b:c"'), /metadata reads/);
    });

    it('an escaped backslash turned into an escaped newline', async () => {
      await editedAt3(editRaw('"x\\\\ny"', '"x\\ny"'), /metadata reads/);
    });

    it('the same values in another key order still agree (compared field by field)', async () => {
      const lines = edit(shaped.lines, at(3), (line) => {
        const { id, ...rest } = line.event;
        line.event = { ...rest, id };
      });
      expect((await check(lines)).problems).toEqual([]);
    });
  });

  // As when the server's stored tree was rewritten under a signed checkpoint:
  // the events still give the signed root, so the proofs are what changed.
  it('edited proof: the event is named genuine, its proof changed', async () => {
    const lines = edit(good.lines, at(12), (line) => {
      line.proof[1] = Buffer.alloc(32, 1).toString('base64');
    });
    const { problems } = await check(lines);
    expect(problems).toEqual([expect.objectContaining({ kind: 'edited', leafIndex: 12, eventId: idOf(12) })]);
    expect(problems[0]?.message).toMatch(/the event is genuine and its proof was changed/);
  });

  it('removed event', async () => {
    const lines = good.lines.filter((_, i) => i !== at(20));
    const report = await check(lines);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'removed', line: lines.length, message: expect.stringContaining('1 removed') }),
      expect.objectContaining({ kind: 'removed', leafIndex: 20 }),
    ]);
  });

  it('removed event with the end line fixed to match', async () => {
    const lines = good.lines.filter((_, i) => i !== at(20));
    lines[lines.length - 1] = JSON.stringify({ type: 'end', events: 36 });
    expect((await check(lines)).problems).toEqual([expect.objectContaining({ kind: 'removed', leafIndex: 20 })]);
  });

  it('removed last event with the end line fixed', async () => {
    const lines = good.lines.filter((_, i) => i !== at(36));
    lines[lines.length - 1] = JSON.stringify({ type: 'end', events: 36 });
    expect((await check(lines)).problems).toEqual([expect.objectContaining({ kind: 'removed', leafIndex: 36 })]);
  });

  it('inserted event with a made-up proof, between two events', async () => {
    const forged = { ...good.events[7], id: 'forged-event', actor_id: 'mallory' };
    const line = JSON.stringify({
      type: 'event',
      leaf_index: 8,
      canonical: canonicalText(forged),
      proof: good.tree.proof(8).map((hash) => hash.toString('base64')),
      event: forged,
    });
    const lines = [...good.lines.slice(0, at(8)), line, ...good.lines.slice(at(8))];
    lines[lines.length - 1] = JSON.stringify({ type: 'end', events: 38 });
    expect((await check(lines)).problems).toEqual([
      expect.objectContaining({ kind: 'inserted', leafIndex: 8, eventId: 'forged-event', line: lineOf(8) }),
    ]);
  });

  it('inserted event beyond the signed tree', async () => {
    const forged = { ...good.events[0], id: 'forged-tail' };
    const line = JSON.stringify({
      type: 'event',
      leaf_index: 37,
      canonical: canonicalText(forged),
      proof: [],
      event: forged,
    });
    const lines = [...good.lines.slice(0, -1), line, JSON.stringify({ type: 'end', events: 38 })];
    expect((await check(lines)).problems).toEqual([
      expect.objectContaining({ kind: 'inserted', leafIndex: 37, eventId: 'forged-tail' }),
    ]);
  });

  it('reordered events (lines swapped)', async () => {
    const lines = [...good.lines];
    [lines[at(3)], lines[at(4)]] = [lines[at(4)] as string, lines[at(3)] as string];
    expect((await check(lines)).problems).toEqual([
      expect.objectContaining({ kind: 'reordered', leafIndex: 3, eventId: idOf(3) }),
    ]);
  });

  it('reordered events renumbered to look in order', async () => {
    const lines = [...good.lines];
    const a = parse(lines[at(10)] as string);
    const b = parse(lines[at(11)] as string);
    lines[at(10)] = JSON.stringify({ ...b, leaf_index: 10 });
    lines[at(11)] = JSON.stringify({ ...a, leaf_index: 11 });
    const problems = (await check(lines)).problems;
    expect(problems).toEqual([
      expect.objectContaining({
        kind: 'reordered',
        leafIndex: 10,
        eventId: idOf(11),
        message: expect.stringContaining('leaf 11'),
      }),
      expect.objectContaining({
        kind: 'reordered',
        leafIndex: 11,
        eventId: idOf(10),
        message: expect.stringContaining('leaf 10'),
      }),
    ]);
  });

  it('duplicated event', async () => {
    const lines = [...good.lines.slice(0, at(15)), good.lines[at(6)] as string, ...good.lines.slice(at(15))];
    lines[lines.length - 1] = JSON.stringify({ type: 'end', events: 38 });
    expect((await check(lines)).problems).toEqual([
      expect.objectContaining({ kind: 'duplicated', leafIndex: 6, eventId: idOf(6), line: lineOf(15) }),
    ]);
  });

  it('truncated: cut in the middle of a line, or before the end line', async () => {
    const cut = [...good.lines.slice(0, at(30)), (good.lines[at(30)] as string).slice(0, 50)];
    const report = await check(cut);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'malformed', line: lineOf(30) }),
      expect.objectContaining({
        kind: 'truncated',
        leafIndex: 29,
        message: expect.stringContaining('leaves 30 to 36 are missing'),
      }),
    ]);
    expect((await check(good.lines.slice(0, -1))).problems).toEqual([
      expect.objectContaining({ kind: 'truncated', leafIndex: 36 }),
    ]);
  });

  it('wrong end line', async () => {
    const lines = [...good.lines.slice(0, -1), JSON.stringify({ type: 'end', events: 12 })];
    expect((await check(lines)).problems).toEqual([expect.objectContaining({ kind: 'inserted', line: lines.length })]);
    const after = [...good.lines, good.lines[2] as string];
    expect((await check(after)).problems).toEqual([expect.objectContaining({ kind: 'inserted', line: after.length })]);
  });

  it('changed checkpoint size, root or origin', async () => {
    const header = JSON.parse(good.lines[0] as string) as Record<string, unknown>;
    const b64 = good.tree.root.toString('base64');
    const variants = [
      (good.checkpoint as string).replace('\n37\n', '\n36\n'),
      (good.checkpoint as string).replace(b64, Buffer.from(leafHash('x')).toString('base64')),
      (good.checkpoint as string).replace('/audit/tenant-a', '/audit/tenant-b'),
    ];
    for (const checkpoint of variants) {
      const lines = [JSON.stringify({ ...header, checkpoint }), ...good.lines.slice(1)];
      const report = await check(lines);
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual([expect.objectContaining({ kind: 'checkpoint-forged', line: 1 })]);
    }
  });

  it('header contradicting the signed checkpoint', async () => {
    const header = JSON.parse(good.lines[0] as string) as Record<string, unknown>;
    const bigger = [JSON.stringify({ ...header, tree_size: 38 }), ...good.lines.slice(1)];
    expect((await check(bigger)).problems).toEqual([expect.objectContaining({ kind: 'checkpoint-forged', line: 1 })]);
    const elsewhere = [JSON.stringify({ ...header, origin: 'skillhub.test/audit/tenant-b' }), ...good.lines.slice(1)];
    expect((await check(elsewhere)).problems).toEqual([expect.objectContaining({ kind: 'wrong-origin', line: 1 })]);
  });

  it('signed with another key', async () => {
    const other = newSigner('skillhub.test');
    const header = JSON.parse(good.lines[0] as string) as Record<string, unknown>;
    const checkpoint = signCheckpoint(good.origin, 37, good.tree.root, other);
    const lines = [JSON.stringify({ ...header, checkpoint, key_id: other.keyId }), ...good.lines.slice(1)];
    expect((await check(lines)).problems).toEqual([expect.objectContaining({ kind: 'unknown-key', line: 1 })]);
  });

  it("another tenant's log when this one is expected", async () => {
    const report = await check(good.lines, [key], 'skillhub.test/audit/tenant-b');
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'wrong-origin', line: 1 })]);
  });

  it('malformed lines: not JSON, a NUL byte, a huge index, a proof that is not a list', async () => {
    const lines = [...good.lines];
    lines[at(1)] = '{"type":"event",';
    lines[at(2)] = (lines[at(2)] as string).replace('skill.updated', 'skill\u0000updated');
    lines[at(3)] = JSON.stringify({ ...parse(lines[at(3)] as string), leaf_index: 1e300 });
    lines[at(4)] = JSON.stringify({ ...parse(lines[at(4)] as string), proof: 'AAAA' });
    const kinds = (await check(lines)).problems.map((p) => [p.kind, p.line]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        ['malformed', lineOf(1)],
        ['malformed', lineOf(2)],
        ['malformed', lineOf(3)],
        ['malformed', lineOf(4)],
      ]),
    );
  });

  it('an empty bundle or one without a header', async () => {
    expect((await check([])).problems).toEqual([expect.objectContaining({ kind: 'truncated' })]);
    expect((await check(good.lines.slice(1))).problems).toEqual([
      expect.objectContaining({ kind: 'malformed', line: 1 }),
    ]);
  });
});
