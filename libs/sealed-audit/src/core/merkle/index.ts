export { MERKLE_EMPTY_ROOT, merkleLeafHash, merkleNodeHash } from './merkle-hash';
export { MerkleTreeBuilder, merkleRoot } from './merkle-tree';
export type { MerkleTreeState } from './merkle-tree';
export { consistencyProof, inclusionProof, verifyConsistency, verifyInclusion } from './merkle-proof';
export type { ConsistencyProof, InclusionProof } from './merkle-proof';
export { MerkleProofError, MerkleTreeError } from './merkle-errors';
