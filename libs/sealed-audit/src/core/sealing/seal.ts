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

/** A base class whose constructor returns the object it is given (see {@link PayloadTextSlot}). */
class Stamp {
  constructor(target: object) {
    // eslint-disable-next-line no-constructor-return
    return target;
  }
}

/**
 * The stored payload text of an entry the writer sealed: the canonical JSON that was hashed, kept
 * so the store writes exactly those bytes instead of serializing the payload a second time.
 *
 * Kept in a private field installed on the entry object itself (the base constructor returns the
 * entry, so `new PayloadTextSlot(entry, …)` adds `#text` to it, whatever its class): like the
 * non-enumerable symbol property it replaces, it is never part of the hashed form, of any JSON, of
 * `Object.keys`, of a spread copy or of a structured clone, and it cannot be changed once set. It
 * costs about what one more property of the object literal costs, where `Object.defineProperty`
 * cost ~2 400 instructions per entry, twice per entry (buildEntry, sealEntry).
 */
class PayloadTextSlot extends Stamp {
  readonly #text: string;

  private constructor(target: object, text: string) {
    super(target);
    this.#text = text;
  }

  static attach(target: object, text: string): void {
    if (#text in target) {
      // Set once, as the read-only property was: the same text again is a no-op, another one an error.
      if ((target as PayloadTextSlot).#text !== text) throw new TypeError('the entry already carries another payload text');
      return;
    }
    new PayloadTextSlot(target, text);
  }

  static of(target: object): string | undefined {
    return #text in target ? (target as PayloadTextSlot).#text : undefined;
  }
}

/** Attaches the canonical payload text an entry was (or will be) hashed over (see {@link payloadTextOf}). */
export function attachPayloadText(entry: object, text: string): void {
  PayloadTextSlot.attach(entry, text);
}

/**
 * The canonical payload text attached to an entry by buildEntry, sealEntry or the writer thread
 * (the exact bytes that were hashed), or undefined: serialize `entry.payload` then.
 */
export function payloadTextOf(entry: object): string | undefined {
  return PayloadTextSlot.of(entry);
}

/**
 * On an entry read back from a store: the payload column's text exactly as stored, which
 * `payload` was parsed from. Unlike {@link payloadTextOf} nothing vouches that it is canonical: a
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
  // Given the payload's canonical text, the payload object is not read (it may be parsed lazily).
  if (payloadText !== undefined ? !hasPlainHeader(entry) : !hasPlainFields(entry)) return canonicalize(hashedForm(entry));
  return canonicalTemplate(entry, payloadText ?? canonicalize(entry.payload));
}

/** The canonical form of an entry whose header fields are plain, with `payload` already canonical. */
function canonicalTemplate(entry: AuditEntry, payload: string): string {
  return canonicalEntryText(
    entry.action,
    entry.actorId,
    entry.actorType,
    entry.chainId,
    entry.outcome,
    payload,
    entry.requestId,
    entry.resource,
    entry.seq,
    entry.subjectId,
    entry.ts,
    entry.v,
  );
}

/**
 * The canonical form of an entry's hashed form from its fields (keys in RFC 8785 order), `payload`
 * already canonical, `seq` and `v` safe integers. One function for every path that hashes an
 * entry (sealing, verifying an entry object, verifying a raw stored row), so they cannot drift.
 */
export function canonicalEntryText(
  action: string,
  actorId: string | null,
  actorType: string | null,
  chainId: string,
  outcome: string,
  payload: string,
  requestId: string | null,
  resource: string | null,
  seq: number,
  subjectId: string | null,
  ts: string,
  v: number,
): string {
  return (
    `{"action":${jsonString(action)},"actorId":${nullable(actorId)},"actorType":${nullable(actorType)}` +
    `,"chainId":${jsonString(chainId)},"outcome":${jsonString(outcome)},"payload":${payload}` +
    `,"requestId":${nullable(requestId)},"resource":${nullable(resource)},"seq":${seq}` +
    `,"subjectId":${nullable(subjectId)},"ts":${jsonString(ts)},"v":${v}}`
  );
}

function nullable(value: string | null): string {
  return value === null ? 'null' : jsonString(value);
}

/**
 * @internal `JSON.stringify(value)` for a string: quotes around the text itself when nothing in it needs an
 * escape (no `"`, `\`, control character or surrogate), which is what `JSON.stringify` writes then,
 * without its call and copy; `JSON.stringify` for anything else.
 */
export function jsonString(value: string): string {
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(value);
  }
  return `"${value}"`;
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
export function hashEntryMessage(prevHash: string, canonical: string): string {
  if (typeof prevHash !== 'string') throw new TypeError('prevHash must be a hex string');
  const target = scratchFor(TAG_LENGTH + (prevHash.length >>> 1) + canonical.length * 3);
  const prevBytes = prevHash.length > 0 ? target.write(prevHash, TAG_LENGTH, 'hex') : 0;
  const end = TAG_LENGTH + prevBytes + target.write(canonical, TAG_LENGTH + prevBytes, 'utf8');
  return oneShotHash('sha256', viewOf(target, end), 'hex');
}

/** The reused buffer when a message of up to `most` bytes fits it (grown up to the limit), else a new one. */
function scratchFor(most: number): Buffer {
  if (most <= scratch.length) return scratch;
  const target = Buffer.alloc(most);
  ENTRY_HASH_TAG.copy(target);
  if (most <= SCRATCH_LIMIT) {
    scratch = target;
    views = [];
  }
  return target;
}

/** Views `scratch[0, end)`, kept per length (entries of a trail have a few hundred lengths): no Buffer per hash. */
let views: Buffer[] = [];
const MAX_VIEW = 8192;

function viewOf(target: Buffer, end: number): Buffer {
  if (target !== scratch || end > MAX_VIEW) return target.subarray(0, end);
  let view = views[end];
  if (view === undefined) views[end] = view = target.subarray(0, end);
  return view;
}

/**
 * `hashEntryMessage(prevHash, canonicalEntryText(…))` for the fields of a stored row (the
 * verifier's per-row hash), with the canonical text written straight into the message buffer
 * instead of being built as a string: header fields that are ASCII without anything to escape
 * are copied byte by byte, the (flat) payload text is written natively. A field that needs more
 * (an escape, a non-ASCII character) sends the row through `canonicalEntryText`. Same bytes, same
 * hash (property-tested).
 */
export function hashStoredEntry(
  prevHash: string,
  action: string,
  actorId: string | null,
  actorType: string | null,
  chainId: string,
  outcome: string,
  payload: string,
  requestId: string | null,
  resource: string | null,
  seq: number,
  subjectId: string | null,
  ts: string,
  v: number,
): string {
  const end = typeof prevHash === 'string' && prevHash.length === 64 ? encodeStoredEntry(prevHash, action, actorId, actorType, chainId, outcome, payload, requestId, resource, seq, subjectId, ts, v) : -1;
  if (end >= 0) return oneShotHash('sha256', viewOf(scratch, end), 'hex');
  return hashEntryMessage(prevHash, canonicalEntryText(action, actorId, actorType, chainId, outcome, payload, requestId, resource, seq, subjectId, ts, v));
}

/** Writes the message of {@link hashStoredEntry} into `scratch`; its length, or -1 for the general path. */
function encodeStoredEntry(
  prevHash: string,
  action: string,
  actorId: string | null,
  actorType: string | null,
  chainId: string,
  outcome: string,
  payload: string,
  requestId: string | null,
  resource: string | null,
  seq: number,
  subjectId: string | null,
  ts: string,
  v: number,
): number {
  // Header fields are written only when ASCII (1 byte per character, plus quotes); the payload
  // may take 3 bytes per UTF-16 unit; integers up to 17 characters.
  const headerLength =
    action.length + chainId.length + outcome.length + ts.length + lengthOf(actorId) + lengthOf(actorType) + lengthOf(requestId) + lengthOf(resource) + lengthOf(subjectId);
  const target = scratchFor(TAG_LENGTH + 32 + CONSTANT_BYTES + headerLength + 2 * 9 + 2 * 17 + payload.length * 3);
  if (target !== scratch) return -1;
  if (target.write(prevHash, TAG_LENGTH, 'hex') !== 32) return -1;
  let at = TAG_LENGTH + 32;
  at = putString(target, putConstant(target, at, K_ACTION), action);
  at = putNullable(target, putConstant(target, at, K_ACTOR_ID), actorId);
  at = putNullable(target, putConstant(target, at, K_ACTOR_TYPE), actorType);
  at = putString(target, putConstant(target, at, K_CHAIN_ID), chainId);
  at = putString(target, putConstant(target, at, K_OUTCOME), outcome);
  if (at < 0) return -1;
  at = putConstant(target, at, K_PAYLOAD);
  at += target.write(payload, at, 'utf8');
  at = putNullable(target, putConstant(target, at, K_REQUEST_ID), requestId);
  at = putNullable(target, putConstant(target, at, K_RESOURCE), resource);
  at = putInteger(target, putConstant(target, at, K_SEQ), seq);
  at = putNullable(target, putConstant(target, at, K_SUBJECT_ID), subjectId);
  at = putString(target, putConstant(target, at, K_TS), ts);
  at = putInteger(target, putConstant(target, at, K_V), v);
  if (at < 0) return -1;
  target[at] = 0x7d; // }
  return at + 1;
}

function lengthOf(value: string | null): number {
  return value === null ? 4 : value.length;
}

const asciiBytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const K_ACTION = asciiBytes('{"action":');
const K_ACTOR_ID = asciiBytes(',"actorId":');
const K_ACTOR_TYPE = asciiBytes(',"actorType":');
const K_CHAIN_ID = asciiBytes(',"chainId":');
const K_OUTCOME = asciiBytes(',"outcome":');
const K_PAYLOAD = asciiBytes(',"payload":');
const K_REQUEST_ID = asciiBytes(',"requestId":');
const K_RESOURCE = asciiBytes(',"resource":');
const K_SEQ = asciiBytes(',"seq":');
const K_SUBJECT_ID = asciiBytes(',"subjectId":');
const K_TS = asciiBytes(',"ts":');
const K_V = asciiBytes(',"v":');
const CONSTANT_BYTES = [K_ACTION, K_ACTOR_ID, K_ACTOR_TYPE, K_CHAIN_ID, K_OUTCOME, K_PAYLOAD, K_REQUEST_ID, K_RESOURCE, K_SEQ, K_SUBJECT_ID, K_TS, K_V].reduce(
  (sum, k) => sum + k.length,
  1,
);

/** The `put*` helpers return the index after what they wrote, or -1 (and pass -1 on) when the general path is needed. */
function putConstant(bytes: Uint8Array, at: number, constant: Uint8Array): number {
  if (at < 0) return -1;
  for (let i = 0; i < constant.length; i += 1) bytes[at + i] = constant[i]!;
  return at + constant.length;
}

/** `JSON.stringify(value)` as bytes when that is the ASCII text between quotes (no escape needed). */
function putString(bytes: Uint8Array, at: number, value: string): number {
  if (at < 0) return -1;
  bytes[at] = 0x22;
  let i = 0;
  for (; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c) return -1;
    bytes[at + 1 + i] = c;
  }
  bytes[at + 1 + i] = 0x22;
  return at + 2 + i;
}

function putNullable(bytes: Uint8Array, at: number, value: string | null): number {
  if (value !== null) return putString(bytes, at, value);
  if (at < 0) return -1;
  bytes[at] = 0x6e; // null
  bytes[at + 1] = 0x75;
  bytes[at + 2] = 0x6c;
  bytes[at + 3] = 0x6c;
  return at + 4;
}

/** `String(value)` of a safe integer as bytes (decimal digits, `-` when negative). */
function putInteger(bytes: Uint8Array, at: number, value: number): number {
  if (at < 0) return -1;
  let n = value;
  if (n < 0) {
    bytes[at] = 0x2d;
    at += 1;
    n = -n;
  }
  let digits = 1;
  for (let rest = Math.floor(n / 10); rest > 0; rest = Math.floor(rest / 10)) digits += 1;
  for (let i = at + digits - 1; i >= at; i -= 1) {
    bytes[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + digits;
}

/**
 * Links `entry` after `head` (or as the first entry of its chain). Returns the new head too. The
 * sealed entry carries the canonical payload text it was hashed over ({@link payloadTextOf}).
 */
export function sealEntry(
  entry: Omit<AuditEntry, 'seq'>,
  head: ChainHead | null,
): { sealed: SealedEntry; head: ChainHead } {
  const seq = head ? head.seq + 1 : 1;
  const prevHash = head ? head.hash : GENESIS_HASH;
  const payloadText = payloadTextOf(entry) ?? canonicalize(entry.payload);
  // Field by field (the order of `{ ...entry, seq, prevHash, hash }`), with `payload` copied by its
  // descriptor: a payload the writer thread parses only on demand (spool, replay) stays unparsed.
  // A plain data property (writable, enumerable, configurable: what buildEntry makes) is the
  // literal's own property given its value; redefining it with the descriptor cost ~180 ns more.
  const payload = Object.getOwnPropertyDescriptor(entry, 'payload');
  const plain = payload !== undefined && payload.writable === true && payload.enumerable === true && payload.configurable === true;
  const sealed: SealedEntry = {
    v: entry.v,
    chainId: entry.chainId,
    ts: entry.ts,
    action: entry.action,
    outcome: entry.outcome,
    actorId: entry.actorId,
    actorType: entry.actorType,
    resource: entry.resource,
    subjectId: entry.subjectId,
    requestId: entry.requestId,
    payload: plain ? (payload.value as AuditEntry['payload']) : (undefined as unknown as AuditEntry['payload']),
    seq,
    prevHash,
    hash: '',
  };
  if (payload !== undefined && !plain) Object.defineProperty(sealed, 'payload', payload);
  // The message is encoded straight into the hash buffer: no canonical entry string is built and
  // flattened first. Fields that are not plain take the general path, as computeEntryHash would.
  sealed.hash = hasPlainHeader(sealed)
    ? hashStoredEntry(
        prevHash,
        sealed.action,
        sealed.actorId,
        sealed.actorType,
        sealed.chainId,
        sealed.outcome,
        payloadText,
        sealed.requestId,
        sealed.resource,
        seq,
        sealed.subjectId,
        sealed.ts,
        sealed.v,
      )
    : computeEntryHash(sealed, prevHash, payloadText);
  attachPayloadText(sealed, payloadText);
  return { sealed, head: { chainId: entry.chainId, seq, hash: sealed.hash } };
}
