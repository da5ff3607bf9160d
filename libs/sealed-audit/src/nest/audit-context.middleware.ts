import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { CapturedRequest } from '../core';
import { AUDIT_RUNTIME } from './audit.internal-constants';
import type { AuditRuntime } from '../runtime';

/**
 * The request hook on adapters other than Express (there the module wraps the app itself):
 * `capture.enter()` for every request — request id, timing, the end-of-response hook (so a 401/403
 * from a guard or an auth middleware is recorded too) and, unless `requestContext: false`, the
 * AsyncLocalStorage context that `AuditService.record()` reads.
 */
@Injectable()
export class AuditContextMiddleware implements NestMiddleware {
  constructor(@Inject(AUDIT_RUNTIME) private readonly runtime: AuditRuntime) {}

  use(req: CapturedRequest, res: ServerResponse, next: (error?: unknown) => void): void {
    this.runtime.capture.enter(req, res, next);
  }
}
