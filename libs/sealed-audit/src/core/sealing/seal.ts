import { createHash } from 'node:crypto';
import type { AuditEntry, ChainHead, SealedEntry } from '../audit-event';
import { canonicalize } from './canonical-json';

/**
 * Domain separation tag: an entry hash can never be confused with a hash computed for another
 * purpose (a Merkle node, a checkpoint) over the same bytes.
 */
export const ENTRY_HASH_TAG = Buffer.from('sealed-audit:entry:v1\n', 'utf8');

/** prev_hash of the first entry of every chain: 32 zero bytes. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hashed fields of an entry, in a fixed shape (extra properties never leak into the hash). */
export function hashedForm(entry: AuditEntry): AuditEntry {
  return {
    v: entry.v,
    chainId: entry.chainId,
    seq: entry.seq,
    ts: entry.ts,
    action: entry.action,
    outcome: entry.outcome,
    actorId: entry.actorId,
    actorType: entry.actorType,
    resource: entry.resource,
    subjectId: entry.subjectId,
    requestId: entry.requestId,
    payload: entry.payload,
  };
}

/** `SHA-256(tag ‖ prev_hash ‖ canonical(entry))`, hex. `prevHash` is hex of 32 bytes. */
export function computeEntryHash(entry: AuditEntry, prevHash: string): string {
  return createHash('sha256')
    .update(ENTRY_HASH_TAG)
    .update(Buffer.from(prevHash, 'hex'))
    .update(canonicalize(hashedForm(entry)), 'utf8')
    .digest('hex');
}

/** Links `entry` after `head` (or as the first entry of its chain). Returns the new head too. */
export function sealEntry(
  entry: Omit<AuditEntry, 'seq'>,
  head: ChainHead | null,
): { sealed: SealedEntry; head: ChainHead } {
  const seq = head ? head.seq + 1 : 1;
  const prevHash = head ? head.hash : GENESIS_HASH;
  const unsealed: AuditEntry = { ...entry, seq };
  const hash = computeEntryHash(unsealed, prevHash);
  return {
    sealed: { ...unsealed, prevHash, hash },
    head: { chainId: entry.chainId, seq, hash },
  };
}
