import { COMPACT_TREES, LEAF_INPUTS, ROOT_HASHES } from './__fixtures__/test-vectors';
import { randomHash, randomLeafData, refRoot, seededRandom } from './__fixtures__/reference-merkle';
import { MerkleTreeError } from './merkle-errors';
import { MERKLE_EMPTY_ROOT, merkleLeafHash, merkleNodeHash } from './merkle-hash';
import { MerkleTreeBuilder, merkleRoot, popCount, splitPoint } from './merkle-tree';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const referenceLeaves = LEAF_INPUTS.map((h) => merkleLeafHash(Buffer.from(h, 'hex')));

describe('merkleRoot', () => {
  it.each(ROOT_HASHES.map((root, size) => [size, root] as const))(
    'matches the published root of the %d-leaf prefix of the reference tree',
    (size, root) => {
      expect(hex(merkleRoot(referenceLeaves.slice(0, size)))).toBe(root);
    },
  );

  it('returns the empty root for no leaves and the leaf itself for one leaf', () => {
    expect(merkleRoot([]).equals(MERKLE_EMPTY_ROOT)).toBe(true);
    const leaf = referenceLeaves[3] as Buffer;
    expect(merkleRoot([leaf]).equals(leaf)).toBe(true);
  });

  it('agrees with a slice-based RFC 6962 reference for sizes 0..300', () => {
    const rand = seededRandom(6962);
    const leaves = randomLeafData(rand, 300).map((d) => merkleLeafHash(d));
    for (let n = 0; n <= 300; n++) {
      expect(hex(merkleRoot(leaves.slice(0, n)))).toBe(hex(refRoot(leaves.slice(0, n))));
    }
  });

  it('returns buffers the caller may mutate without corrupting later results', () => {
    const empty = merkleRoot([]);
    empty.fill(0);
    expect(hex(merkleRoot([]))).toBe(ROOT_HASHES[0]);
    const leaf = Buffer.from(referenceLeaves[0] as Buffer);
    const single = merkleRoot([leaf]);
    single.fill(0);
    expect(hex(leaf)).toBe(ROOT_HASHES[1]);
  });

  it('rejects leaf hashes that are not 32 bytes, naming the fix', () => {
    expect(() => merkleRoot([Buffer.alloc(32), Buffer.alloc(31)])).toThrow(MerkleTreeError);
    expect(() => merkleRoot([Buffer.alloc(32), Buffer.alloc(31)])).toThrow(/leafHashes\[1\].*merkleLeafHash/);
    expect(() => merkleRoot(['ab'.repeat(32) as unknown as Uint8Array])).toThrow(MerkleTreeError);
  });
});

describe('MerkleTreeBuilder', () => {
  it('starts empty', () => {
    const tree = new MerkleTreeBuilder();
    expect(tree.size).toBe(0);
    expect(tree.root().equals(MERKLE_EMPTY_ROOT)).toBe(true);
    expect(tree.state()).toEqual({ size: 0, nodes: [] });
  });

  it('tracks the published roots and compact ranges (CompactTrees) of the reference tree leaf by leaf', () => {
    const tree = new MerkleTreeBuilder();
    expect(tree.state().nodes).toEqual(COMPACT_TREES[0]);
    referenceLeaves.forEach((leaf, i) => {
      tree.append(leaf);
      expect(tree.size).toBe(i + 1);
      expect(hex(tree.root())).toBe(ROOT_HASHES[i + 1]);
      expect(tree.state()).toEqual({ size: i + 1, nodes: COMPACT_TREES[i + 1] });
    });
  });

  it('root() equals merkleRoot of all leaves so far for sizes 0..300', () => {
    const rand = seededRandom(1);
    const leaves = randomLeafData(rand, 300).map((d) => merkleLeafHash(d));
    const tree = new MerkleTreeBuilder();
    expect(hex(tree.root())).toBe(hex(merkleRoot([])));
    leaves.forEach((leaf, i) => {
      tree.append(leaf);
      expect(hex(tree.root())).toBe(hex(merkleRoot(leaves.slice(0, i + 1))));
      expect(tree.state().nodes).toHaveLength(popCount(i + 1));
    });
  });

  it('resumes from state() at every size 0..300 (also through JSON) and reaches the same roots', () => {
    const rand = seededRandom(2);
    const leaves = Array.from({ length: 300 }, () => randomHash(rand));
    const expected = leaves.map((_, i) => hex(merkleRoot(leaves.slice(0, i + 1))));
    const tree = new MerkleTreeBuilder();
    for (let s = 0; s < 300; s++) {
      const resumed = new MerkleTreeBuilder(JSON.parse(JSON.stringify(tree.state())) as { size: number; nodes: string[] });
      expect(resumed.size).toBe(s);
      expect(hex(resumed.root())).toBe(hex(tree.root()));
      // Continue a few leaves from the resumed copy; it must track the uninterrupted tree.
      for (let j = s; j < Math.min(s + 5, 300); j++) {
        resumed.append(leaves[j] as Buffer);
        expect(hex(resumed.root())).toBe(expected[j]);
      }
      tree.append(leaves[s] as Buffer);
    }
    expect(hex(tree.root())).toBe(expected[299]);
  });

  it('keeps its state independent of the caller’s buffers and of returned values', () => {
    const leaf = Buffer.from(referenceLeaves[0] as Buffer);
    const tree = new MerkleTreeBuilder();
    tree.append(leaf);
    leaf.fill(0);
    tree.root().fill(0);
    const state = tree.state();
    state.nodes[0] = '00'.repeat(32);
    expect(hex(tree.root())).toBe(ROOT_HASHES[1]);
  });

  it('stays exact past 2^32 leaves (no 32-bit bit operators)', () => {
    const rand = seededRandom(3);
    const size = 2 ** 40 - 1; // 40 set bits: appending one leaf merges all 40 nodes into one.
    const nodes = Array.from({ length: 40 }, () => randomHash(rand));
    const tree = new MerkleTreeBuilder({ size, nodes: nodes.map(hex) });
    let fold = nodes[39] as Buffer;
    for (let i = 38; i >= 0; i--) fold = merkleNodeHash(nodes[i] as Buffer, fold);
    expect(hex(tree.root())).toBe(hex(fold));

    const leaf = randomHash(rand);
    tree.append(leaf);
    let merged = leaf;
    for (let i = 39; i >= 0; i--) merged = merkleNodeHash(nodes[i] as Buffer, merged);
    expect(tree.state()).toEqual({ size: 2 ** 40, nodes: [hex(merged)] });
    expect(hex(tree.root())).toBe(hex(merged));

    const big = new MerkleTreeBuilder({ size: Number.MAX_SAFE_INTEGER, nodes: Array.from({ length: 53 }, () => hex(randomHash(rand))) });
    expect(() => big.append(leaf)).toThrow(/Number.MAX_SAFE_INTEGER/);
  });

  it('rejects leaf hashes that are not 32 bytes', () => {
    const tree = new MerkleTreeBuilder();
    expect(() => tree.append(Buffer.alloc(31))).toThrow(MerkleTreeError);
    expect(() => tree.append(Buffer.alloc(33))).toThrow(/merkleLeafHash/);
    expect(() => tree.append('ab'.repeat(32) as unknown as Uint8Array)).toThrow(MerkleTreeError);
    expect(tree.size).toBe(0);
  });

  it.each([
    ['a negative size', { size: -1, nodes: [] }],
    ['a fractional size', { size: 1.5, nodes: ['00'.repeat(32)] }],
    ['a NaN size', { size: Number.NaN, nodes: [] }],
    ['an unsafe size', { size: 2 ** 53, nodes: ['00'.repeat(32)] }],
    ['a string size', { size: '1', nodes: ['00'.repeat(32)] }],
    ['too few nodes', { size: 3, nodes: ['00'.repeat(32)] }],
    ['too many nodes', { size: 4, nodes: ['00'.repeat(32), '11'.repeat(32)] }],
    ['non-array nodes', { size: 1, nodes: '00'.repeat(32) }],
    ['a non-hex node', { size: 1, nodes: ['zz'.repeat(32)] }],
    ['a short node', { size: 1, nodes: ['00'.repeat(31)] }],
    ['a non-string node', { size: 1, nodes: [42] }],
    ['null', null],
  ])('rejects a resume state with %s', (_desc, state) => {
    expect(() => new MerkleTreeBuilder(state as unknown as { size: number; nodes: string[] })).toThrow(MerkleTreeError);
    expect(() => new MerkleTreeBuilder(state as unknown as { size: number; nodes: string[] })).toThrow(/state\(\)/);
  });
});

describe('internal arithmetic', () => {
  it('splitPoint is the largest power of two strictly below n', () => {
    const cases: [number, number][] = [[2, 1], [3, 2], [4, 2], [5, 4], [7, 4], [8, 4], [9, 8], [63, 32], [28937, 16384], [2 ** 40 + 1, 2 ** 40], [2 ** 53 - 1, 2 ** 52]];
    for (const [n, k] of cases) expect(splitPoint(n)).toBe(k);
  });

  it('popCount counts set bits beyond 32 bits', () => {
    expect(popCount(0)).toBe(0);
    expect(popCount(7)).toBe(3);
    expect(popCount(2 ** 40 - 1)).toBe(40);
    expect(popCount(Number.MAX_SAFE_INTEGER)).toBe(53);
  });
});

describe('MerkleTreeBuilder.appendEntryHash / rootHex', () => {
  it('builds the same tree as append(merkleLeafHash(Buffer.from(hex, "hex"))), for any string', () => {
    const inputs = [
      ...Array.from({ length: 37 }, (_, i) => Buffer.from(randomHash(seededRandom(i))).toString('hex')),
      'ABCDEF'.repeat(10) + 'abcd', 'zz'.repeat(32), 'ab', '', '0'.repeat(66), 'g'.repeat(64),
    ];
    const fast = new MerkleTreeBuilder();
    const slow = new MerkleTreeBuilder();
    for (const input of inputs) {
      fast.appendEntryHash(input);
      slow.append(merkleLeafHash(Buffer.from(input, 'hex')));
      expect(fast.rootHex()).toBe(hex(slow.root()));
      expect(fast.state()).toEqual(slow.state());
    }
    expect(new MerkleTreeBuilder(fast.state()).rootHex()).toBe(fast.rootHex());
  });
});
