import type { AuditOutcome, JsonObject, SealedEntry } from '../audit-event';
import { STORED_PAYLOAD_TEXT, type WithStoredPayloadText } from '../sealing/seal';

/**
 * An `audit_log` row as a store reads it raw, without building an entry: the columns in this
 * order, as the database sends them. `seq` and `v` are decimal text (or numbers), `ts` is exactly
 * the entry's `ts` (`Date#toISOString()` form), `payload` is the stored JSON text.
 *
 * A verifier reading rows checks an intact row from its fields directly and builds an entry
 * ({@link entryFromStoredRow}) only for a row it cannot accept that way, so the reports are the
 * same as from entries.
 */
export type StoredEntryRow = readonly [
  chainId: string,
  seq: string | number,
  v: string | number,
  ts: string,
  action: string,
  outcome: string,
  actorId: string | null,
  actorType: string | null,
  resource: string | null,
  subjectId: string | null,
  requestId: string | null,
  payload: string,
  prevHash: string,
  hash: string,
];

/**
 * A stored row as a sealed entry, as the store readers map the entity; never throws on bad
 * content. `payload` is an own enumerable accessor that parses the stored text when first read
 * (spread, `JSON.stringify` and `Object.keys` see it like a plain property): a verifier hashes a
 * canonical stored payload as text ({@link STORED_PAYLOAD_TEXT}) and never needs the object.
 */
export function entryFromStoredRow(row: StoredEntryRow): SealedEntry & WithStoredPayloadText {
  const text = row[11];
  let parsed = false;
  let payload: JsonObject | undefined;
  return {
    v: Number(row[2]) as SealedEntry['v'],
    chainId: row[0],
    seq: Number(row[1]),
    ts: row[3],
    action: row[4],
    outcome: row[5] as AuditOutcome,
    actorId: row[6],
    actorType: row[7],
    resource: row[8],
    subjectId: row[9],
    requestId: row[10],
    get payload(): JsonObject {
      if (!parsed) {
        payload = parsePayload(text);
        parsed = true;
      }
      return payload as JsonObject;
    },
    set payload(value: JsonObject) {
      // Replaced: the stored text no longer describes it.
      payload = value;
      parsed = true;
      delete (this as WithStoredPayloadText)[STORED_PAYLOAD_TEXT];
    },
    prevHash: row[12],
    hash: row[13],
    [STORED_PAYLOAD_TEXT]: text,
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
