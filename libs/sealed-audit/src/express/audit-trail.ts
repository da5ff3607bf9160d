import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  consoleAuditLogger,
  recordManualEvent,
  type AuditedOptions,
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

/** Per-route options of {@link AuditTrail.audited}: `@Audited()` options plus the body's DTO class. */
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
    middleware: (req, res, next) => {
      const context = capture.begin(req as CapturedRequest, res);
      capture.storage.run(context, next);
    },
    audited: (routeOptions = {}) => {
      const { bodyType, ...audited } = routeOptions;
      const route = Object.freeze({ options: Object.freeze(audited), ...(bodyType ? { bodyType } : {}) });
      return (req, res, next) => {
        // Works even without the global middleware (then denials elsewhere are not seen).
        capture.begin(req as CapturedRequest, res).route = route;
        next();
      };
    },
    errorHandler: (error, req, _res, next) => {
      const context = capture.contextOf(req);
      if (context) capture.noteError(context, error);
      next(error);
    },
    record: (event) => writer.enqueue(recordManualEvent(event, capture)),
    flush: () => writer.flush(),
    stats: () => writer.stats(),
    close: () => writer.close(),
  };
}
