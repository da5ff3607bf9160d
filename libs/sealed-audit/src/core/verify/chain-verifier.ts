import type { SealedEntry } from '../audit-event';
import { AUDIT_OUTCOMES } from '../audit-event';
import { GENESIS_HASH, computeEntryHash } from '../sealing/seal';

/** What can be wrong with a stored entry. */
export type VerificationProblemKind =
  /** The stored hash does not match the entry's content (the entry or its hash was edited). */
  | 'hash-mismatch'
  /** prev_hash does not match the previous entry's hash (an entry was replaced or reordered). */
  | 'broken-link'
  /** One or more sequence numbers are missing (an entry was deleted). */
  | 'gap'
  /** The same sequence number appears twice. */
  | 'duplicate'
  /** The row cannot be read back into an entry (bad JSON, bad field type). */
  | 'malformed';

/** The first problem found in a chain. */
export interface VerificationProblem {
  chainId: string;
  seq: number;
  kind: VerificationProblemKind;
  detail: string;
}

/** Per-chain result. */
export interface ChainReport {
  chainId: string;
  entries: number;
  headSeq: number;
  headHash: string;
  problem?: VerificationProblem;
}

/** The result of walking every chain. `ok` is true when no chain has a problem. */
export interface VerificationReport {
  ok: boolean;
  entries: number;
  chains: ChainReport[];
  /** The first problem (in chain order), if any. */
  firstProblem?: VerificationProblem;
}

/**
 * Walks entries ordered by `(chainId, seq)` and checks each one's hash, its link to the previous
 * entry and the sequence (no gaps, no duplicates). Memory stays flat: only the current chain's
 * head is kept. Every chain is walked to its end, and each reports its first problem.
 *
 * @example
 * const report = await verifyChains(store.read());
 * if (!report.ok) console.error(report.firstProblem);
 */
export async function verifyChains(entries: AsyncIterable<SealedEntry> | Iterable<SealedEntry>): Promise<VerificationReport> {
  const chains: ChainReport[] = [];
  let current: ChainReport | undefined;
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let total = 0;

  for await (const entry of entries) {
    total += 1;
    if (!current || current.chainId !== entry.chainId) {
      current = { chainId: entry.chainId, entries: 0, headSeq: 0, headHash: GENESIS_HASH };
      chains.push(current);
      prevHash = GENESIS_HASH;
      expectedSeq = 1;
    }
    current.entries += 1;
    const problem = current.problem ? undefined : checkEntry(entry, expectedSeq, prevHash);
    if (problem && !current.problem) current.problem = problem;
    // Continue from what is stored so one bad entry is reported once, not as a cascade.
    prevHash = entry.hash;
    expectedSeq = entry.seq + 1;
    current.headSeq = entry.seq;
    current.headHash = entry.hash;
  }

  const firstProblem = chains.find((chain) => chain.problem)?.problem;
  return { ok: !firstProblem, entries: total, chains, ...(firstProblem ? { firstProblem } : {}) };
}

function checkEntry(entry: SealedEntry, expectedSeq: number, prevHash: string): VerificationProblem | undefined {
  const at = { chainId: entry.chainId, seq: entry.seq };
  const malformed = describeMalformed(entry);
  if (malformed) return { ...at, kind: 'malformed', detail: malformed };
  if (entry.seq < expectedSeq) {
    return { ...at, kind: 'duplicate', detail: `sequence ${entry.seq} appears again after ${expectedSeq - 1}` };
  }
  if (entry.seq > expectedSeq) {
    const missing = entry.seq - expectedSeq;
    return {
      ...at,
      kind: 'gap',
      detail:
        missing === 1
          ? `entry ${expectedSeq} is missing`
          : `entries ${expectedSeq}..${entry.seq - 1} are missing (${missing})`,
    };
  }
  const recomputed = computeEntryHash(entry, entry.prevHash);
  if (recomputed !== entry.hash) {
    return { ...at, kind: 'hash-mismatch', detail: `stored hash ${short(entry.hash)} but content hashes to ${short(recomputed)}` };
  }
  if (entry.prevHash !== prevHash) {
    return {
      ...at,
      kind: 'broken-link',
      detail: `prev_hash ${short(entry.prevHash)} does not match the previous entry's hash ${short(prevHash)}`,
    };
  }
  return undefined;
}

function describeMalformed(entry: SealedEntry): string | undefined {
  if (!Number.isSafeInteger(entry.seq) || entry.seq < 1) return `seq ${String(entry.seq)} is not a positive integer`;
  if (!/^[0-9a-f]{64}$/.test(entry.hash)) return 'hash is not 64 lower-case hex digits';
  if (!/^[0-9a-f]{64}$/.test(entry.prevHash)) return 'prev_hash is not 64 lower-case hex digits';
  if (!AUDIT_OUTCOMES.includes(entry.outcome)) return `unknown outcome "${String(entry.outcome)}"`;
  if (entry.payload === null || typeof entry.payload !== 'object' || Array.isArray(entry.payload)) {
    return 'payload is not a JSON object';
  }
  return undefined;
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}
