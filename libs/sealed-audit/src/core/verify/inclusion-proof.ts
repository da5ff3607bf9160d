import type { SealedEntry } from '../audit-event';
import { computeCheckpointHash, parseSignedCheckpoint, type SignedCheckpoint } from '../checkpoint/checkpoint';
import { verifyCheckpointSignature, type PublicKeyRing } from '../checkpoint/checkpoint-signer';
import { type InclusionProof, inclusionProof, merkleLeafHash, verifyInclusion } from '../merkle';
import { computeEntryHash } from '../sealing/seal';

/** Format tag of a proof document. */
export const INCLUSION_PROOF_FORMAT = 'sealed-audit/inclusion-proof/v1';

/**
 * What `sealed-audit prove` prints: an entry (redacted, as stored), the RFC 6962 audit path from
 * its leaf to the root of a signed checkpoint, and that checkpoint. Anyone holding the public key
 * checks it offline with `sealed-audit verify-proof` (or {@link verifyInclusionProofDocument}):
 * no database needed.
 */
export interface InclusionProofDocument {
  format: typeof INCLUSION_PROOF_FORMAT;
  /** `<chainId>:<seq>` (see {@link formatEntryId}). */
  entryId: string;
  entry: SealedEntry;
  /** `leafIndex` = seq − 1; `treeSize` = the checkpoint's. */
  proof: InclusionProof;
  checkpoint: SignedCheckpoint;
}

/**
 * The id of an entry: `<chainId>:<seq>`, e.g. `api-1:42`. The seq follows the LAST colon, so chain
 * ids that contain colons (`host:1234`) still work: `host:1234:42`.
 */
export function formatEntryId(chainId: string, seq: number): string {
  return `${chainId}:${seq}`;
}

/** Parses `<chainId>:<seq>`; throws a `TypeError` saying what is expected. */
export function parseEntryId(id: string): { chainId: string; seq: number } {
  const colon = id.lastIndexOf(':');
  const chainId = colon > 0 ? id.slice(0, colon) : '';
  const seqText = colon > 0 ? id.slice(colon + 1) : '';
  const seq = Number(seqText);
  if (!chainId || !/^\d+$/.test(seqText) || !Number.isSafeInteger(seq) || seq < 1) {
    throw new TypeError(`"${id}" is not an entry id: expected <chainId>:<seq>, e.g. api-1:42 (seq from 1)`);
  }
  return { chainId, seq };
}

/**
 * Builds the proof document for `entry` against `checkpoint`, given the chain's leaf hashes
 * (`merkleLeafHash(entry hash bytes)` of seq 1..n, n ≥ checkpoint.treeSize).
 */
export function buildInclusionProofDocument(
  leafHashes: readonly Uint8Array[],
  entry: SealedEntry,
  checkpoint: SignedCheckpoint,
): InclusionProofDocument {
  return {
    format: INCLUSION_PROOF_FORMAT,
    entryId: formatEntryId(entry.chainId, entry.seq),
    entry,
    proof: inclusionProof(leafHashes, entry.seq - 1, checkpoint.treeSize),
    checkpoint,
  };
}

/** The outcome of checking a proof document. */
export type ProofCheck =
  | { ok: true; entryId: string; checkpoint: SignedCheckpoint }
  | { ok: false; reason: string; kind: 'malformed' | 'modified' | 'unknown-key' | 'bad-signature' | 'mismatch' };

/**
 * Checks a proof document offline: the entry hashes to its stored hash, the checkpoint is signed
 * by a trusted key, and the audit path leads from the entry's leaf at index seq − 1 to the signed
 * root of a tree of the checkpoint's size. Never throws.
 */
export function verifyInclusionProofDocument(value: unknown, keys: PublicKeyRing): ProofCheck {
  if (!value || typeof value !== 'object') return { ok: false, kind: 'malformed', reason: 'the proof is not a JSON object' };
  const doc = value as Partial<InclusionProofDocument>;
  if (doc.format !== INCLUSION_PROOF_FORMAT) return { ok: false, kind: 'malformed', reason: `unknown proof format ${JSON.stringify(doc.format)}` };
  let id: { chainId: string; seq: number };
  let checkpoint: SignedCheckpoint;
  try {
    id = parseEntryId(String(doc.entryId));
    checkpoint = parseSignedCheckpoint(doc.checkpoint);
  } catch (error) {
    return { ok: false, kind: 'malformed', reason: error instanceof Error ? error.message : String(error) };
  }
  const entry = doc.entry;
  const proof = doc.proof;
  if (!entry || typeof entry !== 'object' || typeof entry.hash !== 'string' || !/^[0-9a-f]{64}$/.test(entry.hash) || typeof entry.prevHash !== 'string') {
    return { ok: false, kind: 'malformed', reason: 'the proof has no entry with a hash' };
  }
  if (!proof || typeof proof !== 'object' || !Array.isArray(proof.path)) return { ok: false, kind: 'malformed', reason: 'the proof has no audit path' };
  if (entry.chainId !== id.chainId || entry.seq !== id.seq) {
    return { ok: false, kind: 'mismatch', reason: `the entry is ${entry.chainId}:${entry.seq}, not ${doc.entryId}` };
  }
  let recomputed: string;
  try {
    recomputed = computeEntryHash(entry, entry.prevHash);
  } catch {
    recomputed = '';
  }
  if (recomputed !== entry.hash) return { ok: false, kind: 'modified', reason: 'the entry does not hash to its stored hash: it was modified' };
  if (checkpoint.chainId !== id.chainId) {
    return { ok: false, kind: 'mismatch', reason: `the checkpoint is of chain "${checkpoint.chainId}", not "${id.chainId}"` };
  }
  const key = keys.get(checkpoint.keyId);
  if (!key) return { ok: false, kind: 'unknown-key', reason: `the checkpoint is signed by key ${checkpoint.keyId}, which is not among the given public keys` };
  if (!verifyCheckpointSignature(checkpoint, key)) return { ok: false, kind: 'bad-signature', reason: 'the checkpoint signature does not verify' };
  if (computeCheckpointHash(checkpoint) !== checkpoint.hash) return { ok: false, kind: 'modified', reason: 'the checkpoint hash does not match its content' };
  if (proof.leafIndex !== id.seq - 1) {
    return { ok: false, kind: 'mismatch', reason: `the proof is for leaf index ${String(proof.leafIndex)}, but entry ${id.seq} is leaf ${id.seq - 1}` };
  }
  if (proof.treeSize !== checkpoint.treeSize) {
    return { ok: false, kind: 'mismatch', reason: `the proof is for a tree of ${String(proof.treeSize)} entries, the checkpoint signs ${checkpoint.treeSize}` };
  }
  const leaf = merkleLeafHash(Buffer.from(entry.hash, 'hex'));
  if (!verifyInclusion(leaf, proof as InclusionProof, Buffer.from(checkpoint.root, 'hex'))) {
    return { ok: false, kind: 'mismatch', reason: 'the audit path does not lead from the entry to the signed root' };
  }
  return { ok: true, entryId: formatEntryId(id.chainId, id.seq), checkpoint };
}
