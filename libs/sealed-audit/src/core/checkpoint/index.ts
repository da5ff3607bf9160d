export {
  CHECKPOINT_TAG,
  GENESIS_CHECKPOINT_HASH,
  checkpointBody,
  checkpointMessage,
  computeCheckpointHash,
  describeMalformedCheckpoint,
  parseSignedCheckpoint,
} from './checkpoint';
export type { CheckpointBody, SignedCheckpoint } from './checkpoint';
export {
  InvalidSigningKeyError,
  PublicKeyRing,
  createEd25519Signer,
  generateSigningKeyPair,
  keyIdOf,
  publicKeyPem,
  toPrivateKey,
  toPublicKey,
  verifyCheckpointSignature,
} from './checkpoint-signer';
export type { CheckpointSigner } from './checkpoint-signer';
export { CheckpointConflictError } from './checkpoint-store.interface';
export type { CheckpointReadOptions, CheckpointStore, StoredCheckpoint, StoredSigningKey } from './checkpoint-store.interface';
export { AnchorFileError, FileAnchorSink, readAnchorFile } from './anchor-sink';
export type { AnchorSink } from './anchor-sink';
export { Checkpointer, CheckpointRefusedError } from './checkpointer';
export type { CheckpointerOptions, CheckpointerStats } from './checkpointer';
