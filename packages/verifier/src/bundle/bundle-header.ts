/**
 * The first line of an evidence bundle and the signed checkpoint it carries:
 * checked against the trusted keys before any event is read.
 */
import type { Checkpoint, CheckpointView } from '../checkpoint.ts';
import type { VerifierKey } from '../verifier-key.ts';
import { verifyCheckpoint } from '../verify-checkpoint.ts';
import type { Problem } from './problems.ts';
import type { EventsFormat } from './readable-fields.ts';
import { checkRetentionRecords, type RemovedByPolicy } from './retention-records.ts';

/** The header line, as the contract writes it. */
export interface BundleHeader extends CheckpointView {
  type: 'skillhub.evidence-bundle';
  version: 1;
  events_format: EventsFormat;
  complete: boolean;
  /** Signed retention records, oldest range first: the leaves they cover left by policy. */
  retention?: string[];
}

/** A header whose checkpoint verified: the signed values to check events against. */
export interface TrustedHeader {
  checkpoint: Checkpoint;
  key: VerifierKey;
  eventsFormat: EventsFormat;
  complete: boolean;
  /** Leaves [0, removedBefore) left by policy under the trusted records in `removed`. */
  removedBefore: number;
  removed: RemovedByPolicy[];
}

/** The outcome of {@link checkHeader}: the trusted values (if the checkpoint holds) and what was found wrong. */
export interface HeaderCheck {
  trusted?: TrustedHeader;
  problems: Problem[];
}

const malformed = (message: string): HeaderCheck => ({ problems: [{ kind: 'malformed', line: 1, message }] });

/**
 * Reads the header line, verifies its checkpoint with the first of `keys`
 * that signed it, and compares the header's copies (origin, size, root, key)
 * with the signed values. With `expectedOrigin`, the checkpoint must be that
 * log's; without, its origin must at least be one of the key's deployment
 * (`<key name>/audit/...`). With `requireComplete`, the bundle is trusted
 * as complete whatever its (unsigned) header says.
 */
export async function checkHeader(
  line: string | undefined,
  keys: readonly VerifierKey[],
  expectedOrigin?: string,
  requireComplete = false,
): Promise<HeaderCheck> {
  if (line === undefined) return { problems: [{ kind: 'truncated', message: 'the bundle is empty' }] };
  let header: Partial<BundleHeader>;
  try {
    header = JSON.parse(line) as Partial<BundleHeader>;
  } catch {
    return malformed('the first line is not JSON');
  }
  if (typeof header !== 'object' || header === null || header.type !== 'skillhub.evidence-bundle') {
    return malformed('the first line is not a skillhub.evidence-bundle header');
  }
  if (header.version !== 1)
    return malformed(`bundle version ${JSON.stringify(header.version)} is not supported (1 is)`);
  if (typeof header.checkpoint !== 'string') return malformed('the header carries no checkpoint');
  if (header.events_format !== 'jsonl' && header.events_format !== 'ocsf') {
    return malformed('the header events_format is neither jsonl nor ocsf');
  }
  if (typeof header.complete !== 'boolean') return malformed('the header does not say whether the bundle is complete');

  const failures: Problem[] = [];
  for (const key of keys) {
    const verdict = await verifyCheckpoint(header.checkpoint, key);
    if (verdict.ok) {
      const problems = compareHeader(header, verdict.checkpoint, key, expectedOrigin);
      const retention = await checkRetentionRecords(header.retention, verdict.checkpoint, key);
      problems.push(...retention.problems);
      return {
        trusted: {
          checkpoint: verdict.checkpoint,
          key,
          eventsFormat: header.events_format,
          complete: header.complete || requireComplete,
          removedBefore: retention.removedBefore,
          removed: retention.removed,
        },
        problems,
      };
    }
    const kind =
      verdict.kind === 'forged' ? 'checkpoint-forged' : verdict.kind === 'unknown-key' ? 'unknown-key' : 'malformed';
    failures.push({ kind, line: 1, message: verdict.message });
  }
  // A forged signature by a trusted key says more than the absence of the others' signatures.
  const forged = failures.find((problem) => problem.kind === 'checkpoint-forged' || problem.kind === 'malformed');
  return { problems: [forged ?? failures[0] ?? { kind: 'unknown-key', line: 1, message: 'no key was given' }] };
}

function compareHeader(
  header: Partial<BundleHeader>,
  checkpoint: Checkpoint,
  key: VerifierKey,
  expectedOrigin?: string,
): Problem[] {
  const problems: Problem[] = [];
  const forged = (message: string) => problems.push({ kind: 'checkpoint-forged', line: 1, message });
  if (header.origin !== checkpoint.origin) {
    problems.push({
      kind: 'wrong-origin',
      line: 1,
      message: `the header says origin ${JSON.stringify(header.origin)} but the signed checkpoint is of ${JSON.stringify(checkpoint.origin)}`,
    });
  }
  if (header.tree_size !== checkpoint.treeSize) {
    forged(
      `the header says tree size ${JSON.stringify(header.tree_size)} but the signed checkpoint says ${checkpoint.treeSize}`,
    );
  }
  if (header.root_hash !== checkpoint.rootHashBase64) {
    forged(
      `the header says root ${JSON.stringify(header.root_hash)} but the signed checkpoint says ${checkpoint.rootHashBase64}`,
    );
  }
  if (header.key_id !== key.keyId || header.key_name !== key.keyName) {
    forged(
      `the header names key ${header.key_name}+${header.key_id} but the checkpoint is signed by ${key.keyName}+${key.keyId}`,
    );
  }
  if (expectedOrigin !== undefined && checkpoint.origin !== expectedOrigin) {
    problems.push({
      kind: 'wrong-origin',
      line: 1,
      message: `the checkpoint is of ${JSON.stringify(checkpoint.origin)}, not of ${JSON.stringify(expectedOrigin)}`,
    });
  } else if (expectedOrigin === undefined && !checkpoint.origin.startsWith(`${key.keyName}/audit/`)) {
    problems.push({
      kind: 'wrong-origin',
      line: 1,
      message: `the checkpoint's origin ${JSON.stringify(checkpoint.origin)} is not an audit log of ${key.keyName}`,
    });
  }
  return problems;
}
