import type { SealedEntry } from '../audit-event';
import { verifyTrail } from './trail-verifier';
import type { VerificationReport } from './verification-report';

export * from './verification-report';

/**
 * Walks entries ordered by `(chainId, seq)` and checks each one's hash, its link to the previous
 * entry and the sequence, without checkpoints: what a hash chain alone can tell. Memory stays flat.
 * {@link verifyTrail} adds signed checkpoints and the anchor.
 *
 * @example
 * const report = await verifyChains(store.read());
 * if (!report.ok) console.error(report.firstProblem);
 */
export function verifyChains(entries: AsyncIterable<SealedEntry> | Iterable<SealedEntry>): Promise<VerificationReport> {
  return verifyTrail({ entries });
}
