import { createHash } from 'node:crypto';

/**
 * RFC 6962 §2.1 hashing with SHA-256. The one-byte prefixes separate leaves from interior nodes, so a
 * leaf can never be passed off as a node (second-preimage attack on the tree shape).
 */

/** Size in bytes of every hash in the tree (SHA-256). */
export const MERKLE_HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/**
 * Root of the empty tree: `SHA-256("")` (RFC 6962 §2.1), `e3b0c442…b855`.
 *
 * A fresh copy is not made per read: treat it as read-only (compare with `.equals`, never write into it).
 */
export const MERKLE_EMPTY_ROOT: Buffer = createHash('sha256').digest();

/**
 * Leaf hash `SHA-256(0x00 ‖ data)`.
 *
 * @example
 * const leaf = merkleLeafHash(Buffer.from(entry.hash, 'hex')); // 32 bytes
 */
export function merkleLeafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/**
 * Interior node hash `SHA-256(0x01 ‖ left ‖ right)`.
 *
 * @example
 * const root2 = merkleNodeHash(merkleLeafHash(a), merkleLeafHash(b)); // root of the 2-leaf tree [a, b]
 */
export function merkleNodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** True for a `Uint8Array` (Buffer included) of exactly 32 bytes. Never throws. */
export function isMerkleHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === MERKLE_HASH_SIZE;
}

const HEX_HASH = /^[0-9a-fA-F]{64}$/;

/** Parses a 64-hex-digit string into 32 bytes, or returns `undefined` for anything else. Never throws. */
export function parseHexHash(value: unknown): Buffer | undefined {
  return typeof value === 'string' && HEX_HASH.test(value) ? Buffer.from(value, 'hex') : undefined;
}

/** Byte equality of two 32-byte hashes; false for anything that is not a 32-byte hash. */
export function hashEquals(a: Uint8Array, b: unknown): boolean {
  return isMerkleHash(b) && a.length === b.length && Buffer.compare(a, b) === 0;
}
