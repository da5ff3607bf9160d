/**
 * Published RFC 6962 known-answer vectors for the 8-leaf reference tree, copied as data from
 * transparency-dev/merkle (Apache-2.0, Copyright Google LLC):
 *
 * - leaf inputs, node hashes, root hashes, compact ranges:
 *   https://github.com/transparency-dev/merkle/blob/582a6ad190b6848f1d26f8bf08ddef29955d9db1/testonly/constants.go
 *   (`LeafInputs`, `NodeHashes`, `RootHashes`, `CompactTrees`, `EmptyRootHash`)
 * - inclusion proofs (0-based index): `TestRefInclusionProof` in
 *   https://github.com/transparency-dev/merkle/blob/141d627eab770a7e9a2514f46a8b6338e6d90874/testonly/reference_test.go
 *   and `inclusionProofs` (1-based `leaf`, converted here to 0-based) in
 *   https://github.com/transparency-dev/merkle/blob/02194e9afb6c1d95b5381350007963aa70fff472/proof/verify_test.go
 * - consistency proofs: `consistencyProofs` in proof/verify_test.go (same commit) and `TestRefConsistencyProof`
 *   in testonly/reference_test.go (same commit).
 *
 * The same tree and proofs appear in google/certificate-transparency's merkle_tree_test.cc; they follow from
 * RFC 6962 §2.1. Data only: no code was copied.
 */

/** Leaf data (hex) of the reference tree, leaf 0 first. Leaf 0 is the empty string. */
export const LEAF_INPUTS: readonly string[] = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];

/** `NodeHashes()`: level 0 = leaf hashes, then each level of perfect subtrees, left to right. */
export const NODE_HASHES: readonly (readonly string[])[] = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];

/** `EmptyRootHash()`: SHA-256 of the empty string. */
export const EMPTY_ROOT_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** `RootHashes()`: root of the tree of the first `i` leaves at index `i` (0..8). */
export const ROOT_HASHES: readonly string[] = [
  EMPTY_ROOT_HASH,
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const nh = (level: number, index: number): string => NODE_HASHES[level]?.[index] ?? '';

/** `CompactTrees()`: compact range (left to right) of the tree of the first `i` leaves, `i` = 0..8. */
export const COMPACT_TREES: readonly (readonly string[])[] = [
  [],
  [nh(0, 0)],
  [nh(1, 0)],
  [nh(1, 0), nh(0, 2)],
  [nh(2, 0)],
  [nh(2, 0), nh(0, 4)],
  [nh(2, 0), nh(1, 2)],
  [nh(2, 0), nh(1, 2), nh(0, 6)],
  [nh(3, 0)],
];

export interface InclusionVector {
  /** 0-based. */
  leafIndex: number;
  treeSize: number;
  path: readonly string[];
}

/** Union of `TestRefInclusionProof` and verify_test.go `inclusionProofs` (indices made 0-based). */
export const INCLUSION_PROOFS: readonly InclusionVector[] = [
  { leafIndex: 0, treeSize: 1, path: [] },
  { leafIndex: 0, treeSize: 2, path: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7'] },
  { leafIndex: 1, treeSize: 2, path: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'] },
  { leafIndex: 2, treeSize: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leafIndex: 1,
    treeSize: 5,
    path: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    leafIndex: 0,
    treeSize: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leafIndex: 5,
    treeSize: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

export interface ConsistencyVector {
  fromSize: number;
  toSize: number;
  path: readonly string[];
}

/** Union of verify_test.go `consistencyProofs` and `TestRefConsistencyProof`. */
export const CONSISTENCY_PROOFS: readonly ConsistencyVector[] = [
  { fromSize: 1, toSize: 1, path: [] },
  {
    fromSize: 1,
    toSize: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    fromSize: 6,
    toSize: 8,
    path: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    fromSize: 2,
    toSize: 5,
    path: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    fromSize: 6,
    toSize: 7,
    path: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

/** verify_test.go `sha256SomeHash`: an arbitrary 32-byte value used as a wrong root / inserted path element. */
export const SOME_HASH = 'abacaba000000000000000000000000000000000000000000060061e00123456';
