import type { AuditEntry, AuditEvent, JsonObject, JsonValue } from '../audit-event';
import type { Redactor } from '../redaction/redactor';

/**
 * Turns a captured event into the hashed form (without `seq`): the only place where captured
 * values meet the redactor, so nothing raw can reach sealing or storage.
 */
export function buildEntry(event: AuditEvent, chainId: string, redactor: Redactor): Omit<AuditEntry, 'seq'> {
  const payload: JsonObject = {};
  if (event.http) {
    const http: JsonObject = {
      method: event.http.method,
      route: redactor.redactText(event.http.route),
      status: event.http.status,
      durationMs: Math.round(event.http.durationMs * 1000) / 1000,
    };
    if (event.http.ip !== undefined) http.ip = event.http.ip;
    if (event.http.userAgent !== undefined) http.userAgent = redactor.redactText(event.http.userAgent);
    payload.http = http;
  }
  if (event.actor?.roles?.length) payload.actorRoles = event.actor.roles.map((role) => redactor.redactText(String(role)));
  if (event.request) {
    const request: JsonObject = {};
    const { params, query, body, headers, bodyType } = event.request;
    if (isPresent(params)) request.params = redactor.redact(params);
    if (isPresent(query)) request.query = redactor.redact(query);
    if (body !== undefined && body !== null && !(typeof body === 'object' && isEmpty(body))) {
      request.body = redactor.redact(body, bodyType);
    }
    if (isPresent(headers)) request.headers = redactor.redact(headers);
    if (Object.keys(request).length > 0) payload.request = request;
  }
  if (event.error) {
    const error: JsonObject = { name: redactor.redactText(event.error.name), message: redactor.redactText(event.error.message) };
    if (event.error.status !== undefined) error.status = event.error.status;
    payload.error = error;
  }
  if (event.metadata && !isEmpty(event.metadata)) payload.metadata = redactor.redactObject(event.metadata);

  return {
    v: 1,
    chainId,
    ts: event.timestamp.toISOString(),
    action: text(redactor, event.action) ?? 'unknown',
    outcome: event.outcome,
    actorId: text(redactor, event.actor?.id),
    actorType: text(redactor, event.actor?.type),
    resource: text(redactor, event.resource),
    subjectId: text(redactor, event.subjectId),
    requestId: text(redactor, event.requestId),
    payload,
  };
}

/** Filterable columns are short identifiers: scrubbed like any text and cut at 256 characters. */
function text(redactor: Redactor, value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  const scrubbed: JsonValue = redactor.redactText(String(value));
  return (scrubbed as string).slice(0, 256);
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === 'object' && isEmpty(value));
}

function isEmpty(value: object): boolean {
  for (const _ in value) return false;
  return true;
}
