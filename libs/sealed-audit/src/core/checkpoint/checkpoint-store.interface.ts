import type { SealedEntry } from '../audit-event';
import type { SignedCheckpoint } from './checkpoint';

/** A checkpoint as stored: the signed checkpoint plus the Merkle frontier to resume from. */
export interface StoredCheckpoint extends SignedCheckpoint {
  /**
   * The right frontier of the Merkle tree at `treeSize` (hex node hashes, `MerkleTreeBuilder`
   * state), so a checkpointer resumes without re-reading the chain. Not signed: it is derived
   * data, and the checkpointer checks that it reproduces the signed root before using it.
   */
  frontier: string[];
}

/** A public key as recorded in the database, with the id it was stored under. */
export interface StoredSigningKey {
  keyId: string;
  algorithm: string;
  /** SPKI PEM. */
  publicKey: string;
  /** ISO-8601 UTC. */
  createdAt: string;
}

/** Options for reading checkpoints back in order. */
export interface CheckpointReadOptions {
  chainId?: string;
  /** Rows per round trip. Default 1000. */
  pageSize?: number;
}

/**
 * Where checkpoints and the public keys that signed them live (the TypeORM store implements it,
 * next to `audit_log`). Append-only like the entries.
 */
export interface CheckpointStore {
  /** Appends one checkpoint. Throws {@link CheckpointConflictError} when `(chainId, seq)` is taken. */
  appendCheckpoint(checkpoint: StoredCheckpoint): Promise<void>;
  /** The newest checkpoint of a chain, or `null`. */
  readLatestCheckpoint(chainId: string): Promise<StoredCheckpoint | null>;
  /** Every checkpoint ordered by `(chainId, seq)`, page by page. */
  readCheckpoints(options?: CheckpointReadOptions): AsyncIterable<StoredCheckpoint>;
  /** Records a public key (idempotent: an existing key id is left as it is). */
  registerSigningKey(key: { keyId: string; publicKey: string }): Promise<void>;
  /** Every recorded public key. A verifier given `--public-key` does not trust these. */
  readSigningKeys(): Promise<StoredSigningKey[]>;
  /** Entries of one chain after `afterSeq`, in seq order (to catch a checkpointer up). */
  readChain(chainId: string, afterSeq: number): AsyncIterable<SealedEntry>;
}

/** Thrown by {@link CheckpointStore.appendCheckpoint} when another checkpointer took the same position. */
export class CheckpointConflictError extends Error {
  constructor(
    readonly chainId: string,
    cause?: unknown,
  ) {
    super(`Another checkpointer wrote checkpoint of chain "${chainId}" at the same position; it re-reads and signs again.`, { cause });
    this.name = 'CheckpointConflictError';
  }
}
