import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, map, throwError, type Observable } from 'rxjs';
import type { CapturedRequest, RequestAuditContext } from '../core';
import { AUDIT_RUNTIME } from './audit.internal-constants';
import type { AuditRouteResolver } from './audit-route.resolver';
import { AUDIT_ROUTE_RESOLVER } from './audit-route.tokens';
import type { AuditRuntime } from '../runtime';

/**
 * Marks audited routes (when the guard did not run first), keeps the class, message and status of
 * an exception the handler threw, and hands the response body of audited routes to the leak check
 * (`pii.exposure`; rewritten first under the `mask` policy). The event itself is built when the
 * response ends, with the final status. Subclass it and override `buildErrorInfo` to change what is kept.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
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
    const onError = catchError((error: unknown) => {
      this.buildErrorInfo(audit, error);
      return throwError(() => error);
    });
    if (!audit.route || !this.runtime.capture.watchesResponse(audit.route)) return next.handle().pipe(onError);
    // Audited route with a leak check (or `capture.response`): keep a reference to the body; the
    // `mask` policy returns a rewritten copy here, before the response is sent.
    return next.handle().pipe(
      map((body: unknown) => this.runtime.capture.responseBody(audit, body)),
      onError,
    );
  }

  /** Records the error on the request context. The message passes the redactor before storage. */
  protected buildErrorInfo(audit: RequestAuditContext, error: unknown): void {
    this.runtime.capture.noteError(audit, error);
  }
}
