import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { CapturedRequest } from '../core';
import { AUDIT_RUNTIME } from './audit.internal-constants';
import type { AuditRuntime } from '../runtime';

/**
 * Runs first for every request: assigns the request id, starts timing, hooks the end of the
 * response (so a 401/403 from a guard or an auth middleware is recorded too), and opens the
 * AsyncLocalStorage context that `AuditService.record()` reads.
 */
@Injectable()
export class AuditContextMiddleware implements NestMiddleware {
  constructor(@Inject(AUDIT_RUNTIME) private readonly runtime: AuditRuntime) {}

  use(req: CapturedRequest, res: ServerResponse, next: (error?: unknown) => void): void {
    const context = this.runtime.capture.begin(req, res);
    this.runtime.capture.storage.run(context, next);
  }
}
