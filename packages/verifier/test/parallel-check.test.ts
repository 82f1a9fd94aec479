// The bundle check on worker threads (cli/check-bundle-file.ts): byte ranges checked side by side must
// never call a tampered bundle clean, least of all when the tamper sits where one range ends and the
// next begins, and the report must then name the event as the in-order check does.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHeader, type TrustedHeader } from '../src/bundle/bundle-header.ts';
import { checkBundle } from '../src/bundle/check-bundle.ts';
import { checkBundleFile, checkInParallel } from '../src/cli/check-bundle-file.ts';
import { readLines } from '../src/cli/read-lines.ts';
import { hashLeafText, nodeHasher } from '../src/node-hasher.ts';
import { parseVerifierKey, type VerifierKey } from '../src/verifier-key.ts';
import { buildBundle } from './support/bundle-builder.ts';
import { newSigner } from './support/signing.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'skillhub-verify-parallel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const signer = newSigner('skillhub.test');
const count = 300;
const bundle = buildBundle(signer, count);
/** Bundle line i (0 is the header) holds leaf i - 1. */
const middle = 150;
let key: VerifierKey;
let trusted: TrustedHeader;

beforeAll(async () => {
  key = await parseVerifierKey(signer.vkey);
  const header = await checkHeader(bundle.lines[0], [key], undefined);
  trusted = header.trusted as TrustedHeader;
});

const write = (name: string, lines: string[]) => {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
};

/** The byte offset where bundle line `index` starts. */
const offsetOf = (lines: string[], index: number) =>
  lines.slice(0, index).reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);

/** Two ranges after the header, cut `shift` bytes after the start of line `cut`. */
const cutAt = (file: string, lines: string[], cut: number, shift = 0) => [
  { start: offsetOf(lines, 1), end: offsetOf(lines, cut) + shift },
  { start: offsetOf(lines, cut) + shift, end: statSync(file).size },
];

const options = { keys: [] as VerifierKey[], hasher: nodeHasher, hashLeafText };
const inOrder = (file: string) => checkBundle(readLines(file), { ...options, keys: [key] });

describe('an intact bundle on two workers', () => {
  it('is clean wherever the ranges meet: at a line start, inside a line, on its newline', async () => {
    const file = write('intact.jsonl', bundle.lines);
    const line = bundle.lines[middle] as string;
    for (const shift of [0, 1, Buffer.byteLength(line) - 1, Buffer.byteLength(line)]) {
      const result = await checkInParallel(file, trusted, cutAt(file, bundle.lines, middle, shift));
      expect({ shift, clean: result.clean, events: result.events }).toEqual({ shift, clean: true, events: count });
    }
    const report = await checkBundleFile(file, { ...options, keys: [key], threads: 2, minParallelBytes: 0 });
    expect(report).toMatchObject({ ok: true, eventsChecked: count, problemCount: 0 });
  }, 60_000);
});

const event = (leaf: number) => JSON.parse(bundle.lines[leaf + 1] as string);
const eventId = (leaf: number) => bundle.events[leaf]?.id as string;

/** The lines with an end line that counts their events, as a forger would rewrite it. */
const recount = (lines: string[]) => [...lines.slice(0, -1), JSON.stringify({ type: 'end', events: lines.length - 2 })];

// Each tamper touches the lines on both sides of where the second range begins (line `middle`).
const tampers: { name: string; lines: () => string[]; kind: string; leaf: number; id?: string }[] = [
  {
    name: 'the first event of the second range edited',
    lines: () => {
      const lines = [...bundle.lines];
      const victim = event(middle - 1);
      victim.canonical = victim.canonical.replace('"skill.updated"', '"skill.viewed"');
      lines[middle] = JSON.stringify(victim);
      return lines;
    },
    kind: 'edited',
    leaf: middle - 1,
    id: eventId(middle - 1),
  },
  {
    name: 'the last event of the first range removed',
    lines: () => bundle.lines.filter((_, i) => i !== middle - 1),
    kind: 'removed',
    leaf: middle - 2,
  },
  {
    name: 'the two events around the boundary swapped',
    lines: () => {
      const lines = [...bundle.lines];
      [lines[middle - 1], lines[middle]] = [lines[middle] as string, lines[middle - 1] as string];
      return lines;
    },
    kind: 'reordered',
    leaf: middle - 2,
    id: eventId(middle - 2),
  },
  {
    name: 'the last event of the first range repeated as the first of the second',
    lines: () => [...bundle.lines.slice(0, middle), bundle.lines[middle - 1] as string, ...bundle.lines.slice(middle)],
    kind: 'duplicated',
    leaf: middle - 2,
    id: eventId(middle - 2),
  },
  {
    name: 'the last event of the first range removed, the end line recounted',
    lines: () => recount(bundle.lines.filter((_, i) => i !== middle - 1)),
    kind: 'removed',
    leaf: middle - 2,
  },
  {
    name: 'the last event of the first range repeated, the end line recounted',
    lines: () =>
      recount([...bundle.lines.slice(0, middle), bundle.lines[middle - 1] as string, ...bundle.lines.slice(middle)]),
    kind: 'duplicated',
    leaf: middle - 2,
    id: eventId(middle - 2),
  },
  {
    name: 'a forged event inserted at the boundary',
    lines: () => {
      const forged = event(middle - 1);
      forged.canonical = forged.canonical.replace('"user-', '"intruder-');
      forged.event.actor_id = `intruder-${forged.event.actor_id}`;
      return [...bundle.lines.slice(0, middle), JSON.stringify(forged), ...bundle.lines.slice(middle)];
    },
    kind: 'inserted',
    leaf: middle - 1,
    id: eventId(middle - 1),
  },
  {
    name: 'a second end line at the boundary',
    lines: () => [...bundle.lines.slice(0, middle), bundle.lines.at(-1) as string, ...bundle.lines.slice(middle)],
    kind: 'inserted',
    leaf: -1,
  },
  {
    name: 'the bundle cut at the boundary',
    lines: () => bundle.lines.slice(0, middle + 1),
    kind: 'truncated',
    leaf: middle - 1,
  },
];

describe('a bundle tampered where two ranges meet', () => {
  it.each(tampers)('$name: not clean, and named as $kind', async ({ name, lines, kind, leaf, id }) => {
    const tampered = lines();
    const file = write(`${name.replaceAll(' ', '-')}.jsonl`, tampered);
    for (const shift of [0, 1]) {
      const parallel = await checkInParallel(file, trusted, cutAt(file, tampered, middle, shift));
      expect({ shift, clean: parallel.clean }).toEqual({ shift, clean: false });
    }
    const report = await checkBundleFile(file, { ...options, keys: [key], threads: 2, minParallelBytes: 0 });
    expect(report.ok).toBe(false);
    expect(report).toEqual(await inOrder(file));
    const problem = report.problems.find((p) => p.kind === kind && (leaf < 0 || p.leafIndex === leaf));
    expect(problem, JSON.stringify(report.problems)).toBeDefined();
    if (id) expect(problem?.eventId).toBe(id);
  }, 60_000);
});
