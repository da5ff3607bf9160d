/**
 * What can be wrong with a stored trail. Each problem names the first bad `(chainId, seq)`.
 *
 * - `modified`: an entry's content does not match its hash, an entry was replaced (its neighbour
 *   links to a different one), or entries no longer hash to the Merkle root a valid checkpoint
 *   signed (a consistent rewrite; `seq` is then the first entry of the range the root covers).
 * - `missing`: a sequence number is absent (an entry, or a checkpoint, was deleted).
 * - `duplicate`: a sequence number appears twice.
 * - `reordered`: an entry sealed for another position is stored at this one (rows swapped).
 * - `inserted`: an entry that was never sealed into this chain at this position (a forged row
 *   slipped in, with the later rows renumbered; or a row moved here from another chain).
 * - `truncated`: a checkpoint (stored or anchored) covers more entries than the database holds;
 *   `seq` is the first entry that is gone.
 * - `bad-signature`: a checkpoint's Ed25519 signature does not verify with the key it names.
 * - `unknown-key`: a checkpoint is signed by a key id that is not trusted.
 * - `malformed`: a row or checkpoint cannot be read (bad JSON, bad field type).
 */
export type VerificationProblemKind =
  | 'modified'
  | 'missing'
  | 'duplicate'
  | 'reordered'
  | 'inserted'
  | 'truncated'
  | 'bad-signature'
  | 'unknown-key'
  | 'malformed';

/** Every kind, for exhaustive checks and docs. */
export const VERIFICATION_PROBLEM_KINDS: readonly VerificationProblemKind[] = [
  'modified',
  'missing',
  'duplicate',
  'reordered',
  'inserted',
  'truncated',
  'bad-signature',
  'unknown-key',
  'malformed',
];

/** The first problem found in a chain. */
export interface VerificationProblem {
  chainId: string;
  /** The first bad entry's seq. */
  seq: number;
  kind: VerificationProblemKind;
  detail: string;
  /** The checkpoint (its seq in the chain's checkpoint sequence) the problem was found with, if any. */
  checkpoint?: number;
}

/** Per-chain result. */
export interface ChainReport {
  chainId: string;
  /** Rows read. */
  entries: number;
  headSeq: number;
  headHash: string;
  /** Stored checkpoints of the chain that were read. */
  checkpoints: number;
  /** Entries covered by the newest checkpoint whose signature and root verified (0: none). */
  signedSize: number;
  /** Entries covered by the newest anchored checkpoint, when an anchor was given. */
  anchoredSize?: number;
  problem?: VerificationProblem;
}

/** Which public keys checkpoint signatures were checked against. */
export type VerificationTrust =
  /** Keys given by the verifier (`--public-key`): the database cannot substitute its own. */
  | 'public-keys'
  /** Keys recorded in the database: catches accidents and careless edits, not a full rewrite. */
  | 'stored-keys'
  /** No key at all: any checkpoint is `unknown-key`. */
  | 'none';

/** The result of a verification. `ok` is true when no chain has a problem. */
export interface VerificationReport {
  ok: boolean;
  entries: number;
  chains: ChainReport[];
  /** The first problem (in chain order), if any. */
  firstProblem?: VerificationProblem;
  /** Stored checkpoints read. */
  checkpoints: number;
  trust: VerificationTrust;
  /** An anchor was given and read. */
  anchored: boolean;
  /** Things an operator should know that are not tampering evidence by themselves. */
  warnings: string[];
}
