import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditActor, AuditErrorInfo, AuditEvent, AuditOutcome } from '../audit-event';
import type { AllowList, ExposureFinding, ExposureScanner, LeakPolicy, PiiExposure } from '../redaction/exposure-scanner';

/** A request as the capture sees it: Node's, plus what Express/Nest add when present. */
export type CapturedRequest = IncomingMessage & {
  user?: unknown;
  ip?: string;
  params?: unknown;
  query?: unknown;
  body?: unknown;
  baseUrl?: string;
  route?: { path?: unknown };
  /** Express's application (read for its `trust proxy` setting). */
  app?: { get?(setting: string): unknown };
};

/**
 * The request as audit callbacks (`subject`, `actor`) see it: Node's request plus what Express
 * and Nest add. Cast `user` to your own type.
 */
export interface AuditRequest extends IncomingMessage {
  params: Record<string, string | string[]>;
  query: Record<string, unknown>;
  body: unknown;
  user?: unknown;
}

/** Per-route audit options, as given to `@Audited()` or the Express `audited()` middleware. */
export interface AuditedOptions {
  /** What happened, e.g. `patient.read`. Default: `<METHOD> <route>` of the request. */
  action?: string;
  /** The kind of record touched, e.g. `patient`. */
  resource?: string;
  /** The data subject (whose data), e.g. `(req) => req.params.id`. Read when the response ends. */
  subject?: (req: AuditRequest) => unknown;
  /**
   * Leak check of this route's response (default: the module's `leaks.policy`, itself `observe`):
   * `observe` reports undeclared PII as a `pii.exposure` event, `mask` also rewrites the response
   * before it is sent, `off` skips the check.
   */
  leaks?: LeakPolicy;
  /** JSON paths of the response that may carry PII without being reported, e.g. `['contact.email', 'items[].phone']`. */
  allow?: string[];
  /**
   * The class the response follows: its `@PiiField`s are intended output (not leaks), and they
   * are applied when the response body is kept (`capture.response`). Nest reads the handler's
   * declared return type when this is left out.
   */
  responseType?: Function;
  /**
   * `sync`: the response is sent only after this request's entry is committed, and fails with
   * 503 when the audit trail is unavailable. `async` (the module's default unless it sets
   * `durability`): the response never waits. See "Durability and failure modes" in the README.
   */
  durability?: 'async' | 'sync';
}

/** A route's audit options resolved once, plus the declared body and response types. */
export interface ResolvedAuditRoute {
  options: AuditedOptions;
  /** The handler's `@Body()` parameter type, used to find `@PiiField`s in a plain body. */
  bodyType?: Function;
  /** `options.responseType`, or the handler's declared return type when it is a class. */
  responseType?: Function;
  /** `options.allow`, compiled. */
  allow?: AllowList;
}

/** What is kept while a request runs. Exposed through `AsyncLocalStorage` for manual events. */
export interface RequestAuditContext {
  readonly requestId: string;
  readonly timestamp: Date;
  readonly startedAt: number;
  readonly req: CapturedRequest;
  readonly res: ServerResponse;
  /** Set for audited routes (by the Nest guard/interceptor or the Express `audited()` middleware). */
  route?: ResolvedAuditRoute;
  /** The error that ended the request, when the framework told us. */
  error?: AuditErrorInfo;
  /** The response body the handler returned (a reference), for the leak check and `capture.response`. */
  response?: { body: unknown };
  /** What the `mask` policy rewrote in the response (reported once the response ends). */
  exposure?: ExposureFinding[];
  /** True once the request's own event was emitted. */
  recorded: boolean;
}

/** Which parts of an audited request are kept (after redaction). */
export interface CaptureOptions {
  body?: boolean;
  query?: boolean;
  params?: boolean;
  /** Request headers; sensitive ones (authorization, cookie, x-api-key, …) are always redacted. */
  headers?: boolean;
  /** The response body of audited routes (redacted with the response type's `@PiiField`s). Default `false`. */
  response?: boolean;
}

/** The leak check as the capture runs it (compiled by the runtime from the `leaks` option). */
export interface CaptureLeakOptions {
  /** Policy of routes that do not set their own. */
  policy: LeakPolicy;
  scanner: ExposureScanner;
  /** Delivers an exposure to subscribers (the trail entry is recorded by the capture itself). */
  emit: (exposure: PiiExposure) => void;
}

/** Options of {@link RequestCapture}. */
export interface RequestCaptureOptions {
  /** Who acted. Default: `req.user` (`id ?? sub`, `type`, `roles`). */
  actor?: (req: AuditRequest) => AuditActor | undefined | null;
  capture?: CaptureOptions;
  /** Action of a 401/403 on a route that is not audited. Default `access.denied`. */
  deniedAction?: string;
  /** Header carrying the request id in and out. Default `x-request-id`. */
  requestIdHeader?: string;
  /** The leak check of audited responses; without it no response is looked at. */
  leaks?: CaptureLeakOptions;
  /** Durability of audited routes that do not set their own. Default `async`. */
  durability?: 'async' | 'sync';
  /**
   * Commits one event and resolves once it is stored (the writer's `enqueueAndWait`): what
   * {@link RequestCapture.holdUntilCommitted} waits for on `sync` routes. Without it nothing is held.
   */
  commit?: (event: AuditEvent) => Promise<void>;
  /**
   * Run each request inside an `AsyncLocalStorage` context so `record()` finds the request's actor
   * and id. Default `true`. On Node 20 the first `AsyncLocalStorage.run()` turns on promise hooks
   * for the whole process (every promise then costs more): `false` saves that when no manual event
   * is recorded inside requests (or when they carry `actor`/`requestId` themselves).
   */
  requestContext?: boolean;
}

/** Action of the trail entry that records a `pii.exposure`. */
export const PII_EXPOSURE_ACTION = 'pii.exposure';

const CONTEXT = Symbol('sealed-audit:request-context');
const REQUEST_ID = /^[A-Za-z0-9._:@\-]{1,128}$/;

/**
 * Framework-free request capture shared by the Nest module and the Express middleware. `begin()`
 * runs first for every request; the event is built when the response ends (so it sees the final
 * status, also of requests that a guard or an auth middleware refused), and handed to `sink`.
 * Only references are taken on the request path; redaction happens later, in the writer.
 */
export class RequestCapture {
  readonly storage = new AsyncLocalStorage<RequestAuditContext>();
  private readonly actorOf: (req: CapturedRequest) => AuditActor | undefined;
  private readonly capture: Required<CaptureOptions>;
  private readonly deniedAction: string;
  private readonly requestIdHeader: string;
  private readonly leaks: CaptureLeakOptions | undefined;
  /** Response bodies waiting for the leak scan (the next turn of the event loop). */
  private scanQueue: Array<{ event: AuditEvent; body: unknown; route: ResolvedAuditRoute }> = [];
  /** `idle()` callers waiting for the scan queue to empty. */
  private scanWaiters: Array<() => void> = [];
  private readonly durability: 'async' | 'sync';
  private readonly requestContext: boolean;
  private readonly commit: ((event: AuditEvent) => Promise<void>) | undefined;
  // Shared listeners (the context is found on the response): no closures per request. `end()`
  // records a request once, so plain `on` is enough.
  private readonly onPrefinish: (this: ServerResponse) => void;
  private readonly onClose: (this: ServerResponse) => void;

  constructor(
    private readonly sink: (event: AuditEvent) => void,
    options: RequestCaptureOptions = {},
    private readonly onError: (message: string) => void = () => undefined,
  ) {
    this.actorOf = compileActor(options.actor);
    this.capture = { body: true, query: true, params: true, headers: true, response: false, ...options.capture };
    this.deniedAction = options.deniedAction ?? 'access.denied';
    this.requestIdHeader = (options.requestIdHeader ?? 'x-request-id').toLowerCase();
    this.leaks = options.leaks;
    this.durability = options.durability ?? 'async';
    this.requestContext = options.requestContext ?? true;
    this.commit = options.commit;
    const end = (res: ServerResponse, aborted: boolean): void => {
      const context = (res as unknown as Record<symbol, RequestAuditContext | undefined>)[CONTEXT];
      if (context) this.end(context, aborted);
    };
    this.onPrefinish = function (this: ServerResponse) {
      end(this, false);
    };
    this.onClose = function (this: ServerResponse) {
      end(this, true);
    };
  }

  /**
   * The request hook of the frameworks: `begin()`, then `next` inside the request's
   * `AsyncLocalStorage` context (when `requestContext` is on).
   */
  enter(req: CapturedRequest, res: ServerResponse, next: () => void): void {
    const context = this.begin(req, res);
    if (this.requestContext) this.storage.run(context, next);
    else next();
  }

  /** `sync` when the route's response must wait for its entry's commit (its own setting, else the module's). */
  isSync(route: ResolvedAuditRoute | undefined): boolean {
    return (route?.options.durability ?? this.durability) === 'sync';
  }

  /**
   * The `sync` path: builds the request's event now, before the response is sent, with the status
   * the response is about to get, and marks the request recorded (the end-of-response hook will
   * not record it again). Runs the leak check like the end hook does. Returns undefined when
   * the request was recorded already or there is nothing to record. Never throws.
   */
  captureNow(context: RequestAuditContext, status: number): AuditEvent | undefined {
    if (context.recorded) return undefined;
    context.recorded = true;
    let event: AuditEvent | undefined;
    try {
      event = this.buildEvent(context, status);
    } catch (error) {
      this.onError(`could not capture an audit event (${error instanceof Error ? error.name : typeof error})`);
      return undefined;
    }
    if (event && context.route && this.leaks) this.checkLeaks(context, event);
    return event;
  }

  /** The leak policy of a route (its own, or the module's). `off` when no leak check is configured. */
  leakPolicyOf(route: ResolvedAuditRoute): LeakPolicy {
    if (!this.leaks) return 'off';
    return route.options.leaks ?? this.leaks.policy;
  }

  /** True when the response body of this route must be seen (leak check or `capture.response`): resolve once per route. */
  watchesResponse(route: ResolvedAuditRoute): boolean {
    return this.capture.response || this.leakPolicyOf(route) !== 'off';
  }

  /**
   * Called with the body an audited handler returns (Nest interceptor, Express `res.json`);
   * returns the body to send. `observe` keeps a reference and scans it after the response is sent;
   * `mask` rewrites undeclared PII now (copy-on-write: the handler's objects are not modified).
   */
  responseBody(context: RequestAuditContext, body: unknown): unknown {
    const route = context.route;
    if (!route) return body;
    const policy = this.leakPolicyOf(route);
    if (policy === 'mask' && this.leaks) {
      const result = this.leaks.scanner.mask(body, route.responseType, route.allow);
      if (result.findings.length > 0) context.exposure = result.findings;
      context.response = { body: result.body };
      return result.body;
    }
    if (policy === 'observe' || this.capture.response) context.response = { body };
    return body;
  }

  /**
   * What an application-wide `res.json` hook calls with every JSON body (Nest on Express): for an
   * audited request, a success body goes to {@link responseBody} (leak check, `capture.response`;
   * rewritten under `mask`), and an error body (4xx/5xx but 401/403) is noted as the request's
   * error when the handler did not throw one itself (a pipe's validation error, an interceptor's).
   * Returns the body to send. Never throws.
   */
  beforeJson(res: ServerResponse, body: unknown): unknown {
    const context = (res as unknown as Record<symbol, RequestAuditContext | undefined>)[CONTEXT];
    const route = context?.route;
    if (!context || !route || context.recorded) return body;
    try {
      const status = res.statusCode;
      if (status < 400) return this.watchesResponse(route) ? this.responseBody(context, body) : body;
      if (!context.error && status !== 401 && status !== 403) context.error = errorOfResponseBody(body, status);
    } catch (error) {
      this.onError(`could not look at a response body (${error instanceof Error ? error.name : typeof error})`);
    }
    return body;
  }

  /**
   * `sync` routes: `res.end()` (which `send`/`json` call last, and which sends the headers unless
   * the handler flushed them itself) is held until the request's entry, built with the final
   * status, is committed. If the store fails: a 503 JSON body replaces the response when its
   * headers are not sent yet; otherwise (a streamed response) the connection is destroyed so the
   * client never sees a completed response. Does nothing without the `commit` option.
   */
  holdUntilCommitted(context: RequestAuditContext, res: ServerResponse): void {
    const commit = this.commit;
    if (!commit) return;
    const end = res.end as (...args: unknown[]) => ServerResponse;
    let held = false;
    const capture = this;
    res.end = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
      if (held) return end.apply(this, args);
      held = true;
      const event = capture.captureNow(context, res.statusCode);
      if (!event) return end.apply(this, args);
      commit(event).then(
        () => void end.apply(res, args),
        (error: unknown) => {
          if (res.headersSent) {
            res.destroy(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          for (const header of ['content-length', 'content-type', 'content-encoding', 'etag', 'last-modified']) res.removeHeader(header);
          res.statusCode = 503;
          res.setHeader('content-type', 'application/json; charset=utf-8');
          res.setHeader('content-length', Buffer.byteLength(UNAVAILABLE_BODY));
          const callback = args.find((arg) => typeof arg === 'function');
          void (callback ? end.call(res, UNAVAILABLE_BODY, 'utf8', callback) : end.call(res, UNAVAILABLE_BODY));
        },
      );
      return this;
    } as typeof res.end;
  }

  /** Resolves once every leak scan started so far has reported (for `flush()` and tests). */
  async idle(): Promise<void> {
    if (this.scanQueue.length === 0) return;
    await new Promise<void>((resolve) => this.scanWaiters.push(resolve));
  }

  /** Starts tracking a request: request id (echoed back), timing, and the end-of-response hook. */
  begin(req: CapturedRequest, res: ServerResponse): RequestAuditContext {
    const existing = (req as unknown as Record<symbol, RequestAuditContext | undefined>)[CONTEXT];
    if (existing) return existing;
    const incoming = req.headers[this.requestIdHeader];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const context: RequestAuditContext = {
      requestId,
      timestamp: new Date(),
      startedAt: performance.now(),
      req,
      res,
      recorded: false,
    };
    (req as unknown as Record<symbol, RequestAuditContext>)[CONTEXT] = context;
    if (!res.headersSent) res.setHeader(this.requestIdHeader, requestId);
    // 'prefinish' is emitted inside res.end(), once the response is handed to the socket: the event
    // is queued before the client can possibly have read the response (with 'finish', a client in
    // the same process could see the response, flush, and find nothing yet). 'close' without
    // 'prefinish' first is a connection that went away before the response ended.
    (res as unknown as Record<symbol, RequestAuditContext>)[CONTEXT] = context;
    res.on('prefinish', this.onPrefinish);
    res.on('close', this.onClose);
    return context;
  }

  /** The context of a request `begin()` saw. */
  contextOf(req: object): RequestAuditContext | undefined {
    return (req as Record<symbol, RequestAuditContext | undefined>)[CONTEXT];
  }

  /** The context of the request being handled in this async flow, if any. */
  current(): RequestAuditContext | undefined {
    return this.storage.getStore();
  }

  /** The actor of a request, per the configured resolver. Never throws. */
  actorFor(req: CapturedRequest): AuditActor | undefined {
    try {
      return this.actorOf(req);
    } catch (error) {
      this.onError(`actor resolver threw (${error instanceof Error ? error.name : typeof error}); the event is recorded without an actor`);
      return undefined;
    }
  }

  /** Records what the framework knows of the error that ended the request. */
  noteError(context: RequestAuditContext, error: unknown): void {
    context.error = describeError(error);
  }

  private end(context: RequestAuditContext, aborted: boolean): void {
    if (context.recorded) return;
    context.recorded = true;
    let event: AuditEvent | undefined;
    try {
      event = this.buildEvent(context, undefined, aborted);
      if (event) this.sink(event);
    } catch (error) {
      // The audit side effect must never break the host: log the class only (messages may hold values).
      this.onError(`could not capture an audit event (${error instanceof Error ? error.name : typeof error})`);
    }
    if (event && context.route && this.leaks) this.checkLeaks(context, event);
  }

  private checkLeaks(context: RequestAuditContext, event: AuditEvent): void {
    const route = context.route as ResolvedAuditRoute;
    const policy = this.leakPolicyOf(route);
    if (context.exposure) {
      this.reportExposure(event, context.exposure, 'mask');
      return;
    }
    if (policy !== 'observe' || !context.response) return;
    const { body } = context.response;
    // The response is already sent: scan on a later turn of the event loop, never on the response
    // path. Scans queued in one turn share one setImmediate (no timer and no promise per request).
    this.scanQueue.push({ event, body, route });
    if (this.scanQueue.length === 1) setImmediate(this.runScans);
  }

  private readonly runScans = (): void => {
    const queue = this.scanQueue;
    this.scanQueue = [];
    const leaks = this.leaks as CaptureLeakOptions;
    for (const { event, body, route } of queue) {
      try {
        const findings = leaks.scanner.scan(body, route.responseType, route.allow);
        if (findings.length > 0) this.reportExposure(event, findings, 'observe');
      } catch (error) {
        this.onError(`could not scan a response for PII (${error instanceof Error ? error.name : typeof error})`);
      }
    }
    if (this.scanQueue.length === 0) {
      const waiting = this.scanWaiters;
      this.scanWaiters = [];
      for (const resolve of waiting) resolve();
    }
  };

  /** Records the exposure in the trail (an entry with action `pii.exposure`) and tells subscribers. */
  private reportExposure(request: AuditEvent, findings: ExposureFinding[], policy: 'observe' | 'mask'): void {
    const http = request.http;
    const exposure: PiiExposure = {
      type: 'pii.exposure',
      timestamp: new Date(),
      requestId: request.requestId ?? '',
      method: http?.method ?? 'GET',
      route: http?.route ?? '(unmatched)',
      action: request.action,
      status: http?.status ?? 0,
      policy,
      masked: policy === 'mask',
      findings,
      total: findings.reduce((sum, finding) => sum + finding.count, 0),
    };
    const event: AuditEvent = {
      timestamp: exposure.timestamp,
      action: PII_EXPOSURE_ACTION,
      // A masked response kept the PII in: the prevention worked. An observed one let it out.
      outcome: exposure.masked ? 'success' : 'failure',
      metadata: {
        route: `${exposure.method} ${exposure.route}`,
        routeAction: exposure.action,
        policy,
        masked: exposure.masked,
        total: exposure.total,
        findings: findings.map((finding) => ({ ...finding })),
      },
    };
    if (http) event.http = { method: http.method, route: http.route, status: http.status, durationMs: http.durationMs };
    if (request.actor) event.actor = request.actor;
    if (request.resource) event.resource = request.resource;
    if (request.subjectId) event.subjectId = request.subjectId;
    if (request.requestId) event.requestId = request.requestId;
    try {
      this.sink(event);
    } catch (error) {
      this.onError(`could not record a pii.exposure event (${error instanceof Error ? error.name : typeof error})`);
    }
    try {
      this.leaks?.emit(exposure);
    } catch (error) {
      this.onError(`could not deliver a pii.exposure event (${error instanceof Error ? error.name : typeof error})`);
    }
  }

  private buildEvent(context: RequestAuditContext, statusNow?: number, aborted = false): AuditEvent | undefined {
    const { req, res, route } = context;
    // Built before the response is sent (sync path): it is not aborted, its status is the one given.
    const status = statusNow ?? res.statusCode;
    const denied = status === 401 || status === 403;
    if (!route && !denied) return undefined;

    const outcome: AuditOutcome = denied ? 'denied' : aborted || status >= 400 ? 'failure' : 'success';
    const routePattern = routeOf(req);
    const actor = this.actorFor(req);
    const http: NonNullable<AuditEvent['http']> = { method: req.method ?? 'GET', route: routePattern, status, durationMs: performance.now() - context.startedAt };
    const ip = clientIp(req);
    if (ip !== undefined) http.ip = ip;
    const userAgent = req.headers['user-agent'];
    if (typeof userAgent === 'string') http.userAgent = userAgent;
    const event: AuditEvent = {
      timestamp: context.timestamp,
      action: route?.options.action ?? (route ? `${req.method ?? 'GET'} ${routePattern}` : this.deniedAction),
      outcome,
      requestId: context.requestId,
      http,
    };
    if (actor) event.actor = actor;
    if (route?.options.resource) event.resource = route.options.resource;
    if (route?.options.subject) {
      try {
        const subject = route.options.subject(req as unknown as AuditRequest);
        if (subject !== undefined && subject !== null && subject !== '') event.subjectId = Array.isArray(subject) ? subject.join('/') : String(subject);
      } catch {
        this.onError(`subject resolver of "${event.action}" threw; the event is recorded without a subject`);
      }
    }
    const error = context.error ?? (aborted ? { name: 'RequestAborted', message: 'the client closed the connection before the response ended' } : undefined);
    if (error) event.error = { ...error, status: error.status ?? status };
    if (route) {
      const request: NonNullable<AuditEvent['request']> = {};
      if (this.capture.params) request.params = req.params;
      if (this.capture.query) request.query = req.query;
      if (this.capture.body) request.body = req.body;
      if (this.capture.headers) request.headers = req.headers;
      if (route.bodyType) request.bodyType = route.bodyType;
      event.request = request;
      if (this.capture.response && context.response) {
        event.response = { body: context.response.body, ...(route.responseType ? { type: route.responseType } : {}) };
      }
    }
    return event;
  }
}

function compileActor(resolver: RequestCaptureOptions['actor']): (req: CapturedRequest) => AuditActor | undefined {
  if (resolver) {
    return (req) => {
      const actor = resolver(req as unknown as AuditRequest);
      return actor ? normalizeActor(actor) : undefined;
    };
  }
  return (req) => {
    const user = req.user as { id?: unknown; sub?: unknown; type?: unknown; roles?: unknown } | undefined | null;
    if (!user || typeof user !== 'object') return undefined;
    const id = user.id ?? user.sub;
    if (id === undefined || id === null) return undefined;
    return normalizeActor({
      id: String(id),
      ...(typeof user.type === 'string' ? { type: user.type } : {}),
      ...(Array.isArray(user.roles) ? { roles: user.roles.map(String) } : {}),
    });
  };
}

function normalizeActor(actor: AuditActor): AuditActor | undefined {
  if (actor.id === undefined || actor.id === null || String(actor.id) === '') return undefined;
  return {
    id: String(actor.id),
    ...(actor.type !== undefined ? { type: String(actor.type) } : {}),
    ...(Array.isArray(actor.roles) ? { roles: actor.roles.map(String) } : {}),
  };
}

/** The route pattern (`/patients/:id`), never the raw path (which can hold ids or e-mail addresses). */
function routeOf(req: CapturedRequest): string {
  const path = req.route?.path;
  if (typeof path === 'string') return `${req.baseUrl ?? ''}${path}` || '/';
  return '(unmatched)';
}

function clientIp(req: CapturedRequest): string | undefined {
  // Express's `req.ip` parses X-Forwarded-For into a list on every read, even when `trust proxy`
  // is off and the answer is the socket's address anyway (a few µs per request): read that directly.
  const app = req.app;
  if (app && typeof app.get === 'function' && !app.get('trust proxy')) return req.socket?.remoteAddress;
  return typeof req.ip === 'string' ? req.ip : req.socket?.remoteAddress;
}

/** The body of a `sync` response whose entry could not be committed. */
const UNAVAILABLE_BODY = JSON.stringify({
  statusCode: 503,
  error: 'Service Unavailable',
  message: 'The audit trail is unavailable, so this request cannot be acknowledged. Retry later.',
});

/**
 * Notes the error an audited handler threw on its request's context (the `@Audited()` handler
 * wrapper of the Nest module calls this). A no-op for a request nobody began or a route that is
 * not audited.
 */
export function noteHandlerError(req: unknown, error: unknown): void {
  const context = req && typeof req === 'object' ? (req as Record<symbol, RequestAuditContext | undefined>)[CONTEXT] : undefined;
  if (context?.route && !context.recorded) context.error = describeError(error);
}

/**
 * What an error response says (Nest's `{ statusCode, message, error }`, or any JSON body): the
 * error's name is the response's `error` text (the exception's class is not in the response),
 * the message its `message` (a list is joined), further fields in `details`.
 */
function errorOfResponseBody(body: unknown, status: number): AuditErrorInfo {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { name: 'ErrorResponse', message: typeof body === 'string' ? body : '', status };
  }
  const record = body as Record<string, unknown>;
  const message = Array.isArray(record.message) ? record.message.map(String).join('; ') : typeof record.message === 'string' ? record.message : '';
  const info: AuditErrorInfo = { name: typeof record.error === 'string' && record.error !== '' ? record.error : 'ErrorResponse', message, status };
  const extra = Object.keys(record).filter((key) => key !== 'statusCode' && key !== 'error' && key !== 'message');
  if (extra.length > 0) {
    const details: Record<string, unknown> = {};
    for (const key of extra) details[key] = record[key];
    info.details = details;
  }
  return info;
}

/**
 * Name, message and HTTP status of an error thrown by a handler (HttpException-like or not), plus
 * its stack-free details when it carries more than a message (a validation error's list of
 * messages, extra response fields). All of it passes the redactor before it is stored.
 */
export function describeError(error: unknown): AuditErrorInfo {
  if (error instanceof Error) {
    const withStatus = error as Error & { getStatus?: () => number; getResponse?: () => unknown; status?: unknown; statusCode?: unknown };
    let status: number | undefined;
    let details: unknown;
    try {
      if (typeof withStatus.getStatus === 'function') status = withStatus.getStatus();
      else if (typeof withStatus.status === 'number') status = withStatus.status;
      else if (typeof withStatus.statusCode === 'number') status = withStatus.statusCode;
      if (typeof withStatus.getResponse === 'function') details = detailsOf(withStatus.getResponse());
    } catch {
      // A hostile error object: keep what could be read.
    }
    return {
      name: error.constructor?.name || error.name,
      message: String(error.message),
      ...(status !== undefined ? { status } : {}),
      ...(details !== undefined ? { details } : {}),
    };
  }
  return { name: typeof error, message: String(error) };
}

/** An HttpException's response object, when it says more than `{ statusCode, error, message: string }`. */
function detailsOf(response: unknown): unknown {
  if (response === null || typeof response !== 'object' || Array.isArray(response)) return undefined;
  const record = response as Record<string, unknown>;
  const extra = Object.keys(record).filter((key) => key !== 'statusCode' && key !== 'error' && !(key === 'message' && typeof record.message === 'string'));
  if (extra.length === 0) return undefined;
  const details: Record<string, unknown> = {};
  for (const key of extra) details[key] = record[key];
  return details;
}
