/**
 * The verifier's entry for browsers and any other WebCrypto runtime: proof
 * and checkpoint verification with no Node built-in module.
 */
export { type BundleHeader, checkHeader, type HeaderCheck, type TrustedHeader } from './bundle/bundle-header.ts';
export { type CanonicalEvent, canonicalFields, parseCanonicalEvent } from './bundle/canonical-event.ts';
export { type BundleLine, type BundleReport, type CheckBundleOptions, checkBundle } from './bundle/check-bundle.ts';
export type { Problem, ProblemKind } from './bundle/problems.ts';
export { type EventsFormat, readableDisagreements } from './bundle/readable-fields.ts';
export { bytesEqual, fromBase64, toBase64, toHex, utf8 } from './bytes.ts';
export {
  type CheckpointSummary,
  type ConsistencyInput,
  type ConsistencyReport,
  checkConsistency,
} from './check-consistency.ts';
export { type Checkpoint, formatCheckpointText, parseCheckpointText } from './checkpoint.ts';
export { verifyEd25519 } from './ed25519.ts';
export { type Awaitable, emptyRoot, hashSize, type MerkleHasher } from './merkle-hasher.ts';
export { type ProofResult, rootFromInclusionProof, verifyConsistency, verifyInclusion } from './merkle-proofs.ts';
export { computeRoot, RootBuilder } from './merkle-root.ts';
export { maxSignatures, NoteFormatError, type NoteSignature, parseSignedNote, type SignedNote } from './signed-note.ts';
export {
  computeKeyId,
  ed25519SignatureType,
  formatVerifierKey,
  parseVerifierKey,
  sameKey,
  type VerifierKey,
  VerifierKeyError,
} from './verifier-key.ts';
export { type CheckpointFailure, type CheckpointVerdict, verifyCheckpoint } from './verify-checkpoint.ts';
export {
  type CheckpointKeysResponse,
  type EventProofResponse,
  type EventProofVerdict,
  type KeyShown,
  verifyEventProof,
} from './verify-event-proof.ts';
export { webCryptoHasher } from './webcrypto-hasher.ts';
