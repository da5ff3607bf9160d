import type { AuditOutcome, JsonObject, SealedEntry } from '../core/audit-event';
import { canonicalize } from '../core/sealing/canonical-json';
import { payloadTextOf } from '../core/sealing/seal';
import type { StoredCheckpoint } from '../core/checkpoint/checkpoint-store.interface';
import type { AuditCheckpointEntity } from './audit-checkpoint.entity';
import type { AuditLogEntity } from './audit-log.entity';

/** The only timestamp form that survives timestamptz(3) and TEXT columns unchanged. */
const ISO_MILLIS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The date and time up to the second (19 characters) of the last `ts` that Date.parse accepted. */
let lastAcceptedSecond = '';

/**
 * `ISO_MILLIS_UTC.test(ts) && !Number.isNaN(Date.parse(ts))`. Date.parse cost ~2 400 instructions
 * per row, and whether it accepts a text of this form depends only on its first 19 characters
 * (the pattern fixes the rest: three digits of milliseconds and `Z`): a `ts` within the same
 * second as the last one accepted is accepted without it. Property-tested against that expression.
 */
export function isStorableTimestamp(ts: string): boolean {
  if (!ISO_MILLIS_UTC.test(ts)) return false;
  if (lastAcceptedSecond !== '' && typeof ts === 'string' && ts.startsWith(lastAcceptedSecond)) return true;
  if (Number.isNaN(Date.parse(ts))) return false;
  lastAcceptedSecond = ts.slice(0, 19);
  return true;
}

/**
 * A sealed entry as a row. Rejects a timestamp that the database would normalize (a different
 * string reads back, so the entry would fail verification although nobody touched it).
 */
export function toAuditLogRow(entry: SealedEntry): AuditLogEntity {
  if (!isStorableTimestamp(entry.ts)) {
    throw new TypeError(
      `Audit entry ${entry.chainId}#${entry.seq}: ts "${entry.ts}" is not an ISO-8601 UTC timestamp with milliseconds ` +
        '(YYYY-MM-DDTHH:mm:ss.sssZ, as Date.prototype.toISOString() prints it).',
    );
  }
  return {
    chainId: entry.chainId,
    seq: entry.seq,
    v: entry.v,
    ts: entry.ts,
    action: entry.action,
    outcome: entry.outcome,
    actorId: entry.actorId,
    actorType: entry.actorType,
    resource: entry.resource,
    subjectId: entry.subjectId,
    requestId: entry.requestId,
    // The exact bytes the writer hashed, when it sealed this entry; else serialized now.
    payload: payloadTextOf(entry) ?? canonicalize(entry.payload),
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

/**
 * A row as a sealed entry. Never throws on bad content: a value that cannot be read (payload that
 * is not JSON, unknown outcome) is passed through as stored so that verification reports the row
 * as `malformed` at its `(chain_id, seq)` instead of aborting the whole walk.
 */
export function fromAuditLogRow(row: AuditLogEntity): SealedEntry {
  return {
    v: Number(row.v) as SealedEntry['v'],
    chainId: row.chainId,
    seq: Number(row.seq),
    ts: row.ts,
    action: row.action,
    outcome: row.outcome as AuditOutcome,
    actorId: row.actorId ?? null,
    actorType: row.actorType ?? null,
    resource: row.resource ?? null,
    subjectId: row.subjectId ?? null,
    requestId: row.requestId ?? null,
    payload: parsePayload(row.payload),
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

function parsePayload(text: string): JsonObject {
  try {
    return JSON.parse(text) as JsonObject;
  } catch {
    // Deliberately not a JSON object: the verifier flags it as malformed.
    return text as unknown as JsonObject;
  }
}

/**
 * An `audit_checkpoint` row by entity property name: as the entity reads it, or as `pg` sends it
 * raw (bigints as text, `ts` as a Date).
 */
export interface AuditCheckpointRow extends Omit<AuditCheckpointEntity, 'seq' | 'v' | 'treeSize' | 'ts'> {
  seq: number | string;
  v: number | string;
  treeSize: number | string;
  ts: Date | string;
}

/** A row as a stored checkpoint. A damaged `frontier` reads as empty instead of throwing. */
export function fromCheckpointRow(row: AuditCheckpointRow): StoredCheckpoint {
  let frontier: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.frontier);
    if (Array.isArray(parsed)) frontier = parsed.map(String);
  } catch {
    // A damaged frontier only costs the checkpointer a re-read of the chain.
  }
  return {
    v: Number(row.v) as 1,
    chainId: row.chainId,
    seq: Number(row.seq),
    treeSize: Number(row.treeSize),
    root: trimHex(row.root),
    headHash: trimHex(row.headHash),
    ts: row.ts instanceof Date ? row.ts.toISOString() : row.ts,
    prevHash: trimHex(row.prevHash),
    keyId: trimHex(row.keyId),
    hash: trimHex(row.hash),
    signature: row.signature,
    frontier,
  };
}

/** char(64) pads with spaces on some databases; a hex column never has meaningful spaces. */
function trimHex(value: string): string {
  return typeof value === 'string' ? value.trimEnd() : value;
}
