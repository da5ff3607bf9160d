import { createHash } from 'node:crypto';
import { canonicalize } from '../sealing/canonical-json';
import { GENESIS_HASH } from '../sealing/seal';

/**
 * Domain separation tag of checkpoints: the signed message and the checkpoint hash can never be
 * mistaken for an entry hash or a Merkle node over the same bytes.
 */
export const CHECKPOINT_TAG = Buffer.from('sealed-audit:checkpoint:v1\n', 'utf8');

/** prev_hash of the first checkpoint of every chain: 32 zero bytes (the same genesis as entries). */
export const GENESIS_CHECKPOINT_HASH = GENESIS_HASH;

/**
 * What a checkpoint states, and what is signed: "chain `chainId` held `treeSize` entries whose
 * RFC 6962 Merkle root is `root`, the newest being `headHash`, at `ts`". Checkpoints of a chain
 * form a chain of their own (`seq` from 1, `prevHash` = hash of the previous checkpoint), so a
 * removed or reordered checkpoint is found like a removed entry.
 */
export interface CheckpointBody {
  /** Format version of the signed form. */
  v: 1;
  chainId: string;
  /** Position of this checkpoint in its chain's checkpoint sequence, from 1. */
  seq: number;
  /** Entries covered: seq 1..treeSize of the chain. At least 1. */
  treeSize: number;
  /** Lower-case hex RFC 6962 root over `merkleLeafHash(entry hash bytes)` of those entries. */
  root: string;
  /** Hash of entry `treeSize` (the chain head when signed). */
  headHash: string;
  /** ISO-8601 UTC with milliseconds. */
  ts: string;
  /** Hash of the previous checkpoint of the chain; {@link GENESIS_CHECKPOINT_HASH} for the first. */
  prevHash: string;
  /** Key id of the signing key: hex SHA-256 of its SPKI DER public key. */
  keyId: string;
}

/** A checkpoint with its hash and Ed25519 signature, as stored, anchored and put into proofs. */
export interface SignedCheckpoint extends CheckpointBody {
  /** `SHA-256(CHECKPOINT_TAG ‖ canonical(body))`, hex. */
  hash: string;
  /** Ed25519 signature over `CHECKPOINT_TAG ‖ canonical(body)`, base64. */
  signature: string;
}

/** The signed fields of a checkpoint in a fixed shape (extra properties never reach the signature). */
export function checkpointBody(checkpoint: CheckpointBody): CheckpointBody {
  return {
    v: checkpoint.v,
    chainId: checkpoint.chainId,
    seq: checkpoint.seq,
    treeSize: checkpoint.treeSize,
    root: checkpoint.root,
    headHash: checkpoint.headHash,
    ts: checkpoint.ts,
    prevHash: checkpoint.prevHash,
    keyId: checkpoint.keyId,
  };
}

/** The exact bytes that are signed: `CHECKPOINT_TAG ‖ RFC8785(body)`. */
export function checkpointMessage(checkpoint: CheckpointBody): Buffer {
  return Buffer.concat([CHECKPOINT_TAG, Buffer.from(canonicalize(checkpointBody(checkpoint)), 'utf8')]);
}

/** `SHA-256(checkpointMessage(body))`, hex: what the next checkpoint's `prevHash` links to. */
export function computeCheckpointHash(checkpoint: CheckpointBody): string {
  return createHash('sha256').update(checkpointMessage(checkpoint)).digest('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;
const ISO_MILLIS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Why a value is not a well-formed signed checkpoint, or `undefined` when it is. Used on rows read
 * back from the database, on anchor lines and on proof files: a malformed one is reported, never
 * trusted.
 */
export function describeMalformedCheckpoint(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const cp = value as Record<string, unknown>;
  if (cp['v'] !== 1) return `unknown checkpoint format version ${JSON.stringify(cp['v'])}`;
  if (typeof cp['chainId'] !== 'string' || cp['chainId'].length === 0) return 'chainId is not a non-empty string';
  for (const key of ['seq', 'treeSize'] as const) {
    const n = cp[key];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) return `${key} ${JSON.stringify(n)} is not a positive integer`;
  }
  for (const key of ['root', 'headHash', 'prevHash', 'keyId', 'hash'] as const) {
    if (typeof cp[key] !== 'string' || !HEX64.test(cp[key])) return `${key} is not 64 lower-case hex digits`;
  }
  if (typeof cp['ts'] !== 'string' || !ISO_MILLIS_UTC.test(cp['ts'])) return 'ts is not an ISO-8601 UTC timestamp with milliseconds';
  const signature = cp['signature'];
  if (typeof signature !== 'string' || !BASE64.test(signature) || Buffer.from(signature, 'base64').length !== 64) {
    return 'signature is not 64 bytes of base64';
  }
  return undefined;
}

/**
 * Checks the shape of `value` and returns it as a {@link SignedCheckpoint} (only the known
 * fields). Throws a `TypeError` naming the problem.
 */
export function parseSignedCheckpoint(value: unknown): SignedCheckpoint {
  const problem = describeMalformedCheckpoint(value);
  if (problem) throw new TypeError(`not a signed checkpoint: ${problem}`);
  const cp = value as SignedCheckpoint;
  return { ...checkpointBody(cp), hash: cp.hash, signature: cp.signature };
}
