import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AUDIT_DURABILITIES,
  LEAK_POLICIES,
  compileAllowList,
  consoleAuditLogger,
  recordManualEvent,
  type AuditedOptions,
  type ExposureListener,
  type AuditLogger,
  type AuditWriterStats,
  type CapturedRequest,
  type ManualAuditEvent,
} from '../core';
import { createAuditRuntime, type AuditOptions, type AuditRuntime } from '../runtime';

type Next = (error?: unknown) => void;
/** An Express-compatible middleware (typed on Node's request/response: no dependency on @types/express). */
export type AuditMiddleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;
/** An Express-compatible error middleware. */
export type AuditErrorMiddleware = (error: unknown, req: IncomingMessage, res: ServerResponse, next: Next) => void;

/**
 * Per-route options of {@link AuditTrail.audited}: `@Audited()` options (including `leaks`,
 * `allow` and `responseType`) plus the body's DTO class.
 */
export interface ExpressAuditedOptions extends AuditedOptions {
  /** The DTO class the body follows, so its `@PiiField`s apply to the plain `req.body`. */
  bodyType?: Function;
}

/**
 * The audit trail for an Express app without Nest: the same capture, redaction, sealing and
 * storage as `AuditModule`.
 *
 * @example
 * const audit = await createAuditTrail({ storage: { type: 'sqlite', database: './audit.sqlite' } });
 * app.use(audit.middleware);                        // first: request ids, denials, context
 * // audited() before auth: a 401/403 from `auth` then carries the route's action too.
 * app.get('/patients/:id', audit.audited({ action: 'patient.read', subject: (req) => req.params.id }), auth, handler);
 * app.use(audit.errorHandler);                      // before your own error handler
 * process.on('SIGTERM', () => audit.close());
 */
export interface AuditTrail {
  /** Mount first with `app.use()`: it must see every request to record 401/403 anywhere. */
  readonly middleware: AuditMiddleware;
  /** Marks one route as audited. Put it before auth: the actor is read when the response ends. */
  audited(options?: ExpressAuditedOptions): AuditMiddleware;
  /** Keeps the class/message/status of an error for the route's entry, then passes it on. */
  readonly errorHandler: AuditErrorMiddleware;
  /** A manual event; inside a request it takes that request's actor and request id. */
  record(event: ManualAuditEvent): void;
  /** A manual event, resolved once committed; rejects with `AuditUnavailableError` when the store fails (the event stays queued or spooled). */
  recordSync(event: ManualAuditEvent): Promise<void>;
  /** Subscribes to `pii.exposure` events (route, JSON paths, kinds, counts; never values). Returns the unsubscribe function. */
  onExposure(listener: ExposureListener): () => void;
  /** Resolves when everything queued so far (leak-check entries included) is committed. */
  flush(): Promise<void>;
  stats(): AuditWriterStats;
  /** Flushes and closes the store. */
  close(): Promise<void>;
}

/** Opens the store (installing the schema unless `storage.install` is false) and returns the middleware set. */
export async function createAuditTrail(options: AuditOptions, logger: AuditLogger = consoleAuditLogger): Promise<AuditTrail> {
  const runtime: AuditRuntime = await createAuditRuntime(options, logger);
  const { capture, writer } = runtime;

  return {
    middleware: (req, res, next) => capture.enter(req as CapturedRequest, res, next),
    audited: (routeOptions = {}) => {
      const { bodyType, ...audited } = routeOptions;
      if (audited.leaks !== undefined && !LEAK_POLICIES.includes(audited.leaks)) {
        throw new TypeError(`audited(): \`leaks\` must be one of ${LEAK_POLICIES.join(', ')} (got ${String(audited.leaks)}).`);
      }
      if (audited.durability !== undefined && !AUDIT_DURABILITIES.includes(audited.durability)) {
        throw new TypeError(`audited(): \`durability\` must be one of ${AUDIT_DURABILITIES.join(', ')} (got ${String(audited.durability)}).`);
      }
      const allow = compileAllowList(audited.allow);
      const route = Object.freeze({
        options: Object.freeze(audited),
        ...(bodyType ? { bodyType } : {}),
        ...(audited.responseType ? { responseType: audited.responseType } : {}),
        ...(allow ? { allow } : {}),
      });
      const watch = capture.watchesResponse(route);
      const sync = capture.isSync(route);
      return (req, res, next) => {
        // Works even without the global middleware (then denials elsewhere are not seen).
        const context = capture.begin(req as CapturedRequest, res);
        context.route = route;
        if (watch) {
          // `res.send(object)` goes through `res.json` too. The `mask` policy rewrites before sending.
          const response = res as ServerResponse & { json?: (body: unknown) => unknown };
          const json = response.json;
          if (typeof json === 'function') {
            response.json = function (this: unknown, body: unknown) {
              return json.call(this, capture.responseBody(context, body));
            };
          }
        }
        if (sync) capture.holdUntilCommitted(context, res);
        next();
      };
    },
    errorHandler: (error, req, _res, next) => {
      const context = capture.contextOf(req);
      if (context) capture.noteError(context, error);
      next(error);
    },
    record: (event) => writer.enqueue(recordManualEvent(event, capture)),
    recordSync: (event) => writer.enqueueAndWait(recordManualEvent(event, capture)),
    onExposure: (listener) => runtime.exposures.on(listener),
    flush: async () => {
      await capture.idle();
      await writer.flush();
    },
    stats: () => writer.stats(),
    close: () => writer.close(),
  };
}
