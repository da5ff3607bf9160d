import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { recordManualEvent, type AuditWriterStats, type ExposureListener, type ManualAuditEvent } from '../core';
import { AUDIT_RUNTIME } from './audit.internal-constants';
import type { AuditRuntime } from '../runtime';

/**
 * Records events that are not HTTP requests (a login, a file download, a job), reports the
 * writer's counters, and flushes the queue on shutdown.
 *
 * @example
 * constructor(private readonly audit: AuditService) {}
 * this.audit.record({ action: 'auth.login', outcome: 'success', metadata: { method: 'password' } });
 */
@Injectable()
export class AuditService implements OnApplicationShutdown {
  constructor(@Inject(AUDIT_RUNTIME) private readonly runtime: AuditRuntime) {}

  /**
   * Queues a manual event; returns at once. Inside a request it carries that request's actor and
   * request id. Throws `InvalidAuditEventError` only for a malformed call (missing action, bad outcome).
   */
  record(event: ManualAuditEvent): void {
    this.runtime.writer.enqueue(recordManualEvent(event, this.runtime.capture));
  }

  /**
   * Resolves when every event queued so far is committed (or the store is failing: see `stats()`),
   * including the `pii.exposure` entries of leak checks still running.
   */
  async flush(): Promise<void> {
    await this.runtime.capture.idle();
    await this.runtime.writer.flush();
  }

  /**
   * Subscribes to `pii.exposure` events: an audited response carried PII that its response type does
   * not declare. The event has the route, JSON paths, kinds and counts — never the values. Listeners
   * run after the response is sent; a throw is logged, never propagated. Returns the unsubscribe function.
   *
   * @example
   * onModuleInit() {
   *   this.audit.onExposure((e) => this.alerts.warn(`${e.method} ${e.route} exposed ${e.total} PII value(s)`, e.findings));
   * }
   */
  onExposure(listener: ExposureListener): () => void {
    return this.runtime.exposures.on(listener);
  }

  /** Queue depth, entries and batches written, failures, drops. */
  stats(): AuditWriterStats {
    return this.runtime.writer.stats();
  }

  /** The chain this process appends to. */
  get chainId(): string {
    return this.runtime.writer.chainId;
  }

  /** Flushes what is queued and closes the store (Nest calls this on `app.close()` and on signals with `enableShutdownHooks()`). */
  async onApplicationShutdown(): Promise<void> {
    await this.runtime.writer.close();
  }
}
