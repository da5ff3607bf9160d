/**
 * The event model. An {@link AuditEvent} is what capture produces on the request path: plain data
 * and references (request body, headers), not yet redacted. The writer turns it, off the response
 * path, into an {@link AuditEntry} (redacted, JSON-only) and seals it into a {@link SealedEntry}.
 */

/** How an audited operation ended. `denied` is any 401/403, whoever produced it. */
export type AuditOutcome = 'success' | 'failure' | 'denied';

export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['success', 'failure', 'denied'];

/** Who acted. `id` is an application user id (never an e-mail address: use an opaque id). */
export interface AuditActor {
  id: string;
  type?: string;
  roles?: string[];
}

/** HTTP facts of a captured request. `route` is the route pattern (`/patients/:id`), never the raw path. */
export interface AuditHttpInfo {
  method: string;
  route: string;
  status: number;
  ip?: string;
  userAgent?: string;
  durationMs: number;
}

/** An error that ended a request; `message` passes the redactor before it is stored. */
export interface AuditErrorInfo {
  name: string;
  message: string;
  status?: number;
  /** Stack-free details (a validation error's messages, extra response fields); redacted before storage. */
  details?: unknown;
}

/** Request parts kept for the trail. They are references; the redactor copies what it keeps. */
export interface AuditRequestParts {
  params?: unknown;
  query?: unknown;
  body?: unknown;
  headers?: unknown;
  /** The declared type of the body (the handler's DTO class), used to find `@PiiField`s. */
  bodyType?: Function;
}

/** A captured, not yet redacted, event. */
export interface AuditEvent {
  timestamp: Date;
  action: string;
  outcome: AuditOutcome;
  actor?: AuditActor;
  resource?: string;
  subjectId?: string;
  requestId?: string;
  http?: AuditHttpInfo;
  error?: AuditErrorInfo;
  request?: AuditRequestParts;
  /** The response body of an audited route, kept only with `capture.response` (a reference; redacted by the writer). */
  response?: { body: unknown; type?: Function };
  metadata?: Record<string, unknown>;
}

/** A JSON value as stored (after redaction). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * The hashed form of one entry. Every column a query can filter on is here, so editing a column
 * breaks the hash. `payload` holds the rest (http, roles, redacted request parts, error, metadata).
 */
export interface AuditEntry {
  /** Format version of the hashed form. */
  v: 1;
  chainId: string;
  seq: number;
  /** ISO-8601 UTC with milliseconds. */
  ts: string;
  action: string;
  outcome: AuditOutcome;
  actorId: string | null;
  actorType: string | null;
  resource: string | null;
  subjectId: string | null;
  requestId: string | null;
  payload: JsonObject;
}

/**
 * Longest value of each filterable field, in characters. The writer cuts longer values before
 * sealing (a value cut by the database after sealing would no longer match its hash), and every
 * store must accept at least these lengths.
 */
export const AUDIT_ENTRY_MAX_LENGTHS = {
  chainId: 128,
  action: 255,
  outcome: 16,
  actorId: 255,
  actorType: 64,
  resource: 255,
  subjectId: 255,
  requestId: 255,
} as const;

/** An entry linked into its chain. Hashes are lower-case hex SHA-256. */
export interface SealedEntry extends AuditEntry {
  prevHash: string;
  hash: string;
}

/** The newest entry of a chain, as far as a writer knows. */
export interface ChainHead {
  chainId: string;
  seq: number;
  hash: string;
}
