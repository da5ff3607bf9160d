import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { recordManualEvent, type AuditWriterStats, type ExposureListener, type ManualAuditEvent, type SealedEntry } from '../core';
import { AUDIT_RUNTIME } from './audit.internal-constants';
import { appendAuditEntryInTransaction, transactionalChainId, type AuditRuntime } from '../runtime';

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
   * Records a manual event and resolves once it is committed (group commit with concurrent
   * callers). Rejects with `AuditUnavailableError` when the store fails; the event then stays
   * queued or spooled and is written later.
   */
  recordSync(event: ManualAuditEvent): Promise<void> {
    return this.runtime.writer.enqueueAndWait(recordManualEvent(event, this.runtime.capture));
  }

  /**
   * Writes the audit entry inside YOUR transaction, through its EntityManager: it commits or rolls
   * back with the business change (the strongest guarantee; the application's DataSource must list
   * `...AUDIT_ENTITIES`). Entries go to the chain `<chainId>.tx`; concurrent such transactions
   * serialize on it (PostgreSQL: an advisory lock held until your commit).
   *
   * @example
   * await this.dataSource.transaction(async (manager) => {
   *   await manager.save(Refund, refund);
   *   await this.audit.recordInTransaction(manager, { action: 'refund.create', outcome: 'success', subject: refund.customerId });
   * });
   */
  recordInTransaction(manager: EntityManager, event: ManualAuditEvent): Promise<SealedEntry> {
    const options = this.runtime.options;
    return appendAuditEntryInTransaction(manager, recordManualEvent(event, this.runtime.capture), {
      chainId: transactionalChainId(this.runtime.writer.chainId),
      redactor: this.runtime.redactor,
      ...(options.maxEntryBytes !== undefined ? { maxEntryBytes: options.maxEntryBytes } : {}),
    });
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

  /** Mode, queue depth, sync waiters, entries and batches written, failures, last append latency, drops, spool size, circuit state. */
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
