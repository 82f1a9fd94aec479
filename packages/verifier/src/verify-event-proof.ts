/**
 * One event's inclusion proof, as `GET /audit/events/{id}/proof` answers,
 * checked against the keys `GET /.well-known/skillhub/checkpoint-keys`
 * publishes, entirely on WebCrypto: what the console runs in the browser so
 * the server is not asked to vouch for itself.
 */
import { parseCanonicalEvent } from './bundle/canonical-event.ts';
import type { ProblemKind } from './bundle/problems.ts';
import { bytesEqual, fromBase64, toBase64, utf8 } from './bytes.ts';
import type { Checkpoint, CheckpointView } from './checkpoint.ts';
import type { MerkleHasher } from './merkle-hasher.ts';
import { verifyInclusion } from './merkle-proofs.ts';
import { parseVerifierKey, type VerifierKey } from './verifier-key.ts';
import { verifyCheckpoint } from './verify-checkpoint.ts';
import { webCryptoHasher } from './webcrypto-hasher.ts';

/** The answer of `GET /audit/events/{id}/proof`. */
export interface EventProofResponse {
  leaf_index: number;
  tree_size: number;
  canonical: string;
  proof: string[];
  checkpoint: CheckpointView;
}

/** The answer of `GET /.well-known/skillhub/checkpoint-keys`. */
export interface CheckpointKeysResponse {
  keys: { key_name: string; key_id: string; vkey: string; public_key: string; current: boolean }[];
}

/** The key that signed (or should have signed) the checkpoint, for showing. */
export interface KeyShown {
  keyName: string;
  keyId: string;
  vkey: string;
}

/** The verdict on one event. */
export type EventProofVerdict =
  | { ok: true; leafIndex: number; treeSize: number; origin: string; rootHash: string; key: KeyShown }
  | { ok: false; kind: ProblemKind; message: string; key?: KeyShown };

const shown = (key: VerifierKey): KeyShown => ({ keyName: key.keyName, keyId: key.keyId, vkey: key.vkey });

/**
 * Checks that event `eventId` is leaf `leaf_index` of the tree the signed
 * checkpoint commits to, and that the checkpoint is signed by one of the
 * published keys. Never throws on a bad answer: every way it can be wrong is
 * a verdict (`malformed` when the answers are not what the API serves).
 *
 * The keys come from the same server as the proof; the verdict shows the
 * key so a reader can compare it with the one they hold.
 */
export async function verifyEventProof(
  eventId: string,
  answer: EventProofResponse,
  published: CheckpointKeysResponse,
  hasher: MerkleHasher = webCryptoHasher(),
): Promise<EventProofVerdict> {
  if (!isProofResponse(answer))
    return { ok: false, kind: 'malformed', message: 'the proof answer is not an inclusion proof' };
  const keys: VerifierKey[] = [];
  for (const entry of Array.isArray(published?.keys) ? published.keys : []) {
    try {
      const key = await parseVerifierKey(entry.vkey);
      const raw = typeof entry.public_key === 'string' ? fromBase64(entry.public_key) : undefined;
      if (raw && bytesEqual(raw, key.publicKey)) keys.push(key);
    } catch {
      // A published key that does not parse, or disagrees with its own raw form, is no key to trust.
    }
  }
  const { checkpoint } = answer;
  const claimed = keys.find((key) => key.keyId === checkpoint.key_id && key.keyName === checkpoint.key_name);
  const candidates = claimed ? [claimed, ...keys.filter((key) => key !== claimed)] : keys;
  let signer: VerifierKey | undefined;
  let signed: Checkpoint | undefined;
  let failure: EventProofVerdict | undefined;
  for (const key of candidates) {
    const verdict = await verifyCheckpoint(checkpoint.checkpoint, key);
    if (verdict.ok) {
      signer = key;
      signed = verdict.checkpoint;
      const { origin, treeSize, rootHashBase64 } = verdict.checkpoint;
      if (
        origin !== checkpoint.origin ||
        treeSize !== checkpoint.tree_size ||
        rootHashBase64 !== checkpoint.root_hash
      ) {
        return {
          ok: false,
          kind: 'checkpoint-forged',
          message: 'the checkpoint fields differ from the signed checkpoint',
          key: shown(key),
        };
      }
      break;
    }
    failure ??= {
      ok: false,
      kind:
        verdict.kind === 'forged' ? 'checkpoint-forged' : verdict.kind === 'unknown-key' ? 'unknown-key' : 'malformed',
      message: verdict.message,
      key: shown(key),
    };
  }
  if (!signer || !signed) {
    return failure ?? { ok: false, kind: 'unknown-key', message: 'no published key could be read' };
  }
  const key = shown(signer);
  if (answer.tree_size !== signed.treeSize) {
    return {
      ok: false,
      kind: 'checkpoint-forged',
      message: `the proof is for tree size ${answer.tree_size}, the checkpoint for ${signed.treeSize}`,
      key,
    };
  }
  const event = parseCanonicalEvent(answer.canonical);
  if (event?.id !== eventId) {
    return { ok: false, kind: 'edited', message: `the canonical text is not event ${eventId}`, key };
  }
  const hashes = answer.proof.map((element) => fromBase64(element));
  if (hashes.some((hash) => hash === undefined))
    return { ok: false, kind: 'malformed', message: 'a proof hash is not base64', key };
  const leafHash = await hasher.hashLeaf(utf8(answer.canonical));
  const result = await verifyInclusion(
    hasher,
    answer.leaf_index,
    signed.treeSize,
    leafHash,
    hashes as Uint8Array[],
    signed.rootHash,
  );
  if (!result.ok)
    return { ok: false, kind: 'edited', message: `the event does not lead to the signed root: ${result.reason}`, key };
  return {
    ok: true,
    leafIndex: answer.leaf_index,
    treeSize: signed.treeSize,
    origin: signed.origin,
    rootHash: toBase64(signed.rootHash),
    key,
  };
}

function isProofResponse(value: unknown): value is EventProofResponse {
  const answer = value as Partial<EventProofResponse> | null;
  const checkpoint = answer?.checkpoint as Partial<EventProofResponse['checkpoint']> | undefined;
  return (
    typeof answer === 'object' &&
    answer !== null &&
    typeof answer.leaf_index === 'number' &&
    typeof answer.tree_size === 'number' &&
    typeof answer.canonical === 'string' &&
    Array.isArray(answer.proof) &&
    answer.proof.length <= 64 &&
    answer.proof.every((element) => typeof element === 'string') &&
    typeof checkpoint === 'object' &&
    checkpoint !== null &&
    typeof checkpoint.checkpoint === 'string' &&
    typeof checkpoint.origin === 'string' &&
    typeof checkpoint.tree_size === 'number' &&
    typeof checkpoint.root_hash === 'string'
  );
}
