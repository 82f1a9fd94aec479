/**
 * Checks an evidence bundle (JSON Lines: header, events, end line) against
 * trusted keys, streaming: memory stays flat whatever the bundle's size.
 */
import { bytesEqual, fromBase64, toBase64, utf8 } from '../bytes.ts';
import type { Awaitable, MerkleHasher } from '../merkle-hasher.ts';
import { verifyInclusion } from '../merkle-proofs.ts';
import { RootBuilder } from '../merkle-root.ts';
import type { VerifierKey } from '../verifier-key.ts';
import { checkHeader, type TrustedHeader } from './bundle-header.ts';
import { parseCanonicalEvent } from './canonical-event.ts';
import { readableIsCanonical } from './canonical-serialization.ts';
import { InclusionMemo } from './inclusion-memo.ts';
import { LeafLedger, type LeafRange } from './leaf-ledger.ts';
import { type Problem, ProblemList } from './problems.ts';
import { readableDisagreements } from './readable-fields.ts';
import type { RemovedByPolicy } from './retention-records.ts';

/** A line of the bundle, without its newline; `{ oversized }` for a line longer than the reader accepts. */
export type BundleLine = string | { oversized: number };

/** What {@link checkBundle} needs. */
export interface CheckBundleOptions {
  /** The keys the checkpoint may be signed by (usually one). */
  keys: readonly VerifierKey[];
  hasher: MerkleHasher;
  /** SHA-256(0x00 ‖ UTF-8 of the text); defaults to `hasher.hashLeaf(utf8(text))`. */
  hashLeafText?: (text: string) => Awaitable<Uint8Array>;
  /** Require the checkpoint to be of this log (e.g. `skillhub.example/audit/<tenant id>`). */
  expectedOrigin?: string;
  /**
   * Check the bundle as complete whatever its header says: nothing signed
   * says whether a bundle is complete, so a header turned `false` would
   * otherwise excuse any leaf cut out of it.
   */
  requireComplete?: boolean;
  /** Called every `progressEvery` events. */
  onProgress?: (eventsChecked: number) => void;
  progressEvery?: number;
}

/** The outcome of a bundle check. `ok` only when no problem at all was found. */
export interface BundleReport {
  ok: boolean;
  /** Event lines read. */
  eventsChecked: number;
  /** The signed checkpoint's values, when it verified. */
  origin?: string;
  treeSize?: number;
  rootHash?: string;
  key?: string;
  complete?: boolean;
  /** Leaves the bundle does not hold because signed retention records say they left by policy. */
  removedByPolicy?: RemovedByPolicy[];
  /** The problems kept (at most 10,000), in bundle order. */
  problems: Problem[];
  /** All problems found, kept or not. */
  problemCount: number;
}

/** Longest audit path of a tree below 2^53 leaves. */
const maxProofLength = 64;
/** Failed lines searched for the leaf they really prove (each search costs up to ~2,500 hashes). */
const maxRelocations = 1_000;
/** Leaves around the claimed one where a relocated event is looked for. */
const relocationWindow = 64;
/** Failed lines kept until the end to tell an edited leaf from an inserted line. */
const maxDeferred = 10_000;

interface Deferred {
  leafIndex: number;
  eventId?: string;
  line: number;
}

/**
 * Checks a whole bundle: the checkpoint's signature and the header against
 * it; each event's leaf hash and inclusion proof against the signed root,
 * its readable fields against its canonical text, and the order of leaf
 * indexes; for `complete` bundles, that no leaf is missing; and that the end
 * line is there and counts the events. Every problem names the event's leaf
 * index and id when the line has them.
 *
 * @example
 * const report = await checkBundle(readBundleLines('bundle.jsonl'), { keys: [key], hasher: nodeHasher });
 * if (!report.ok) for (const p of report.problems) console.error(p.kind, p.leafIndex, p.eventId, p.message);
 */
export async function checkBundle(
  lines: AsyncIterable<BundleLine>,
  options: CheckBundleOptions,
): Promise<BundleReport> {
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  const headerLine = first.done ? undefined : first.value;
  const header = await checkHeader(
    typeof headerLine === 'string' ? headerLine : undefined,
    options.keys,
    options.expectedOrigin,
    options.requireComplete,
  );
  const problems = new ProblemList();
  if (typeof headerLine === 'object') {
    problems.add({ kind: 'malformed', line: 1, message: `the first line is ${headerLine.oversized} bytes long` });
  }
  for (const problem of header.problems) problems.add(problem);
  if (!header.trusted) {
    await iterator.return?.();
    return { ok: false, eventsChecked: 0, problems: problems.items, problemCount: problems.count };
  }
  const run = new BundleRun(header.trusted, options, problems);
  let lineNumber = 1;
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    lineNumber++;
    await run.line(next.value, lineNumber);
  }
  await run.finish();
  const { checkpoint, key } = header.trusted;
  const sorted = [...problems.items].sort(
    (a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER),
  );
  return {
    ok: problems.count === 0,
    eventsChecked: run.events,
    origin: checkpoint.origin,
    treeSize: checkpoint.treeSize,
    rootHash: toBase64(checkpoint.rootHash),
    key: `${key.keyName}+${key.keyId}`,
    complete: header.trusted.complete,
    removedByPolicy: header.trusted.removed,
    problems: sorted,
    problemCount: problems.count,
  };
}

/** The state of one bundle check between lines (also of one part of it: bundle-segment.ts). */
export class BundleRun {
  events = 0;
  firstLeaf = -1;
  private endCount: number | undefined;
  private endLine = 0;
  private readonly memo: InclusionMemo;
  private readonly ledger = new LeafLedger();
  private readonly deferred: Deferred[] = [];
  private relocations = 0;
  private readonly hashLeafText: (text: string) => Awaitable<Uint8Array>;
  /**
   * The root of the events themselves, while they come as leaves 0, 1, 2, …
   * of a complete bundle (dropped at the first line out of that order): when
   * it is the signed root, a proof that fails is the server's stored tree
   * rewritten, not the event.
   */
  private eventRoot: RootBuilder | undefined;

  /**
   * `rootOfEvents: false` skips the events' own root, for a part of a bundle
   * whose caller checks the whole bundle again in order when any proof
   * fails (the root only ever decides how a failed proof is reported).
   */
  constructor(
    private readonly trusted: TrustedHeader,
    private readonly options: CheckBundleOptions,
    private readonly problems: ProblemList,
    { rootOfEvents = true }: { rootOfEvents?: boolean } = {},
  ) {
    this.memo = new InclusionMemo(options.hasher, trusted.checkpoint.treeSize, trusted.checkpoint.rootHash);
    this.hashLeafText = options.hashLeafText ?? ((text) => options.hasher.hashLeaf(utf8(text)));
    if (trusted.complete && rootOfEvents) this.eventRoot = new RootBuilder(options.hasher);
  }

  /** The end line's count once it has been read (-1 when it counts nothing valid), else undefined. */
  get endSeen(): number | undefined {
    return this.endCount;
  }

  get deferredCount(): number {
    return this.deferred.length;
  }

  get lastLeaf(): number {
    return this.ledger.last;
  }

  /** No leaf missing between the first proved and the last (the leaves before the first are another part's). */
  get gapless(): boolean {
    const gaps = this.ledger.missing();
    return gaps.length === 0 || (gaps.length === 1 && gaps[0]?.first === 0 && gaps[0].last === this.firstLeaf - 1);
  }

  async line(raw: BundleLine, line: number): Promise<void> {
    if (typeof raw !== 'string') {
      this.problems.add({
        kind: 'malformed',
        line,
        message: `line ${line} is ${raw.oversized} bytes long, beyond the limit`,
      });
      return;
    }
    if (this.endCount !== undefined) {
      if (raw !== '') this.problems.add({ kind: 'inserted', line, message: `line ${line} comes after the end line` });
      return;
    }
    let parsed: {
      type?: unknown;
      leaf_index?: unknown;
      canonical?: unknown;
      proof?: unknown;
      event?: unknown;
      events?: unknown;
    };
    try {
      parsed = JSON.parse(raw);
    } catch {
      this.problems.add({ kind: 'malformed', line, message: `line ${line} is not JSON` });
      return;
    }
    if (typeof parsed !== 'object' || parsed === null) {
      this.problems.add({ kind: 'malformed', line, message: `line ${line} is not a JSON object` });
    } else if (parsed.type === 'event') {
      this.events++;
      if (this.options.onProgress && this.events % (this.options.progressEvery ?? 100_000) === 0) {
        this.options.onProgress(this.events);
      }
      await this.event(parsed, line);
    } else if (parsed.type === 'end') {
      const count = parsed.events;
      this.endCount = typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : -1;
      this.endLine = line;
    } else {
      this.problems.add({ kind: 'malformed', line, message: `line ${line} is neither an event nor the end line` });
    }
  }

  private async event(
    parsed: { leaf_index?: unknown; canonical?: unknown; proof?: unknown; event?: unknown },
    line: number,
  ): Promise<void> {
    const { leaf_index: leafIndex, canonical, proof, event } = parsed;
    const readableId =
      typeof event === 'object' && event !== null ? readableEventId(event as Record<string, unknown>) : undefined;
    if (typeof leafIndex !== 'number' || !Number.isSafeInteger(leafIndex) || leafIndex < 0) {
      this.problems.add({ kind: 'malformed', line, eventId: readableId, message: 'the event has no valid leaf_index' });
      return;
    }
    if (typeof canonical !== 'string' || !isProof(proof)) {
      this.problems.add({
        kind: 'malformed',
        line,
        leafIndex,
        eventId: readableId,
        message: 'the event lacks its canonical text or its proof (a list of base64 hashes)',
      });
      return;
    }
    // When the readable event prints as the canonical text, they agree and nothing is parsed again.
    const agrees =
      this.trusted.eventsFormat === 'jsonl' &&
      typeof readableId === 'string' &&
      readableIsCanonical(event as Record<string, unknown>, canonical);
    const read = agrees ? undefined : parseCanonicalEvent(canonical);
    const eventId = agrees ? readableId : (read?.id ?? readableId);
    const { treeSize } = this.trusted.checkpoint;
    if (leafIndex < (this.trusted.removedBefore ?? 0)) {
      this.problems.add({
        kind: 'retention-forged',
        line,
        leafIndex,
        eventId,
        message: `leaf ${leafIndex} is here, yet a retention record says it left by policy`,
      });
      return;
    }
    if (leafIndex >= treeSize) {
      this.problems.add({
        kind: 'inserted',
        line,
        leafIndex,
        eventId,
        message: `leaf ${leafIndex} is beyond the signed tree of ${treeSize} leaves: this event is not in it`,
      });
      return;
    }
    const hashed = this.hashLeafText(canonical);
    const leafHash = hashed instanceof Uint8Array ? hashed : await hashed;
    if (this.eventRoot?.size === leafIndex) await this.eventRoot.append(leafHash);
    else if (this.eventRoot) this.eventRoot = undefined;
    if (await this.memo.verify(leafIndex, leafHash, proof)) {
      this.arrived(leafIndex, eventId, line, false);
      if (agrees) return;
      if (!read) {
        this.problems.add({
          kind: 'malformed',
          line,
          leafIndex,
          eventId,
          message: 'the canonical text is not an event',
        });
      } else {
        const fields = readableDisagreements(this.trusted.eventsFormat, event, read);
        if (fields.length > 0) {
          this.problems.add({
            kind: 'edited',
            line,
            leafIndex,
            eventId,
            message: `the readable event disagrees with its signed canonical text: ${fields.join('; ')}`,
          });
        }
      }
      return;
    }
    const actual = await this.relocate(leafIndex, leafHash, proof);
    if (actual !== undefined) {
      this.problems.add({
        kind: 'reordered',
        line,
        leafIndex,
        eventId,
        message: `this event is leaf ${actual} of the signed tree, placed as leaf ${leafIndex}`,
      });
      this.arrived(actual, eventId, line, true);
      return;
    }
    if (this.deferred.length < maxDeferred) this.deferred.push({ leafIndex, eventId, line });
    else this.reportEdited({ leafIndex, eventId, line });
  }

  /** Books a proved leaf and reports it when it comes late or twice. */
  private arrived(leafIndex: number, eventId: string | undefined, line: number, alreadyReported: boolean): void {
    const arrival = this.ledger.accept(leafIndex);
    if (this.firstLeaf < 0) this.firstLeaf = leafIndex;
    if (alreadyReported || arrival === 'in-order') return;
    this.problems.add(
      arrival === 'late'
        ? { kind: 'reordered', line, leafIndex, eventId, message: `leaf ${leafIndex} comes after a later leaf` }
        : { kind: 'duplicated', line, leafIndex, eventId, message: `leaf ${leafIndex} appears a second time` },
    );
  }

  /** The leaf near `claimed` that this leaf hash and proof do prove, if any (a moved or renumbered event). */
  private async relocate(claimed: number, leafHash: Uint8Array, proof: readonly string[]): Promise<number | undefined> {
    if (this.relocations >= maxRelocations) return undefined;
    this.relocations++;
    const { treeSize, rootHash } = this.trusted.checkpoint;
    const hashes: Uint8Array[] = [];
    for (const element of proof) {
      const bytes = decode(element);
      if (!bytes) return undefined;
      hashes.push(bytes);
    }
    const from = Math.max(0, claimed - relocationWindow);
    const to = Math.min(treeSize - 1, claimed + relocationWindow);
    for (let candidate = from; candidate <= to; candidate++) {
      if (candidate === claimed || inclusionProofLength(candidate, treeSize) !== proof.length) continue;
      const result = await verifyInclusion(this.options.hasher, candidate, treeSize, leafHash, hashes, rootHash);
      if (result.ok) return candidate;
    }
    return undefined;
  }

  private reportEdited({ leafIndex, eventId, line }: Deferred, eventsGiveRoot = false): void {
    this.ledger.account(leafIndex);
    this.problems.add({
      kind: 'edited',
      line,
      leafIndex,
      eventId,
      message: eventsGiveRoot
        ? `leaf ${leafIndex}'s proof does not lead to the signed root, though the bundle's events, in order, hash to it: ` +
          'the event is genuine and its proof was changed (in the file, or on the server: a rewritten stored leaf or tree node)'
        : `leaf ${leafIndex} does not hash into the signed tree: its canonical text or its proof was changed`,
    });
  }

  /** Whether every leaf came in order and the events alone give the signed root. */
  private async eventsGiveSignedRoot(): Promise<boolean> {
    const { treeSize, rootHash } = this.trusted.checkpoint;
    return this.eventRoot?.size === treeSize && bytesEqual(await this.eventRoot.root(), rootHash);
  }

  async finish(): Promise<void> {
    const eventsGiveRoot = this.deferred.length > 0 && (await this.eventsGiveSignedRoot());
    for (const pending of this.deferred) {
      if (this.ledger.has(pending.leafIndex)) {
        this.problems.add({
          kind: 'inserted',
          line: pending.line,
          leafIndex: pending.leafIndex,
          eventId: pending.eventId,
          message: `this line claims leaf ${pending.leafIndex}, which another line proves; this event is not in the signed tree`,
        });
      } else this.reportEdited(pending, eventsGiveRoot);
    }
    const { treeSize } = this.trusted.checkpoint;
    const truncated = this.endCount === undefined;
    if (truncated) {
      const last = this.ledger.last;
      this.problems.add({
        kind: 'truncated',
        leafIndex: last >= 0 ? last : undefined,
        message:
          `the bundle stops without its end line after ${this.events} events` +
          (last >= 0 ? ` (last leaf ${last})` : '') +
          (this.trusted.complete && last < treeSize - 1 ? `; leaves ${last + 1} to ${treeSize - 1} are missing` : ''),
      });
    } else if (this.endCount !== this.events) {
      const count = this.endCount as number;
      this.problems.add(
        count < 0
          ? { kind: 'malformed', line: this.endLine, message: 'the end line does not count the events' }
          : count > this.events
            ? {
                kind: 'removed',
                line: this.endLine,
                message: `the end line counts ${count} events but the bundle holds ${this.events}: ${count - this.events} removed`,
              }
            : {
                kind: 'inserted',
                line: this.endLine,
                message: `the end line counts ${count} events but the bundle holds ${this.events}: ${this.events - count} added`,
              },
      );
    }
    if (!this.trusted.complete) return;
    // The prefix signed retention records removed is not missing.
    const removedBefore = this.trusted.removedBefore ?? 0;
    const gaps: LeafRange[] = this.ledger
      .missing()
      .filter((gap) => gap.last >= removedBefore)
      .map((gap) => ({ first: Math.max(gap.first, removedBefore), last: gap.last }));
    const tailFrom = Math.max(this.ledger.last + 1, removedBefore);
    if (!truncated && tailFrom <= treeSize - 1) gaps.push({ first: tailFrom, last: treeSize - 1 });
    for (const gap of gaps) {
      this.problems.add({
        kind: 'removed',
        leafIndex: gap.first,
        message:
          gap.first === gap.last
            ? `leaf ${gap.first} of the signed tree is missing from this complete bundle`
            : `leaves ${gap.first} to ${gap.last} of the signed tree (${gap.last - gap.first + 1} events) are missing from this complete bundle`,
      });
    }
  }
}

function isProof(value: unknown): value is string[] {
  return (
    Array.isArray(value) && value.length <= maxProofLength && value.every((element) => typeof element === 'string')
  );
}

function readableEventId(event: Record<string, unknown>): string | undefined {
  const id = event.id ?? (event.metadata as Record<string, unknown> | undefined)?.uid;
  return typeof id === 'string' ? id : undefined;
}

const decode = (element: string) => {
  const bytes = fromBase64(element);
  return bytes && bytes.length === 32 ? bytes : undefined;
};

/** The length of leaf `index`'s audit path in a tree of `size` leaves: the iterations of RFC 9162 §2.1.3.2's loop. */
export function inclusionProofLength(index: number, size: number): number {
  let fn = index;
  let sn = size - 1;
  let length = 0;
  while (sn > 0) {
    length++;
    if (fn % 2 === 1 || fn === sn) {
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return length;
}
