import { MerkleProofError } from './merkle-errors';
import { hashEquals, isMerkleHash, merkleNodeHash, parseHexHash } from './merkle-hash';
import { assertLeafHashes, splitPoint, subtreeRoot } from './merkle-tree';

/**
 * Proof that the leaf at `leafIndex` (0-based) is in the tree of `treeSize` leaves: the RFC 6962 §2.1.1
 * audit path, hex, from the leaf's sibling up to the root's child.
 */
export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  path: string[];
}

/**
 * Proof that the tree of `toSize` leaves extends the tree of `fromSize` leaves (append-only): the
 * RFC 6962 §2.1.2 consistency path, hex.
 */
export interface ConsistencyProof {
  fromSize: number;
  toSize: number;
  path: string[];
}

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : `${typeof value} ${String(value)}`;
}

/** Resolves and checks the tree size a builder works on: `1..leafHashes.length` unless `allowEmpty`. */
function resolveTreeSize(leafHashes: readonly Uint8Array[], requested: number | undefined, name: string): number {
  if (!Array.isArray(leafHashes)) {
    throw new MerkleProofError('leafHashes must be an array of 32-byte leaf hashes (merkleLeafHash(data)).');
  }
  const size = requested ?? leafHashes.length;
  if (!isSize(size)) {
    throw new MerkleProofError(`${name} must be a non-negative safe integer, got ${describe(size)}.`);
  }
  if (size > leafHashes.length) {
    throw new MerkleProofError(
      `${name} ${size} is larger than the ${leafHashes.length} leaf hashes given. ` +
        `Pass at least ${size} leaf hashes, or a ${name} of at most ${leafHashes.length}.`,
    );
  }
  assertLeafHashes(leafHashes, size, (m) => new MerkleProofError(m));
  return size;
}

/** PATH(m, D[start:end]) of RFC 6962 §2.1.1, bottom-up. */
function auditPath(leafHashes: readonly Uint8Array[], m: number, start: number, end: number): Buffer[] {
  const n = end - start;
  if (n === 1) return [];
  const k = splitPoint(n);
  if (m < k) return [...auditPath(leafHashes, m, start, start + k), subtreeRoot(leafHashes, start + k, end)];
  return [...auditPath(leafHashes, m - k, start + k, end), subtreeRoot(leafHashes, start, start + k)];
}

/** SUBPROOF(m, D[start:end], b) of RFC 6962 §2.1.2, bottom-up. */
function subproof(leafHashes: readonly Uint8Array[], m: number, start: number, end: number, b: boolean): Buffer[] {
  const n = end - start;
  if (m === n) return b ? [] : [subtreeRoot(leafHashes, start, end)];
  const k = splitPoint(n);
  if (m <= k) return [...subproof(leafHashes, m, start, start + k, b), subtreeRoot(leafHashes, start + k, end)];
  return [...subproof(leafHashes, m - k, start + k, end, false), subtreeRoot(leafHashes, start, start + k)];
}

const toHex = (hashes: Buffer[]): string[] => hashes.map((h) => h.toString('hex'));

/**
 * Builds the inclusion proof (RFC 6962 §2.1.1 audit path) for the leaf at 0-based `leafIndex` in the tree
 * made of the first `treeSize` leaf hashes (default: all of them). O(n) hashing.
 *
 * @example
 * const proof = inclusionProof(leafHashes, 3);
 * verifyInclusion(leafHashes[3], proof, merkleRoot(leafHashes)); // true
 * @throws MerkleProofError if `treeSize` is not in `1..leafHashes.length`, `leafIndex` is not in
 *   `0..treeSize-1`, or a leaf hash is not 32 bytes.
 */
export function inclusionProof(
  leafHashes: readonly Uint8Array[],
  leafIndex: number,
  treeSize?: number,
): InclusionProof {
  const size = resolveTreeSize(leafHashes, treeSize, 'treeSize');
  if (!isSize(leafIndex) || leafIndex >= size) {
    throw new MerkleProofError(
      size === 0
        ? 'An empty tree has no leaves to prove. Append at least one leaf hash before asking for an inclusion proof.'
        : `leafIndex must be an integer in 0..${size - 1} (0-based, below treeSize ${size}), got ${describe(leafIndex)}.`,
    );
  }
  return { leafIndex, treeSize: size, path: toHex(auditPath(leafHashes, leafIndex, 0, size)) };
}

/**
 * Builds the consistency proof (RFC 6962 §2.1.2) that the tree of the first `toSize` leaf hashes (default:
 * all of them) extends the tree of the first `fromSize`. `fromSize === toSize` gives an empty path.
 *
 * A proof from the empty tree is not defined (RFC 9162 §2.1.4 requires `0 < first`): every tree extends the
 * empty tree, so check `fromRoot` equals `MERKLE_EMPTY_ROOT` instead of asking for a proof.
 *
 * @example
 * const proof = consistencyProof(leafHashes, checkpoint.size);
 * verifyConsistency(proof, checkpointRoot, merkleRoot(leafHashes)); // true
 * @throws MerkleProofError if `fromSize` is 0 or above `toSize`, `toSize` is above `leafHashes.length`,
 *   a size is not a safe integer, or a leaf hash is not 32 bytes.
 */
export function consistencyProof(
  leafHashes: readonly Uint8Array[],
  fromSize: number,
  toSize?: number,
): ConsistencyProof {
  const size = resolveTreeSize(leafHashes, toSize, 'toSize');
  if (!isSize(fromSize)) {
    throw new MerkleProofError(`fromSize must be a positive safe integer, got ${describe(fromSize)}.`);
  }
  if (fromSize === 0) {
    throw new MerkleProofError(
      'A consistency proof from the empty tree (fromSize 0) is not defined (RFC 9162 §2.1.4: 0 < first). ' +
        'Every tree extends the empty tree: check that the old root equals MERKLE_EMPTY_ROOT instead.',
    );
  }
  if (fromSize > size) {
    throw new MerkleProofError(
      `fromSize ${fromSize} is larger than toSize ${size}: a tree cannot shrink. Swap the sizes or pass a later toSize.`,
    );
  }
  return { fromSize, toSize: size, path: toHex(subproof(leafHashes, fromSize, 0, size, true)) };
}

/** Parses a hex path into 32-byte hashes, or `undefined` if it is not an array of 64-hex-digit strings. */
function parsePath(path: unknown): Buffer[] | undefined {
  if (!Array.isArray(path)) return undefined;
  const out: Buffer[] = [];
  for (const element of path as unknown[]) {
    const hash = parseHexHash(element);
    if (hash === undefined) return undefined;
    out.push(hash);
  }
  return out;
}

/** Right-shift by one on a non-negative safe integer, without 32-bit bit operators. */
const shr = (x: number): number => Math.floor(x / 2);
const lsb = (x: number): boolean => x % 2 === 1;

/** Root implied by an inclusion path, per RFC 9162 §2.1.3.2 steps 2–5; `undefined` when the path is malformed. */
function rootFromInclusion(leafIndex: number, treeSize: number, leafHash: Uint8Array, path: Buffer[]): Buffer | undefined {
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of path) {
    if (sn === 0) return undefined;
    if (lsb(fn) || fn === sn) {
      r = merkleNodeHash(p, r);
      while (!lsb(fn) && fn !== 0) {
        fn = shr(fn);
        sn = shr(sn);
      }
    } else {
      r = merkleNodeHash(r, p);
    }
    fn = shr(fn);
    sn = shr(sn);
  }
  return sn === 0 ? r : undefined;
}

/**
 * Verifies an inclusion proof with the RFC 9162 §2.1.3.2 algorithm: true only if `leafHash` is the leaf at
 * `proof.leafIndex` of the tree of `proof.treeSize` leaves whose root is `root`. O(log n).
 * Never throws: malformed input (bad sizes, index ≥ size, non-hex path, hashes not 32 bytes) gives false.
 *
 * @example
 * if (!verifyInclusion(merkleLeafHash(entryHashBytes), proof, checkpointRoot)) throw new Error('not in the log');
 */
export function verifyInclusion(leafHash: Uint8Array, proof: InclusionProof, root: Uint8Array): boolean {
  try {
    if (proof === null || typeof proof !== 'object') return false;
    const { leafIndex, treeSize } = proof;
    if (!isSize(leafIndex) || !isSize(treeSize) || leafIndex >= treeSize) return false;
    if (!isMerkleHash(leafHash) || !isMerkleHash(root)) return false;
    const path = parsePath(proof.path);
    if (path === undefined) return false;
    const computed = rootFromInclusion(leafIndex, treeSize, leafHash, path);
    return computed !== undefined && hashEquals(computed, root);
  } catch {
    return false;
  }
}

/**
 * Verifies a consistency proof with the RFC 9162 §2.1.4.2 algorithm: true only if the tree of `proof.toSize`
 * leaves with root `toRoot` is an append-only extension of the tree of `proof.fromSize` leaves with root
 * `fromRoot`. Equal sizes need an empty path and equal roots. `fromSize` 0 is rejected (RFC 9162 defines
 * proofs for `0 < first` only; compare the old root with `MERKLE_EMPTY_ROOT` instead). O(log n).
 * Never throws: malformed input gives false.
 *
 * @example
 * if (!verifyConsistency(proof, previousCheckpointRoot, newCheckpointRoot)) alert('log was rewritten');
 */
export function verifyConsistency(proof: ConsistencyProof, fromRoot: Uint8Array, toRoot: Uint8Array): boolean {
  try {
    if (proof === null || typeof proof !== 'object') return false;
    const { fromSize: first, toSize: second } = proof;
    if (!isSize(first) || !isSize(second) || first === 0 || first > second) return false;
    if (!isMerkleHash(fromRoot) || !isMerkleHash(toRoot)) return false;
    const path = parsePath(proof.path);
    if (path === undefined) return false;
    if (first === second) return path.length === 0 && hashEquals(fromRoot, toRoot);

    // RFC 9162 §2.1.4.2, 0 < first < second.
    if (path.length === 0) return false; // step 1
    if (isPowerOfTwo(first)) path.unshift(Buffer.from(fromRoot)); // step 2
    let fn = first - 1; // step 3
    let sn = second - 1;
    while (lsb(fn)) {
      // step 4
      fn = shr(fn);
      sn = shr(sn);
    }
    let fr = path[0] as Buffer; // step 5
    let sr = fr;
    for (const c of path.slice(1)) {
      // step 6
      if (sn === 0) return false;
      if (lsb(fn) || fn === sn) {
        fr = merkleNodeHash(c, fr);
        sr = merkleNodeHash(c, sr);
        while (!lsb(fn) && fn !== 0) {
          fn = shr(fn);
          sn = shr(sn);
        }
      } else {
        sr = merkleNodeHash(sr, c);
      }
      fn = shr(fn);
      sn = shr(sn);
    }
    return sn === 0 && hashEquals(fr, fromRoot) && hashEquals(sr, toRoot); // step 7
  } catch {
    return false;
  }
}

function isPowerOfTwo(n: number): boolean {
  let x = n;
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}
