import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';
import type { CapturedRequest, RequestAuditContext } from '../core';
import { AUDIT_RUNTIME } from './audit.internal-constants';
import type { AuditRouteResolver } from './audit-route.resolver';
import { AUDIT_ROUTE_RESOLVER } from './audit-route.tokens';
import type { AuditRuntime } from '../runtime';

/**
 * Marks audited routes (when the guard did not run first) and keeps the class, message and
 * status of an exception the handler threw; the event itself is built when the response ends,
 * with the final status. Subclass it and override `buildErrorInfo` to change what is kept.
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
    return next.handle().pipe(
      catchError((error: unknown) => {
        this.buildErrorInfo(audit, error);
        return throwError(() => error);
      }),
    );
  }

  /** Records the error on the request context. The message passes the redactor before storage. */
  protected buildErrorInfo(audit: RequestAuditContext, error: unknown): void {
    this.runtime.capture.noteError(audit, error);
  }
}
