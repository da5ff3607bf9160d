import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Inject, Injectable, ServiceUnavailableException, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Observable, catchError, concatMap, defer, map, throwError } from 'rxjs';
import { describeError, type CapturedRequest, type RequestAuditContext } from '../core';
import { AUDIT_RUNTIME } from './audit.internal-constants';
import type { AuditRouteResolver } from './audit-route.resolver';
import { AUDIT_ROUTE_RESOLVER } from './audit-route.tokens';
import type { AuditRuntime } from '../runtime';

/**
 * The module's interceptor on adapters other than Express (registered globally there; on Express
 * the request hook, the application's `res.json` hook and the `@Audited()` handler wrapper do its
 * work without putting every route on Nest's interceptor pipeline). It marks audited routes (when
 * the guard did not run first), keeps the class, message and status of
 * an exception the handler threw, and hands the response body of audited routes to the leak check
 * (`pii.exposure`; rewritten first under the `mask` policy). On `async` routes the event is built
 * when the response ends, with the final status. On `sync` routes it is built when the handler
 * returns or throws, and the response waits for its commit (503 when the audit trail is
 * unavailable). Subclass it and override `buildErrorInfo` or `unavailable` to change what is kept
 * or sent.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly httpCodes = new WeakMap<Function, number | null>();

  constructor(
    @Inject(AUDIT_RUNTIME) protected readonly runtime: AuditRuntime,
    @Inject(AUDIT_ROUTE_RESOLVER) protected readonly routes: AuditRouteResolver,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const audit = this.runtime.capture.contextOf(context.switchToHttp().getRequest<CapturedRequest>());
    if (!audit) return next.handle();
    if (!audit.route) {
      const route = this.routes.resolve(context.getHandler(), context.getClass());
      if (route) audit.route = route;
    }
    const capture = this.runtime.capture;
    const watch = !!audit.route && capture.watchesResponse(audit.route);
    if (audit.route && capture.isSync(audit.route)) return this.interceptSync(context, audit, next, watch);
    // One hand-written operator instead of `pipe(map, catchError)`: this runs on every audited request.
    return observeOutcome(
      next.handle(),
      watch ? (body) => capture.responseBody(audit, body) : undefined,
      (error) => this.buildErrorInfo(audit, error),
    );
  }

  /** Records the error on the request context. The message passes the redactor before storage. */
  protected buildErrorInfo(audit: RequestAuditContext, error: unknown): void {
    this.runtime.capture.noteError(audit, error);
  }

  /** The response of a `sync` route whose entry could not be committed. */
  protected unavailable(error: unknown): Error {
    return new ServiceUnavailableException(
      {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The audit trail is unavailable, so this request cannot be acknowledged. Retry later.',
      },
      { cause: error },
    );
  }

  /**
   * `sync` durability: the event is built with the status Nest is about to send (`@HttpCode`, else
   * 201 for POST and 200 otherwise; an exception's own status), and the response (or the error)
   * goes out only after the commit. Concurrent requests share one transaction (group commit).
   */
  private interceptSync(context: ExecutionContext, audit: RequestAuditContext, next: CallHandler, watch: boolean): Observable<unknown> {
    const capture = this.runtime.capture;
    const status = this.successStatus(context);
    return next.handle().pipe(
      catchError((error: unknown) => {
        this.buildErrorInfo(audit, error);
        const failedWith = describeError(error).status ?? 500;
        return defer(() => this.commit(audit, failedWith)).pipe(concatMap(() => throwError(() => error)));
      }),
      map((body: unknown) => (watch ? capture.responseBody(audit, body) : body)),
      concatMap((body: unknown) => defer(() => this.commit(audit, status).then(() => body))),
    );
  }

  private async commit(audit: RequestAuditContext, status: number): Promise<void> {
    const event = this.runtime.capture.captureNow(audit, status);
    if (!event) return;
    try {
      await this.runtime.writer.enqueueAndWait(event);
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  private successStatus(context: ExecutionContext): number {
    const handler = context.getHandler();
    let code = this.httpCodes.get(handler);
    if (code === undefined) {
      const reflect = Reflect as unknown as { getMetadata?: (key: string, target: object) => unknown };
      const declared = reflect.getMetadata?.(HTTP_CODE_METADATA, handler);
      code = typeof declared === 'number' ? declared : null;
      this.httpCodes.set(handler, code);
    }
    if (code !== null) return code;
    return context.switchToHttp().getRequest<CapturedRequest>().method === 'POST' ? 201 : 200;
  }
}

/**
 * `source`, with each value passed through `onValue` (when given) and `onError` told of an error
 * before it is re-thrown. Equivalent to `pipe(map(onValue), catchError(…))` with one subscriber
 * instead of two operator chains (a throwing `onValue` errors the stream, like `map`).
 */
function observeOutcome(source: Observable<unknown>, onValue: ((value: unknown) => unknown) | undefined, onError: (error: unknown) => void): Observable<unknown> {
  return new Observable<unknown>((subscriber) =>
    source.subscribe({
      next(value) {
        if (!onValue) {
          subscriber.next(value);
          return;
        }
        let mapped: unknown;
        try {
          mapped = onValue(value);
        } catch (error) {
          onError(error);
          subscriber.error(error);
          return;
        }
        subscriber.next(mapped);
      },
      error(error: unknown) {
        onError(error);
        subscriber.error(error);
      },
      complete() {
        subscriber.complete();
      },
    }),
  );
}
