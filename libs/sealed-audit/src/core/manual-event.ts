import { hostname } from 'node:os';
import type { AuditActor, AuditEvent, AuditOutcome } from './audit-event';
import { AUDIT_OUTCOMES } from './audit-event';
import type { RequestCapture } from './capture/request-capture';

/** An event recorded by hand (a login, a file download, a batch job touching records). */
export interface ManualAuditEvent {
  action: string;
  outcome: AuditOutcome;
  resource?: string;
  /** The data subject (whose data). */
  subject?: string | number;
  /** Free-form details; redacted like a request body (sensitive keys, detected PII). */
  metadata?: Record<string, unknown>;
  /** Who acted. Default: the actor of the request (`request`, or the current one). */
  actor?: AuditActor;
  /**
   * The request the event belongs to (Nest: `@Req() req`; Express: `req`): its actor and request id
   * are used. Only needed with `requestContext: false`; otherwise the current request is found
   * by itself.
   */
  request?: object;
}

/** Thrown by `record()` for an event that cannot be recorded (the caller's bug, so it is loud). */
export class InvalidAuditEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAuditEventError';
  }
}

/**
 * Builds the event of a manual `record()` call: validates it, and inside a request takes the
 * actor and request id from the request context (AsyncLocalStorage).
 */
export function recordManualEvent(input: ManualAuditEvent, capture: RequestCapture): AuditEvent {
  if (!input || typeof input.action !== 'string' || input.action.trim() === '') {
    throw new InvalidAuditEventError('record(): `action` is required, e.g. record({ action: "auth.login", outcome: "success" }).');
  }
  if (!AUDIT_OUTCOMES.includes(input.outcome)) {
    throw new InvalidAuditEventError(`record(): \`outcome\` must be one of ${AUDIT_OUTCOMES.join(', ')} (got ${String(input.outcome)}).`);
  }
  const context = (input.request ? capture.contextOf(input.request) : undefined) ?? capture.current();
  const actor = input.actor ?? (context ? capture.actorFor(context.req) : undefined);
  const event: AuditEvent = { timestamp: new Date(), action: input.action, outcome: input.outcome };
  if (actor) event.actor = actor;
  if (context) event.requestId = context.requestId;
  if (input.resource !== undefined) event.resource = input.resource;
  if (input.subject !== undefined && input.subject !== null) event.subjectId = String(input.subject);
  if (input.metadata !== undefined) event.metadata = input.metadata;
  return event;
}

/** A chain id that is stable for the life of a process and distinct between processes. */
export function defaultChainId(): string {
  return `${hostname()}-${process.pid}`.slice(0, 128);
}
