import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ServerResponse } from 'node:http';
import type { CapturedRequest } from '../core';
import { AUDIT_RUNTIME } from './audit.internal-constants';
import type { AuditRouteResolver } from './audit-route.resolver';
import type { AuditRuntime } from '../runtime';
import { AUDIT_ROUTE_RESOLVER } from './audit-route.tokens';

/**
 * A global guard that never refuses. Global guards run before controller and route guards, so
 * this one tells the request context which audited route it hit before another guard can deny
 * it: a denial then carries the route's action (`patient.delete`) instead of `access.denied`.
 * On a `sync` route it also holds the response's end until the entry is committed.
 */
@Injectable()
export class AuditRouteGuard implements CanActivate {
  constructor(
    @Inject(AUDIT_RUNTIME) private readonly runtime: AuditRuntime,
    @Inject(AUDIT_ROUTE_RESOLVER) private readonly routes: AuditRouteResolver,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<CapturedRequest>();
    const audit = this.runtime.capture.contextOf(request);
    if (audit && !audit.route) {
      const route = this.routes.resolve(context.getHandler(), context.getClass());
      if (route) {
        audit.route = route;
        const res = context.switchToHttp().getResponse<unknown>();
        // Node's response (Express): its end is held. Other adapters' replies: the interceptor commits.
        if (res instanceof ServerResponse && this.runtime.capture.isSync(route)) this.runtime.capture.holdUntilCommitted(audit, res);
      }
    }
    return true;
  }
}
