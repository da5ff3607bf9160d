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

/**
 * The stored payload text of an entry the writer sealed: the canonical JSON that was hashed, kept
 * so the store writes exactly those bytes instead of serializing the payload a second time.
 * Symbol-keyed and non-enumerable: never part of the hashed form or of any JSON.
 */
export const PAYLOAD_TEXT: unique symbol = Symbol('sealed-audit:payload-text');

/** An entry that may carry its canonical payload text (see {@link PAYLOAD_TEXT}). */
export type WithPayloadText = { [PAYLOAD_TEXT]?: string };

/**
 * RFC 8785 canonical JSON of an entry's hashed form. The top-level keys are fixed, so they are
 * written in their canonical order directly and only the payload goes through the general
 * canonicalizer (or comes ready as `payloadText`): the result is byte-identical to
 * `canonicalize(hashedForm(entry))` (a property test checks it), at a fraction of the cost.
 * Entries whose fields are not the expected types (a malformed row) take the general path.
 */
export function canonicalEntry(entry: AuditEntry, payloadText?: string): string {
  if (!hasPlainFields(entry)) return canonicalize(hashedForm(entry));
  const payload = payloadText ?? canonicalize(entry.payload);
  return (
    `{"action":${JSON.stringify(entry.action)},"actorId":${nullable(entry.actorId)},"actorType":${nullable(entry.actorType)}` +
    `,"chainId":${JSON.stringify(entry.chainId)},"outcome":${JSON.stringify(entry.outcome)},"payload":${payload}` +
    `,"requestId":${nullable(entry.requestId)},"resource":${nullable(entry.resource)},"seq":${entry.seq}` +
    `,"subjectId":${nullable(entry.subjectId)},"ts":${JSON.stringify(entry.ts)},"v":${entry.v}}`
  );
}

function nullable(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}

function hasPlainFields(entry: AuditEntry): boolean {
  return (
    typeof entry.action === 'string' &&
    typeof entry.chainId === 'string' &&
    typeof entry.outcome === 'string' &&
    typeof entry.ts === 'string' &&
    Number.isSafeInteger(entry.seq) &&
    Number.isSafeInteger(entry.v) &&
    (entry.actorId === null || typeof entry.actorId === 'string') &&
    (entry.actorType === null || typeof entry.actorType === 'string') &&
    (entry.requestId === null || typeof entry.requestId === 'string') &&
    (entry.resource === null || typeof entry.resource === 'string') &&
    (entry.subjectId === null || typeof entry.subjectId === 'string') &&
    entry.payload !== null &&
    typeof entry.payload === 'object'
  );
}

/** `SHA-256(tag ‖ prev_hash ‖ canonical(entry))`, hex. `prevHash` is hex of 32 bytes. */
export function computeEntryHash(entry: AuditEntry, prevHash: string, payloadText?: string): string {
  return createHash('sha256')
    .update(ENTRY_HASH_TAG)
    .update(Buffer.from(prevHash, 'hex'))
    .update(canonicalEntry(entry, payloadText), 'utf8')
    .digest('hex');
}

/**
 * Links `entry` after `head` (or as the first entry of its chain). Returns the new head too. The
 * sealed entry carries the canonical payload text it was hashed over ({@link PAYLOAD_TEXT}).
 */
export function sealEntry(
  entry: Omit<AuditEntry, 'seq'> & WithPayloadText,
  head: ChainHead | null,
): { sealed: SealedEntry; head: ChainHead } {
  const seq = head ? head.seq + 1 : 1;
  const prevHash = head ? head.hash : GENESIS_HASH;
  const unsealed: AuditEntry = { ...entry, seq };
  const payloadText = entry[PAYLOAD_TEXT] ?? canonicalize(entry.payload);
  const hash = computeEntryHash(unsealed, prevHash, payloadText);
  const sealed: SealedEntry = { ...unsealed, prevHash, hash };
  Object.defineProperty(sealed, PAYLOAD_TEXT, { value: payloadText, enumerable: false });
  return { sealed, head: { chainId: entry.chainId, seq, hash } };
}
