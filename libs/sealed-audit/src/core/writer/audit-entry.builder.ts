import { AUDIT_ENTRY_MAX_LENGTHS as M, type AuditEntry, type AuditEvent, type JsonObject, type JsonValue } from '../audit-event';
import { RedactionTrace } from '../redaction/redaction-report';
import type { Redactor } from '../redaction/redactor';
import { canonicalize } from '../sealing/canonical-json';
import { serializeCanonical } from '../sealing/rfc8785';
import { attachPayloadText, jsonString } from '../sealing/seal';

/**
 * Turns a captured event into the hashed form (without `seq`): the only place where captured
 * values meet the redactor, so nothing raw can reach sealing or storage.
 *
 * What the redactor changed is summarized in `payload.redactions`: path → `<strategy>:<kind>`
 * (`"request.body.email": "hash:email"`, `"request.headers.authorization": "redact:sensitive-key"`),
 * so an auditor knows what happened to each value without seeing any.
 */
/** Limits of {@link buildEntry}. */
export interface BuildEntryOptions {
  /** Cap of the payload, in UTF-8 bytes of its JSON form. Default {@link DEFAULT_MAX_ENTRY_BYTES}. */
  maxEntryBytes?: number;
}

/** Default payload cap of an entry: 64 KiB. Filterable columns add at most ~2 KB on top. */
export const DEFAULT_MAX_ENTRY_BYTES = 64 * 1024;

/** Smallest accepted `maxEntryBytes`: room for the HTTP facts, the redaction report and the truncation marker. */
export const MIN_MAX_ENTRY_BYTES = 4 * 1024;

export function buildEntry(
  event: AuditEvent,
  chainId: string,
  redactor: Redactor,
  options: BuildEntryOptions = {},
): Omit<AuditEntry, 'seq'> {
  const payload: JsonObject = {};
  // The notes of every redaction below, in order: the stored object is built once at the end, from a
  // cache when an earlier entry made the same notes (see RedactionTrace). Same content as a Map report.
  const report = new RedactionTrace();
  if (event.http) {
    const http: JsonObject = {
      method: event.http.method,
      route: redactor.redactTextTraced(event.http.route, report, 'http.route'),
      status: event.http.status,
      durationMs: Math.round(event.http.durationMs * 1000) / 1000,
    };
    if (event.http.ip !== undefined) {
      // The client address is personal data too: it follows the `ip` detector setting (masked by default).
      http.ip = redactor.redactIp(String(event.http.ip));
      if (redactor.ipStrategy !== false && http.ip !== event.http.ip) report.add('http.ip', `${redactor.ipStrategy}:ip`);
    }
    if (event.http.userAgent !== undefined) http.userAgent = redactor.redactTextTraced(event.http.userAgent, report, 'http.userAgent');
    payload.http = http;
  }
  if (event.actor?.roles?.length) payload.actorRoles = event.actor.roles.map((role) => redactor.redactTextTraced(String(role), report, 'actorRoles[]'));
  if (event.request) {
    const request: JsonObject = {};
    const { params, query, body, headers, bodyType } = event.request;
    if (isPresent(params)) request.params = redactor.redactTraced(params, undefined, report, 'request.params');
    if (isPresent(query)) request.query = redactor.redactTraced(query, undefined, report, 'request.query');
    if (body !== undefined && body !== null && !(typeof body === 'object' && isEmpty(body))) {
      request.body = redactor.redactTraced(body, bodyType, report, 'request.body');
    }
    if (isPresent(headers)) request.headers = redactor.redactTraced(headers, undefined, report, 'request.headers');
    if (request.params !== undefined || request.query !== undefined || request.body !== undefined || request.headers !== undefined) payload.request = request;
  }
  if (event.response && event.response.body !== undefined) {
    payload.response = { body: redactor.redactTraced(event.response.body, event.response.type, report, 'response.body') };
  }
  if (event.error) {
    const error: JsonObject = {
      name: redactor.redactTextTraced(event.error.name, report, 'error.name'),
      message: redactor.redactTextTraced(event.error.message, report, 'error.message'),
    };
    if (event.error.status !== undefined) error.status = event.error.status;
    if (event.error.details !== undefined) error.details = redactor.redactTraced(event.error.details, undefined, report, 'error.details');
    payload.error = error;
  }
  if (event.metadata && !isEmpty(event.metadata)) payload.metadata = asObject(redactor.redactTraced(event.metadata, undefined, report, 'metadata'));
  if (!report.empty) payload.redactions = redactor.reportObject(report);
  const payloadText = capPayload(payload, options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES, canonicalPayload(payload));

  const ts = isoTimestamp(event.timestamp);
  const entry: Omit<AuditEntry, 'seq'> = {
    v: 1,
    chainId,
    ts,
    action: text(redactor, event.action, M.action) ?? 'unknown',
    outcome: event.outcome,
    actorId: text(redactor, event.actor?.id, M.actorId),
    actorType: text(redactor, event.actor?.type, M.actorType),
    resource: text(redactor, event.resource, M.resource),
    subjectId: text(redactor, event.subjectId, M.subjectId),
    requestId: text(redactor, event.requestId, M.requestId),
    payload,
  };
  // The canonical text measured for the cap is the one sealed and stored: serialized once.
  attachPayloadText(entry, payloadText);
  return entry;
}

/** The form of `ts` that every store keeps byte for byte (what `toISOString()` prints for years 0000–9999). */
const ISO_MILLIS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** What `toISOString()` printed for the last second seen (a burst of events shares it). */
let cachedSecond = NaN;
let cachedPrefix = '';

/**
 * `date.toISOString()`, refused outside the years 0000–9999 (they print as "+010000-…": the
 * store refuses such a row, which would fail its whole batch). The part up to the second is
 * computed once per second: the formatting cost more than the rest of building an entry's columns.
 */
function isoTimestamp(date: Date): string {
  const time = date.getTime();
  const second = Math.floor(time / 1000);
  if (second !== cachedSecond) {
    // An invalid date (NaN) always lands here, and toISOString() throws for it as it always did.
    const iso = date.toISOString();
    if (!ISO_MILLIS_UTC.test(iso)) throw new RangeError(`event timestamp ${iso} is outside the years 0000–9999`);
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
    return iso;
  }
  const ms = time - second * 1000;
  return `${cachedPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

/** What Redactor.redactObject makes of a redacted value: the object itself, or `{ value: … }`. */
function asObject(result: JsonValue): JsonObject {
  return result !== null && typeof result === 'object' && !Array.isArray(result) ? result : { value: result };
}

/** A NUL or any UTF-16 surrogate: only then is the slower lone-surrogate replacement needed. */
const UNUSUAL_CHAR = /[\u0000\ud800-\udfff]/;

/** A lone UTF-16 surrogate: databases store it as U+FFFD, so the value read back would not re-hash. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Filterable columns are short identifiers: scrubbed like any text, cut to fit their VARCHAR column
 * (AUDIT_ENTRY_MAX_LENGTHS), and made storable unchanged (no NUL, no lone surrogate). A value the
 * database refuses or alters would fail its whole batch, or the entry's verification.
 */
function text(redactor: Redactor, value: unknown, maxLength: number): string | null {
  if (value === undefined || value === null || value === '') return null;
  const scrubbed = (redactor.redactText(String(value)) as string).slice(0, maxLength);
  return UNUSUAL_CHAR.test(scrubbed) ? scrubbed.replace(/\u0000/g, '\ufffd').replace(LONE_SURROGATE, '\ufffd') : scrubbed;
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === 'object' && isEmpty(value));
}

function isEmpty(value: object): boolean {
  for (const _ in value) return false;
  return true;
}

/**
 * `canonicalize(payload)` for a payload as buildEntry makes it, written from its parts: RFC 8785
 * writes an object as its members in sorted key order, each value canonical on its own, so the
 * payload's known top-level keys (and `request`'s) are written in their sorted order directly
 * and only the values go through the canonicalizer, without the sorted copies of the two
 * wrapper objects. `http`, whose members buildEntry sets itself, is written by hand, and the
 * redaction report, the same from one entry to the next of an endpoint, reuses the text of the
 * last report with the same lines. Any other shape, or a part without a JSON form, takes
 * `canonicalize(payload)`: the bytes are the same (a property test compares them).
 */
function canonicalPayload(payload: JsonObject): string {
  // An Object.prototype.toJSON would apply to the payload object itself: the general path honours it.
  if ((Object.prototype as { toJSON?: unknown }).toJSON !== undefined) return canonicalize(payload);
  let text = '{';
  let parts = 0;
  for (const key in payload) {
    parts += 1;
    if (!PAYLOAD_KEYS.has(key)) return canonicalize(payload);
  }
  for (let k = 0; k < PAYLOAD_KEY_ORDER.length; k += 1) {
    const key = PAYLOAD_KEY_ORDER[k] as string;
    const value = payload[key];
    if (value === undefined) continue;
    const part = key === 'http' ? httpText(value) : key === 'request' ? requestText(value) : key === 'redactions' ? reportText(value) : serializeCanonical(value);
    if (part === undefined) return canonicalize(payload);
    text += `${text.length === 1 ? '' : ','}"${key}":${part}`;
    parts -= 1;
  }
  // `parts` is 0 unless a key was met twice or missed (not possible for a plain object; checked all the same).
  return parts === 0 ? `${text}}` : canonicalize(payload);
}

/** The keys buildEntry may give a payload, in RFC 8785 order (UTF-16 code units). */
const PAYLOAD_KEY_ORDER = ['actorRoles', 'error', 'http', 'metadata', 'redactions', 'request', 'response'];
const PAYLOAD_KEYS = new Set(PAYLOAD_KEY_ORDER);
/** The keys of `payload.request`, in RFC 8785 order. */
const REQUEST_KEY_ORDER = ['body', 'headers', 'params', 'query'];

/** Canonical text of `payload.request` (its keys are buildEntry's, in sorted order), or undefined for the general path. */
function requestText(request: JsonValue): string | undefined {
  if (request === null || typeof request !== 'object' || Array.isArray(request) || Object.getPrototypeOf(request) !== Object.prototype) return undefined;
  let text = '{';
  let parts = 0;
  for (const key in request) {
    if (key !== 'body' && key !== 'headers' && key !== 'params' && key !== 'query') return undefined;
    parts += 1;
  }
  for (let k = 0; k < REQUEST_KEY_ORDER.length; k += 1) {
    const key = REQUEST_KEY_ORDER[k] as string;
    const value = request[key];
    if (value === undefined) continue;
    const part = serializeCanonical(value);
    if (part === undefined) return undefined;
    text += `${text.length === 1 ? '' : ','}"${key}":${part}`;
    parts -= 1;
  }
  return parts === 0 ? `${text}}` : undefined;
}

/**
 * Canonical text of `payload.http` written directly (keys `durationMs`, `ip`, `method`, `route`,
 * `status`, `userAgent` in sorted order; numbers as `JSON.stringify` writes a finite number,
 * strings by `jsonString`), or undefined (the general path) for any member of another type.
 */
function httpText(http: JsonValue): string | undefined {
  if (http === null || typeof http !== 'object' || Array.isArray(http) || Object.getPrototypeOf(http) !== Object.prototype) return undefined;
  const { durationMs, ip, method, route, status, userAgent } = http as Record<string, JsonValue | undefined>;
  let members = 0;
  for (const _ in http) members += 1;
  const expected = 4 + (ip === undefined ? 0 : 1) + (userAgent === undefined ? 0 : 1);
  if (
    members !== expected ||
    typeof durationMs !== 'number' ||
    !Number.isFinite(durationMs) ||
    typeof status !== 'number' ||
    !Number.isFinite(status) ||
    typeof method !== 'string' ||
    typeof route !== 'string' ||
    (ip !== undefined && typeof ip !== 'string') ||
    (userAgent !== undefined && typeof userAgent !== 'string')
  ) {
    return undefined;
  }
  // `${n}` is Number::toString, what JSON.stringify (and so RFC 8785) writes for a finite number.
  return (
    `{"durationMs":${durationMs}${ip === undefined ? '' : `,"ip":${jsonString(ip)}`},"method":${jsonString(method)},"route":${jsonString(route)}` +
    `,"status":${status}${userAgent === undefined ? '' : `,"userAgent":${jsonString(userAgent)}`}}`
  );
}

/** The last redaction report whose text was written (a copy no entry holds), and that text. */
let lastReport: Record<string, string> | undefined;
let lastReportSize = 0;
let lastReportText = '';

/**
 * Canonical text of `payload.redactions` (path → label, all strings). An endpoint's entries mostly
 * carry the same report: when this one has exactly the lines of the last one written (same keys,
 * same labels: the canonical text depends on nothing else), that text is reused, without the
 * sorted copy and the serialization. Compared by content, not by how the redactor built it.
 */
function reportText(report: JsonValue): string | undefined {
  if (report === null || typeof report !== 'object' || Array.isArray(report) || Object.getPrototypeOf(report) !== Object.prototype) return serializeCanonical(report);
  const last = lastReport;
  if (last !== undefined) {
    let size = 0;
    let same = true;
    for (const key in report) {
      size += 1;
      const label = report[key];
      // An inherited or missing key reads as a non-string (or undefined) in `last`: no match.
      if (typeof label !== 'string' || !Object.prototype.hasOwnProperty.call(last, key) || last[key] !== label) {
        same = false;
        break;
      }
    }
    if (same && size === lastReportSize) return lastReportText;
  }
  const text = serializeCanonical(report);
  if (text === undefined) return undefined;
  const copy: Record<string, string> = {};
  let size = 0;
  for (const key in report) {
    const label = report[key];
    // Only plain string lines are kept (a `__proto__` line, an own property made by defineProperty, is never cached).
    if (typeof label !== 'string' || key === '__proto__') return text;
    copy[key] = label;
    size += 1;
  }
  lastReport = copy;
  lastReportSize = size;
  lastReportText = text;
  return text;
}

/** Parts of a payload that may be cut, largest first, when the entry is too big. */
const CUTTABLE: ReadonlyArray<readonly [string, string | undefined]> = [
  ['response', 'body'],
  ['request', 'body'],
  ['metadata', undefined],
  ['error', 'details'],
  ['request', 'headers'],
  ['request', 'query'],
  ['request', 'params'],
  ['redactions', undefined],
  ['error', 'message'],
  ['http', 'userAgent'],
];

/**
 * Keeps the stored entry bounded: while the payload's canonical JSON is over `maxBytes`, its
 * largest cuttable part is replaced by `"[Truncated:entry <bytes> bytes]"` and listed in
 * `payload.truncated` (path → original bytes), so a reader knows what was cut and how much.
 * Returns the canonical text of the final payload.
 */
function capPayload(payload: JsonObject, maxBytes: number, canonical: string): string {
  let text = canonical;
  // UTF-8 takes at most 3 bytes per UTF-16 unit: most payloads need no byte count at all.
  if (text.length * 3 <= maxBytes) return text;
  let size = Buffer.byteLength(text);
  if (size <= maxBytes) return text;
  const truncated: JsonObject = {};
  const parts = CUTTABLE.map(([outer, inner]) => {
    const holder = inner === undefined ? payload : (payload[outer] as JsonObject | undefined);
    const key = inner ?? outer;
    const value = holder && typeof holder === 'object' ? holder[key] : undefined;
    return { holder, key, path: inner === undefined ? outer : `${outer}.${inner}`, bytes: value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value)) };
  })
    .filter((part) => part.bytes > 64)
    .sort((a, b) => b.bytes - a.bytes);
  payload.truncated = truncated;
  for (const part of parts) {
    (part.holder as JsonObject)[part.key] = `[Truncated:entry ${part.bytes} bytes]`;
    truncated[part.path] = part.bytes;
    text = canonicalize(payload);
    size = Buffer.byteLength(text);
    if (size <= maxBytes) return text;
  }
  // Still too big (huge route or action texts from a custom redactor setting): keep only the facts that are always small.
  const http = payload.http as JsonObject | undefined;
  for (const key of Object.keys(payload)) delete payload[key];
  if (http) payload.http = { method: http.method ?? null, status: http.status ?? null, durationMs: http.durationMs ?? null };
  payload.truncated = { payload: size };
  return canonicalize(payload);
}
