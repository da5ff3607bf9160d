import {
  CONSISTENCY_PROOFS,
  EMPTY_ROOT_HASH,
  INCLUSION_PROOFS,
  LEAF_INPUTS,
  ROOT_HASHES,
  SOME_HASH,
} from './__fixtures__/test-vectors';
import {
  consistencyPathLength,
  inclusionPathLength,
  randomHash,
  randomLeafData,
  refPath,
  refProof,
  refRootFromInclusion,
  refRootsFromConsistency,
  seededRandom,
} from './__fixtures__/reference-merkle';
import { MerkleProofError } from './merkle-errors';
import { MERKLE_EMPTY_ROOT, merkleLeafHash } from './merkle-hash';
import {
  consistencyProof,
  inclusionProof,
  verifyConsistency,
  verifyInclusion,
  type ConsistencyProof,
  type InclusionProof,
} from './merkle-proof';
import { merkleRoot } from './merkle-tree';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Buffer => Buffer.from(h, 'hex');
const referenceLeaves = LEAF_INPUTS.map((h) => merkleLeafHash(bytes(h)));
const referenceRoot = (size: number): Buffer => bytes(ROOT_HASHES[size] as string);
const someHash = bytes(SOME_HASH);
const emptyRoot = bytes(EMPTY_ROOT_HASH);

/** Flips bit `bit` (0..255) of a hex hash. */
function flipBit(h: string, bit: number): string {
  const b = bytes(h);
  b[bit >> 3] = (b[bit >> 3] as number) ^ (1 << (bit & 7));
  return hex(b);
}

interface InclusionProbe {
  desc: string;
  leaf: Uint8Array;
  proof: InclusionProof;
  root: Uint8Array;
}

/** transparency-dev corruptInclusionProof, plus swapped elements and every bit of every element when `allBits`. */
function corruptInclusion(leaf: Uint8Array, proof: InclusionProof, root: Uint8Array, allBits: boolean): InclusionProbe[] {
  const { leafIndex: i, treeSize: n, path } = proof;
  const rootHex = hex(root);
  const p = (desc: string, over: Partial<InclusionProof>, l = leaf, r = root): InclusionProbe => ({
    desc,
    leaf: l,
    root: r,
    proof: { leafIndex: i, treeSize: n, path, ...over },
  });
  const probes: InclusionProbe[] = [
    p('leafIndex - 1', { leafIndex: i - 1 }),
    p('leafIndex + 1', { leafIndex: i + 1 }),
    p('leafIndex ^ 2', { leafIndex: i ^ 2 }),
    p('treeSize * 2', { treeSize: n * 2 }),
    p('treeSize / 2', { treeSize: Math.floor(n / 2) }),
    p('wrong leaf', {}, merkleLeafHash(Buffer.from('WrongLeaf'))),
    p('short leaf', {}, Buffer.from('WrongLeaf')),
    p('empty root', {}, leaf, emptyRoot),
    p('random root', {}, leaf, someHash),
    p('trailing garbage', { path: [...path, ''] }),
    p('trailing root', { path: [...path, rootHex] }),
    p('preceding garbage', { path: ['', ...path] }),
    p('preceding root', { path: [rootHex, ...path] }),
  ];
  if (path.length > 0) {
    probes.push(p('removed last component', { path: path.slice(0, -1) }));
    probes.push(p('removed first component', { path: path.slice(1) }));
  }
  if (path.length > 1) probes.push(p('inserted component', { path: [path[0] as string, SOME_HASH, ...path.slice(1)] }));
  path.forEach((h, k) => {
    const bits = allBits ? Array.from({ length: 256 }, (_, b) => b) : [3];
    for (const bit of bits) {
      probes.push(p(`path[${k}] bit ${bit}`, { path: path.map((x, j) => (j === k ? flipBit(x, bit) : x)) }));
    }
    if (k + 1 < path.length && path[k + 1] !== h) {
      const swapped = [...path];
      swapped[k] = path[k + 1] as string;
      swapped[k + 1] = h;
      probes.push(p(`swapped path[${k}] and path[${k + 1}]`, { path: swapped }));
    }
  });
  return probes;
}

interface ConsistencyProbe {
  desc: string;
  proof: ConsistencyProof;
  fromRoot: Uint8Array;
  toRoot: Uint8Array;
}

/** transparency-dev corruptConsistencyProof, plus swapped elements and every bit of every element when `allBits`. */
function corruptConsistency(proof: ConsistencyProof, fromRoot: Uint8Array, toRoot: Uint8Array, allBits: boolean): ConsistencyProbe[] {
  const { fromSize: m, toSize: n, path } = proof;
  const r1 = hex(fromRoot);
  const r2 = hex(toRoot);
  const p = (desc: string, over: Partial<ConsistencyProof>, a = fromRoot, b = toRoot): ConsistencyProbe => ({
    desc,
    fromRoot: a,
    toRoot: b,
    proof: { fromSize: m, toSize: n, path, ...over },
  });
  const probes: ConsistencyProbe[] = [
    p('fromSize - 1', { fromSize: m - 1 }),
    p('fromSize + 1', { fromSize: m + 1 }),
    p('fromSize ^ 2', { fromSize: m ^ 2 }),
    p('toSize * 2', { toSize: n * 2 }),
    p('toSize / 2', { toSize: Math.floor(n / 2) }),
    p('wrong fromRoot', {}, someHash),
    p('short fromRoot', {}, Buffer.from('WrongRoot')),
    p('wrong toRoot', {}, fromRoot, someHash),
    p('short toRoot', {}, fromRoot, Buffer.from('WrongRoot')),
    p('swapped roots', {}, toRoot, fromRoot),
    p('empty path', { path: [] }),
    p('trailing garbage', { path: [...path, ''] }),
    p('trailing fromRoot', { path: [...path, r1] }),
    p('trailing toRoot', { path: [...path, r2] }),
    p('preceding garbage', { path: ['', ...path] }),
    p('preceding fromRoot', { path: [r1, ...path] }),
    p('preceding toRoot', { path: [r2, ...path] }),
    p('preceding path[0]', { path: [path[0] as string, ...path] }),
    p('truncated path', { path: path.slice(0, -1) }),
    p('path without its first element', { path: path.slice(1) }),
  ];
  path.forEach((h, k) => {
    const bits = allBits ? Array.from({ length: 256 }, (_, b) => b) : [4];
    for (const bit of bits) {
      probes.push(p(`path[${k}] bit ${bit}`, { path: path.map((x, j) => (j === k ? flipBit(x, bit) : x)) }));
    }
    if (k + 1 < path.length && path[k + 1] !== h) {
      const swapped = [...path];
      swapped[k] = path[k + 1] as string;
      swapped[k + 1] = h;
      probes.push(p(`swapped path[${k}] and path[${k + 1}]`, { path: swapped }));
    }
  });
  return probes;
}

const acceptedInclusion = (probes: InclusionProbe[]): string[] =>
  probes.filter((x) => verifyInclusion(x.leaf, x.proof, x.root)).map((x) => x.desc);
const acceptedConsistency = (probes: ConsistencyProbe[]): string[] =>
  probes.filter((x) => verifyConsistency(x.proof, x.fromRoot, x.toRoot)).map((x) => x.desc);

describe('published vectors (transparency-dev/merkle, 8-leaf reference tree)', () => {
  it.each(INCLUSION_PROOFS.map((v) => [v.leafIndex, v.treeSize, v] as const))(
    'inclusion proof for leaf %d in tree %d: built exactly, verifies, and every corruption is rejected',
    (leafIndex, treeSize, v) => {
      const proof = inclusionProof(referenceLeaves, leafIndex, treeSize);
      expect(proof).toEqual({ leafIndex, treeSize, path: v.path });
      const leaf = referenceLeaves[leafIndex] as Buffer;
      expect(verifyInclusion(leaf, { leafIndex, treeSize, path: [...v.path] }, referenceRoot(treeSize))).toBe(true);
      const probes = corruptInclusion(leaf, proof, referenceRoot(treeSize), true);
      expect(probes.length).toBeGreaterThan(12);
      expect(acceptedInclusion(probes)).toEqual([]);
    },
  );

  it.each(CONSISTENCY_PROOFS.map((v) => [v.fromSize, v.toSize, v] as const))(
    'consistency proof %d -> %d: built exactly, verifies, and every corruption is rejected',
    (fromSize, toSize, v) => {
      const proof = consistencyProof(referenceLeaves, fromSize, toSize);
      expect(proof).toEqual({ fromSize, toSize, path: v.path });
      expect(verifyConsistency({ fromSize, toSize, path: [...v.path] }, referenceRoot(fromSize), referenceRoot(toSize))).toBe(true);
      if (v.path.length > 0) {
        const probes = corruptConsistency(proof, referenceRoot(fromSize), referenceRoot(toSize), true);
        expect(acceptedConsistency(probes)).toEqual([]);
      }
    },
  );

  it('builds the published proofs when the leaf list is longer than the tree size', () => {
    // treeSize / toSize default to all leaves; an explicit smaller size must use only that prefix.
    expect(inclusionProof(referenceLeaves, 1, 5).path).toEqual(INCLUSION_PROOFS[4]?.path);
    expect(inclusionProof(referenceLeaves.slice(0, 5), 1).path).toEqual(INCLUSION_PROOFS[4]?.path);
    expect(consistencyProof(referenceLeaves, 2, 5).path).toEqual(CONSISTENCY_PROOFS[3]?.path);
    expect(consistencyProof(referenceLeaves.slice(0, 5), 2).path).toEqual(CONSISTENCY_PROOFS[3]?.path);
  });
});

describe('random trees (seeded), every proof up to 64 leaves', () => {
  const rand = seededRandom(9162);
  const leaves = randomLeafData(rand, 64).map((d) => merkleLeafHash(d));
  const roots = Array.from({ length: 65 }, (_, n) => merkleRoot(leaves.slice(0, n)));

  it('every inclusion proof for every index of every size 1..64 matches the RFC reference, verifies, and resists corruption', () => {
    let proofs = 0;
    for (let n = 1; n <= 64; n++) {
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(leaves, i, n);
        expect(proof.path).toEqual(refPath(i, leaves.slice(0, n)).map(hex));
        expect(verifyInclusion(leaves[i] as Buffer, proof, roots[n] as Buffer)).toBe(true);
        // The proof is for this root only.
        if (n > 1) expect(verifyInclusion(leaves[i] as Buffer, proof, roots[n - 1] as Buffer)).toBe(false);
        const accepted = acceptedInclusion(corruptInclusion(leaves[i] as Buffer, proof, roots[n] as Buffer, false));
        if (accepted.length > 0) throw new Error(`leaf ${i} of ${n}: accepted ${accepted.join(', ')}`);
        proofs++;
      }
    }
    expect(proofs).toBe((64 * 65) / 2);
  });

  it('every consistency proof for every 1 <= m <= n <= 64 matches the RFC reference, verifies, and resists corruption', () => {
    let proofs = 0;
    for (let n = 1; n <= 64; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(leaves, m, n);
        expect(proof.path).toEqual(refProof(m, leaves.slice(0, n)).map(hex));
        expect(verifyConsistency(proof, roots[m] as Buffer, roots[n] as Buffer)).toBe(true);
        if (m < n) {
          // A proof for m -> n does not vouch for any other pair of roots.
          expect(verifyConsistency(proof, roots[m - 1] ?? someHash, roots[n] as Buffer)).toBe(false);
          expect(verifyConsistency(proof, roots[m] as Buffer, roots[n - 1] as Buffer)).toBe(false);
          const accepted = acceptedConsistency(corruptConsistency(proof, roots[m] as Buffer, roots[n] as Buffer, false));
          if (accepted.length > 0) throw new Error(`${m} -> ${n}: accepted ${accepted.join(', ')}`);
        } else {
          expect(proof.path).toEqual([]);
        }
        proofs++;
      }
    }
    expect(proofs).toBe((64 * 65) / 2);
  });

  it('a forked log (one leaf rewritten) fails consistency with the original checkpoint', () => {
    for (let n = 2; n <= 64; n++) {
      for (let m = 1; m < n; m++) {
        const forked = [...leaves.slice(0, n)];
        const victim = Math.floor(rand() * m);
        forked[victim] = merkleLeafHash(Buffer.from(`rewritten ${victim}`));
        const proof = consistencyProof(forked, m, n);
        expect(verifyConsistency(proof, roots[m] as Buffer, merkleRoot(forked))).toBe(false);
      }
    }
  });
});

describe('verifiers stay exact beyond 2^32 (compared with a BigInt RFC 9162 reference)', () => {
  const rand = seededRandom(53);
  const sizes: [number, number][] = [
    [0, 2 ** 31 + 1],
    [2 ** 31, 2 ** 32 + 7],
    [2 ** 32 - 1, 2 ** 32],
    [123456789012, 2 ** 40 + 3],
    [2 ** 52 + 12345, Number.MAX_SAFE_INTEGER],
    [Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER],
  ];

  it.each(sizes)('inclusion of leaf %d in a tree of %d', (leafIndex, treeSize) => {
    const leaf = randomHash(rand);
    const path = Array.from({ length: inclusionPathLength(BigInt(leafIndex), BigInt(treeSize)) }, () => randomHash(rand));
    const root = refRootFromInclusion(BigInt(leafIndex), BigInt(treeSize), leaf, path);
    expect(root).toBeDefined();
    const proof = { leafIndex, treeSize, path: path.map(hex) };
    expect(verifyInclusion(leaf, proof, root as Buffer)).toBe(true);
    expect(acceptedInclusion(corruptInclusion(leaf, proof, root as Buffer, false))).toEqual([]);
  });

  it.each(sizes.map(([a, b]) => [a + 1, b] as const).filter(([a, b]) => a < b))('consistency %d -> %d', (fromSize, toSize) => {
    const seed = randomHash(rand);
    const path = Array.from({ length: consistencyPathLength(BigInt(fromSize), BigInt(toSize)) }, () => randomHash(rand));
    const roots = refRootsFromConsistency(BigInt(fromSize), BigInt(toSize), seed, path);
    expect(roots).toBeDefined();
    const { fr, sr } = roots as { fr: Buffer; sr: Buffer };
    const proof = { fromSize, toSize, path: path.map(hex) };
    expect(verifyConsistency(proof, fr, sr)).toBe(true);
    expect(acceptedConsistency(corruptConsistency(proof, fr, sr, false))).toEqual([]);
  });
});

describe('verifyInclusion on malformed input returns false, never throws', () => {
  const leaf = referenceLeaves[5] as Buffer;
  const good: InclusionProof = { leafIndex: 5, treeSize: 8, path: [...(INCLUSION_PROOFS[6]?.path ?? [])] };
  const root = referenceRoot(8);

  it('accepts the well-formed baseline (so each case below fails for its own reason)', () => {
    expect(verifyInclusion(leaf, good, root)).toBe(true);
    expect(verifyInclusion(new Uint8Array(leaf), { ...good, path: good.path.map((h) => h.toUpperCase()) }, new Uint8Array(root))).toBe(true);
  });

  it.each<[string, unknown]>([
    ['negative index', { ...good, leafIndex: -1 }],
    ['NaN index', { ...good, leafIndex: Number.NaN }],
    ['fractional index', { ...good, leafIndex: 4.5 }],
    ['infinite index', { ...good, leafIndex: Number.POSITIVE_INFINITY }],
    ['string index', { ...good, leafIndex: '5' }],
    ['index == size', { ...good, leafIndex: 8 }],
    ['index > size', { ...good, leafIndex: 9 }],
    ['size 0', { ...good, leafIndex: 0, treeSize: 0 }],
    ['negative size', { ...good, treeSize: -8 }],
    ['NaN size', { ...good, treeSize: Number.NaN }],
    ['fractional size', { ...good, treeSize: 8.5 }],
    ['unsafe size', { ...good, treeSize: 2 ** 53 }],
    ['missing size', { leafIndex: 5, path: good.path }],
    ['non-array path', { ...good, path: good.path.join('') }],
    ['null path', { ...good, path: null }],
    ['non-hex element', { ...good, path: [good.path[0], 'zz'.repeat(32), good.path[2]] }],
    ['short element', { ...good, path: [good.path[0], (good.path[1] as string).slice(2), good.path[2]] }],
    ['long element', { ...good, path: [good.path[0], `${good.path[1]}00`, good.path[2]] }],
    ['0x-prefixed element', { ...good, path: [good.path[0], `0x${(good.path[1] as string).slice(2)}`, good.path[2]] }],
    ['numeric element', { ...good, path: [good.path[0], 42, good.path[2]] }],
    ['null proof', null],
    ['undefined proof', undefined],
    ['string proof', 'proof'],
  ])('%s', (_desc, proof) => {
    expect(() => verifyInclusion(leaf, proof as InclusionProof, root)).not.toThrow();
    expect(verifyInclusion(leaf, proof as InclusionProof, root)).toBe(false);
  });

  it.each<[string, unknown, unknown]>([
    ['31-byte leaf', leaf.subarray(0, 31), root],
    ['hex-string leaf', hex(leaf), root],
    ['undefined leaf', undefined, root],
    ['31-byte root', leaf, root.subarray(0, 31)],
    ['hex-string root', leaf, hex(root)],
    ['null root', leaf, null],
  ])('%s', (_desc, l, r) => {
    expect(verifyInclusion(l as Uint8Array, good, r as Uint8Array)).toBe(false);
  });

  it('a one-leaf tree: the leaf is the root and the path is empty; anything else fails', () => {
    const single = merkleLeafHash(Buffer.from('data'));
    expect(verifyInclusion(single, { leafIndex: 0, treeSize: 1, path: [] }, single)).toBe(true);
    expect(verifyInclusion(single, { leafIndex: 0, treeSize: 1, path: [] }, MERKLE_EMPTY_ROOT)).toBe(false);
    expect(verifyInclusion(Buffer.alloc(0), { leafIndex: 0, treeSize: 1, path: [] }, Buffer.alloc(0))).toBe(false);
    for (const [leafIndex, treeSize] of [[0, 0], [1, 0], [2, 1], [1, 1]]) {
      expect(verifyInclusion(someHash, { leafIndex: leafIndex as number, treeSize: treeSize as number, path: [] }, emptyRoot)).toBe(false);
      expect(verifyInclusion(someHash, { leafIndex: leafIndex as number, treeSize: treeSize as number, path: [] }, someHash)).toBe(false);
    }
  });
});

describe('verifyConsistency on malformed input and special sizes returns false, never throws', () => {
  const good: ConsistencyProof = { fromSize: 6, toSize: 8, path: [...(CONSISTENCY_PROOFS[2]?.path ?? [])] };
  const r6 = referenceRoot(6);
  const r8 = referenceRoot(8);

  it('accepts the well-formed baseline', () => {
    expect(verifyConsistency(good, r6, r8)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['fromSize 0 to a non-empty tree, empty path', { fromSize: 0, toSize: 8, path: [] }],
    ['fromSize 0 to a non-empty tree, with a path', { ...good, fromSize: 0 }],
    ['negative fromSize', { ...good, fromSize: -6 }],
    ['NaN fromSize', { ...good, fromSize: Number.NaN }],
    ['fractional fromSize', { ...good, fromSize: 5.5 }],
    ['string fromSize', { ...good, fromSize: '6' }],
    ['NaN toSize', { ...good, toSize: Number.NaN }],
    ['fractional toSize', { ...good, toSize: 8.5 }],
    ['unsafe toSize', { ...good, toSize: 2 ** 53 }],
    ['fromSize > toSize', { fromSize: 8, toSize: 6, path: good.path }],
    ['fromSize > toSize, empty path', { fromSize: 2, toSize: 1, path: [] }],
    ['non-array path', { ...good, path: 'abc' }],
    ['non-hex element', { ...good, path: [good.path[0], 'g'.repeat(64), good.path[2]] }],
    ['short element', { ...good, path: [good.path[0], '00', good.path[2]] }],
    ['null proof', null],
    ['undefined proof', undefined],
  ])('%s', (_desc, proof) => {
    expect(() => verifyConsistency(proof as ConsistencyProof, r6, r8)).not.toThrow();
    expect(verifyConsistency(proof as ConsistencyProof, r6, r8)).toBe(false);
  });

  it('fromSize 0 is rejected even between empty roots (RFC 9162 defines proofs for 0 < first only)', () => {
    expect(verifyConsistency({ fromSize: 0, toSize: 0, path: [] }, MERKLE_EMPTY_ROOT, MERKLE_EMPTY_ROOT)).toBe(false);
    expect(verifyConsistency({ fromSize: 0, toSize: 1, path: [] }, MERKLE_EMPTY_ROOT, referenceRoot(1))).toBe(false);
  });

  it('equal sizes need an empty path and equal roots', () => {
    expect(verifyConsistency({ fromSize: 8, toSize: 8, path: [] }, r8, new Uint8Array(r8))).toBe(true);
    expect(verifyConsistency({ fromSize: 1, toSize: 1, path: [] }, referenceRoot(1), referenceRoot(1))).toBe(true);
    expect(verifyConsistency({ fromSize: 8, toSize: 8, path: [] }, r6, r8)).toBe(false);
    expect(verifyConsistency({ fromSize: 8, toSize: 8, path: [EMPTY_ROOT_HASH] }, r8, r8)).toBe(false);
    expect(verifyConsistency({ fromSize: 1, toSize: 1, path: [EMPTY_ROOT_HASH] }, emptyRoot, emptyRoot)).toBe(false);
    expect(verifyConsistency({ fromSize: 8, toSize: 8, path: [] }, Buffer.from('don\u2019t care 1'), Buffer.from('don\u2019t care 1'))).toBe(false);
  });

  it('an empty path between different sizes fails (RFC 9162 §2.1.4.2 step 1)', () => {
    expect(verifyConsistency({ fromSize: 1, toSize: 2, path: [] }, referenceRoot(1), referenceRoot(2))).toBe(false);
    expect(verifyConsistency({ fromSize: 4, toSize: 8, path: [] }, referenceRoot(4), referenceRoot(4))).toBe(false);
  });

  it.each<[string, unknown, unknown]>([
    ['31-byte fromRoot', r6.subarray(0, 31), r8],
    ['hex fromRoot', hex(r6), r8],
    ['31-byte toRoot', r6, r8.subarray(1)],
    ['undefined toRoot', r6, undefined],
  ])('%s', (_desc, a, b) => {
    expect(verifyConsistency(good, a as Uint8Array, b as Uint8Array)).toBe(false);
  });
});

describe('proof builders reject bad arguments with MerkleProofError', () => {
  const leaves = referenceLeaves;

  it.each<[string, () => unknown, RegExp]>([
    ['index == size', () => inclusionProof(leaves, 8), /leafIndex must be an integer in 0\.\.7/],
    ['index > treeSize', () => inclusionProof(leaves, 5, 5), /0\.\.4/],
    ['negative index', () => inclusionProof(leaves, -1), /leafIndex/],
    ['NaN index', () => inclusionProof(leaves, Number.NaN), /leafIndex/],
    ['fractional index', () => inclusionProof(leaves, 1.5), /leafIndex/],
    ['treeSize above the leaves given', () => inclusionProof(leaves, 0, 9), /Pass at least 9 leaf hashes/],
    ['treeSize 0', () => inclusionProof(leaves, 0, 0), /empty tree has no leaves/],
    ['no leaves', () => inclusionProof([], 0), /empty tree has no leaves/],
    ['NaN treeSize', () => inclusionProof(leaves, 0, Number.NaN), /treeSize must be a non-negative safe integer/],
    ['negative treeSize', () => inclusionProof(leaves, 0, -1), /treeSize/],
    ['raw data instead of leaf hashes', () => inclusionProof([Buffer.from('a'), Buffer.from('b')], 0), /leafHashes\[0\].*merkleLeafHash/],
    ['hex strings instead of leaf hashes', () => inclusionProof([ROOT_HASHES[1]] as unknown as Uint8Array[], 0), /leafHashes\[0\]/],
    ['non-array leaves', () => inclusionProof('x' as unknown as Uint8Array[], 0), /array/],
    ['fromSize 0', () => consistencyProof(leaves, 0), /fromSize 0.*MERKLE_EMPTY_ROOT/],
    ['fromSize 0 of an empty tree', () => consistencyProof([], 0), /fromSize 0/],
    ['fromSize > toSize', () => consistencyProof(leaves, 6, 5), /fromSize 6 is larger than toSize 5/],
    ['fromSize above the leaves given', () => consistencyProof(leaves, 9), /larger than toSize 8/],
    ['toSize above the leaves given', () => consistencyProof(leaves, 1, 9), /Pass at least 9 leaf hashes/],
    ['negative fromSize', () => consistencyProof(leaves, -1), /fromSize must be a positive safe integer/],
    ['NaN fromSize', () => consistencyProof(leaves, Number.NaN), /fromSize/],
    ['fractional fromSize', () => consistencyProof(leaves, 2.5), /fromSize/],
    ['fractional toSize', () => consistencyProof(leaves, 2, 4.5), /toSize/],
    ['a short leaf hash', () => consistencyProof([...leaves.slice(0, 3), Buffer.alloc(31)], 1), /leafHashes\[3\]/],
  ])('%s', (_desc, build, message) => {
    expect(build).toThrow(MerkleProofError);
    expect(build).toThrow(message);
  });

  it('checks only the leaves inside the requested tree size', () => {
    const withJunkTail = [...leaves.slice(0, 4), Buffer.alloc(3)];
    expect(inclusionProof(withJunkTail, 1, 4).path).toEqual(refPath(1, leaves.slice(0, 4)).map(hex));
    expect(consistencyProof(withJunkTail, 2, 4).path).toEqual(refProof(2, leaves.slice(0, 4)).map(hex));
  });

  it('MerkleProofError is an Error with its own name', () => {
    const error = new MerkleProofError('x');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('MerkleProofError');
  });
});
