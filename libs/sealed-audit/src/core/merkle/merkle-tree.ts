import { MerkleTreeError } from './merkle-errors';
import { hash as oneShotHash } from 'node:crypto';
import { MERKLE_EMPTY_ROOT, MERKLE_HASH_SIZE, isMerkleHash, merkleLeafHash, merkleNodeHash, parseHexHash } from './merkle-hash';

/** Serializable state of a `MerkleTreeBuilder`: the size and its compact range, left (largest) to right. */
export interface MerkleTreeState {
  size: number;
  /** Hex roots of the perfect subtrees covering leaves `[0, size)`, one per set bit of `size`, highest first. */
  nodes: string[];
}

/**
 * Largest power of two strictly below `n` (`n >= 2`): the split point `k` of RFC 6962 §2.1.
 * Arithmetic instead of bit operators so sizes above 2^31 stay exact.
 */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Number of set bits of a non-negative safe integer, without 32-bit bit operators. */
export function popCount(n: number): number {
  let count = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) count += x % 2;
  return count;
}

/** Throws `error(message)` unless every leaf in `[0, size)` is a 32-byte hash. */
export function assertLeafHashes(
  leafHashes: readonly Uint8Array[],
  size: number,
  error: (message: string) => Error,
): void {
  for (let i = 0; i < size; i++) {
    if (!isMerkleHash(leafHashes[i])) {
      throw error(
        `leafHashes[${i}] is not a ${MERKLE_HASH_SIZE}-byte hash. ` +
          'Pass leaf hashes (merkleLeafHash(data)), not raw leaf data or hex strings.',
      );
    }
  }
}

/** MTH(D[start:end]) for `end > start`, by the recursive definition of RFC 6962 §2.1. */
export function subtreeRoot(leafHashes: readonly Uint8Array[], start: number, end: number): Buffer {
  const n = end - start;
  if (n === 1) return Buffer.from(leafHashes[start] as Uint8Array);
  const k = splitPoint(n);
  return merkleNodeHash(subtreeRoot(leafHashes, start, start + k), subtreeRoot(leafHashes, start + k, end));
}

/**
 * Merkle Tree Hash (RFC 6962 §2.1) over leaves that are already hashed with `merkleLeafHash`.
 * The empty list gives `MERKLE_EMPTY_ROOT`; a single leaf is its own root.
 *
 * @example
 * const root = merkleRoot(entries.map((e) => merkleLeafHash(Buffer.from(e.hash, 'hex'))));
 * @throws MerkleTreeError if a leaf hash is not 32 bytes.
 */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Buffer {
  assertLeafHashes(leafHashes, leafHashes.length, (m) => new MerkleTreeError(m));
  if (leafHashes.length === 0) return Buffer.from(MERKLE_EMPTY_ROOT);
  return subtreeRoot(leafHashes, 0, leafHashes.length);
}

/**
 * Streaming Merkle tree over leaf hashes with O(log n) memory: it keeps only the compact range, the roots of
 * the perfect subtrees that cover the leaves so far (one per set bit of the size). Append leaf hashes in
 * order and read the root at any size; persist `state()` and pass it to the constructor to resume.
 *
 * @example
 * const tree = new MerkleTreeBuilder();
 * for (const e of entries) tree.append(merkleLeafHash(Buffer.from(e.hash, 'hex')));
 * const checkpoint = { size: tree.size, root: tree.root().toString('hex') };
 * const saved = tree.state(); // later: new MerkleTreeBuilder(saved)
 */
export class MerkleTreeBuilder {
  private treeSize: number;
  /**
   * Compact range, largest (leftmost) subtree first, each node as a 32-character latin1 string (one
   * character per byte): `crypto.hash` returns a string about three times faster than a Buffer,
   * and the hashing of two nodes then needs no allocation but its result.
   */
  private readonly nodes: string[];

  /** @throws MerkleTreeError if `state` is not one that `state()` produces. */
  constructor(state?: { size: number; nodes: string[] }) {
    if (state === undefined) {
      this.treeSize = 0;
      this.nodes = [];
      return;
    }
    const { size, nodes } = (state ?? {}) as Partial<MerkleTreeState>;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw new MerkleTreeError(
        `Invalid Merkle tree state: size must be a non-negative safe integer, got ${String(size)}. ` +
          'Resume only from a value returned by MerkleTreeBuilder#state().',
      );
    }
    if (!Array.isArray(nodes) || nodes.length !== popCount(size)) {
      throw new MerkleTreeError(
        `Invalid Merkle tree state: a tree of size ${size} has ${popCount(size)} compact-range nodes, ` +
          `got ${Array.isArray(nodes) ? nodes.length : typeof nodes}. Resume only from a value returned by MerkleTreeBuilder#state().`,
      );
    }
    this.nodes = nodes.map((hex, i) => {
      const parsed = parseHexHash(hex);
      if (parsed === undefined) {
        throw new MerkleTreeError(
          `Invalid Merkle tree state: nodes[${i}] is not 64 hex digits. Resume only from a value returned by MerkleTreeBuilder#state().`,
        );
      }
      return parsed.toString('binary'); // 'binary' is latin1: one character per byte
    });
    this.treeSize = size;
  }

  /** Number of leaves appended so far (including those covered by a resumed state). */
  get size(): number {
    return this.treeSize;
  }

  /**
   * Appends one leaf hash (32 bytes, from `merkleLeafHash`). Amortized O(1) hashes, O(log n) worst case.
   * @throws MerkleTreeError if `leafHash` is not 32 bytes or the size would pass `Number.MAX_SAFE_INTEGER`.
   */
  append(leafHash: Uint8Array): void {
    if (!isMerkleHash(leafHash)) {
      throw new MerkleTreeError(
        `append() takes a ${MERKLE_HASH_SIZE}-byte leaf hash; hash the leaf data with merkleLeafHash(data) first.`,
      );
    }
    this.push(Buffer.from(leafHash.buffer, leafHash.byteOffset, leafHash.byteLength).toString('latin1'));
  }

  /**
   * Appends the leaf of an entry: `append(merkleLeafHash(Buffer.from(entryHashHex, 'hex')))` (the
   * same tree for any string), without the intermediate Buffers for the usual 64-hex-digit hash.
   * This is the per-entry call of a verification walk.
   */
  appendEntryHash(entryHashHex: string): void {
    if (entryHashHex.length === 2 * MERKLE_HASH_SIZE && scratch.write(entryHashHex, 1, 'hex') === MERKLE_HASH_SIZE) {
      scratch[0] = 0x00;
      this.push(oneShotHash('sha256', scratch.subarray(0, 1 + MERKLE_HASH_SIZE), 'binary'));
    } else {
      this.append(merkleLeafHash(Buffer.from(entryHashHex, 'hex')));
    }
  }

  private push(leaf: string): void {
    if (this.treeSize >= Number.MAX_SAFE_INTEGER) {
      throw new MerkleTreeError('The tree is full: its size cannot pass Number.MAX_SAFE_INTEGER. Start a new tree.');
    }
    let node = leaf;
    // Every trailing 1 bit of the old size is a perfect subtree of the new leaf's height: merge it in.
    for (let s = this.treeSize; s % 2 === 1; s = Math.floor(s / 2)) {
      node = nodeHash(this.nodes.pop() as string, node);
    }
    this.nodes.push(node);
    this.treeSize += 1;
  }

  /** Root of the tree of the current size; equals `merkleRoot(allLeafHashesSoFar)`. O(log n). */
  root(): Buffer {
    return Buffer.from(this.rootLatin1(), 'binary'); // 'binary' is latin1: one character per byte
  }

  /** {@link root} as 64 lower-case hex digits. */
  rootHex(): string {
    return Buffer.from(this.rootLatin1(), 'latin1').toString('hex');
  }

  private rootLatin1(): string {
    const last = this.nodes.length - 1;
    if (last < 0) return MERKLE_EMPTY_ROOT.toString('binary'); // 'binary' is latin1: one character per byte
    // The right border of an RFC 6962 tree folds the compact range from the smallest subtree up.
    let acc = this.nodes[last] as string;
    for (let i = last - 1; i >= 0; i--) acc = nodeHash(this.nodes[i] as string, acc);
    return acc;
  }

  /** A JSON-safe snapshot to persist; `new MerkleTreeBuilder(state)` continues from it. */
  state(): { size: number; nodes: string[] } {
    return { size: this.treeSize, nodes: this.nodes.map((n) => Buffer.from(n, 'latin1').toString('hex')) };
  }
}

/** 0x01 ‖ left ‖ right, and 0x00 ‖ leaf data, are assembled here (single-threaded, never re-entered). */
const scratch = Buffer.alloc(1 + 2 * MERKLE_HASH_SIZE);

/** `merkleNodeHash` over latin1 node strings: one native call, a string result ('binary' is latin1). */
function nodeHash(left: string, right: string): string {
  scratch[0] = 0x01;
  scratch.write(left, 1, 'binary'); // 'binary' is latin1: one character per byte
  scratch.write(right, 1 + MERKLE_HASH_SIZE, 'binary'); // 'binary' is latin1: one character per byte
  return oneShotHash('sha256', scratch, 'binary');
}
