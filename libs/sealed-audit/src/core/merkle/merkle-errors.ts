/**
 * Thrown by the proof *builders* (`inclusionProof`, `consistencyProof`) when asked for a proof that does not
 * exist: an index or size out of range, `fromSize > toSize`, a leaf that is not a 32-byte hash. The message
 * says what to pass instead. The verifiers never throw; they return `false`.
 *
 * @example
 * try { inclusionProof(leaves, 10, 5) } catch (e) { if (e instanceof MerkleProofError) ... }
 */
export class MerkleProofError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MerkleProofError';
  }
}

/**
 * Thrown by `merkleRoot` and `MerkleTreeBuilder` for a leaf hash that is not 32 bytes, or a resume state
 * that is not one `MerkleTreeBuilder#state()` could have produced.
 */
export class MerkleTreeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MerkleTreeError';
  }
}
