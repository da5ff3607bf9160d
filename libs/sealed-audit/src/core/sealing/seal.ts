import { hash as oneShotHash } from 'node:crypto';
import type { AuditEntry, ChainHead, SealedEntry } from '../audit-event';
import { canonicalize, isCanonicalJsonObject } from './canonical-json';

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
 * On an entry read back from a store: the payload column's text exactly as stored, which
 * `payload` was parsed from. Unlike {@link PAYLOAD_TEXT} nothing vouches that it is canonical: a
 * verifier hashes these bytes directly only after checking that they are the canonical form
 * (`isCanonicalJsonObject`), so the hash is the one a re-serialization of `payload` would give,
 * without the re-serialization. Set by the store readers; never part of the hashed form or of JSON.
 */
export const STORED_PAYLOAD_TEXT: unique symbol = Symbol('sealed-audit:stored-payload-text');

/** An entry that may carry its stored payload text (see {@link STORED_PAYLOAD_TEXT}). */
export type WithStoredPayloadText = { [STORED_PAYLOAD_TEXT]?: string };

/**
 * RFC 8785 canonical JSON of an entry's hashed form. The top-level keys are fixed, so they are
 * written in their canonical order directly and only the payload goes through the general
 * canonicalizer (or comes ready as `payloadText`): the result is byte-identical to
 * `canonicalize(hashedForm(entry))` (a property test checks it), at a fraction of the cost.
 * Entries whose fields are not the expected types (a malformed row) take the general path.
 */
export function canonicalEntry(entry: AuditEntry, payloadText?: string): string {
  if (!hasPlainFields(entry)) return canonicalize(hashedForm(entry));
  return canonicalTemplate(entry, payloadText ?? canonicalize(entry.payload));
}

/** The canonical form of an entry whose header fields are plain, with `payload` already canonical. */
function canonicalTemplate(entry: AuditEntry, payload: string): string {
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
  return hasPlainHeader(entry) && entry.payload !== null && typeof entry.payload === 'object';
}

/** Every hashed field but the payload has its expected type. */
function hasPlainHeader(entry: AuditEntry): boolean {
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
    (entry.subjectId === null || typeof entry.subjectId === 'string')
  );
}

/** `SHA-256(tag ‖ prev_hash ‖ canonical(entry))`, hex. `prevHash` is hex of 32 bytes. */
export function computeEntryHash(entry: AuditEntry, prevHash: string, payloadText?: string): string {
  return hashEntryMessage(prevHash, canonicalEntry(entry, payloadText));
}

/**
 * The stored payload text of an entry read back from a store ({@link STORED_PAYLOAD_TEXT}) when it
 * is provably the canonical form of a JSON object (`isCanonicalJsonObject`), else `undefined`.
 */
export function canonicalStoredPayload(entry: object): string | undefined {
  const stored = (entry as WithStoredPayloadText)[STORED_PAYLOAD_TEXT];
  return typeof stored === 'string' && isCanonicalJsonObject(stored) ? stored : undefined;
}

/**
 * `computeEntryHash(entry, prevHash)` for an entry read back from a store, given
 * `canonicalStoredPayload(entry)`: with a canonical stored payload it hashes those bytes and never
 * reads `entry.payload` (a store may parse it lazily); they are byte for byte what re-serializing
 * the payload parsed from them gives, so the hash is the same. Otherwise it re-serializes as always.
 */
export function computeStoredEntryHash(entry: AuditEntry, prevHash: string, canonicalPayload: string | undefined): string {
  if (canonicalPayload !== undefined && hasPlainHeader(entry)) return hashEntryMessage(prevHash, canonicalTemplate(entry, canonicalPayload));
  return computeEntryHash(entry, prevHash);
}

const TAG_LENGTH = ENTRY_HASH_TAG.length;
/** Messages up to this size are assembled in one reused buffer; larger ones get their own. */
const SCRATCH_LIMIT = 64 * 1024;
let scratch = Buffer.alloc(4096);
ENTRY_HASH_TAG.copy(scratch);

/**
 * `SHA-256(tag ‖ bytes of hex prevHash ‖ UTF-8 of canonical)` in one native call over one buffer:
 * the message is written into a reused buffer and hashed with `crypto.hash`, which costs about a
 * third of `createHash().update()×3.digest()` for entry-sized input (that per-call overhead, not
 * the SHA-256 rounds, dominates at a few hundred bytes). The bytes are exactly those of
 * `Buffer.from(prevHash, 'hex')`, including its truncation at the first invalid digit.
 */
function hashEntryMessage(prevHash: string, canonical: string): string {
  if (typeof prevHash !== 'string') throw new TypeError('prevHash must be a hex string');
  const most = TAG_LENGTH + (prevHash.length >>> 1) + canonical.length * 3;
  let target = scratch;
  if (most > scratch.length) {
    target = Buffer.alloc(most);
    ENTRY_HASH_TAG.copy(target);
    if (most <= SCRATCH_LIMIT) scratch = target;
  }
  const prevBytes = prevHash.length > 0 ? target.write(prevHash, TAG_LENGTH, 'hex') : 0;
  const end = TAG_LENGTH + prevBytes + target.write(canonical, TAG_LENGTH + prevBytes, 'utf8');
  return oneShotHash('sha256', target.subarray(0, end), 'hex');
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
