import type { AuditEvent, ChainHead, SealedEntry } from '../audit-event';
import { ChainConflictError, type AuditStore } from '../audit-store.interface';
import type { Redactor } from '../redaction/redactor';
import { sealEntry } from '../sealing/seal';
import { buildEntry } from './audit-entry.builder';
import { consoleAuditLogger, type AuditLogger } from './audit-logger';

/** Writer options (module option `batch` plus the chain id). */
export interface AuditWriterOptions {
  /** The chain this writer appends to. */
  chainId: string;
  /** Entries per transaction. Default 100. */
  batchSize?: number;
  /** How long an entry may wait for its batch to fill, in ms. Default 200. */
  maxDelayMs?: number;
  /** Events held in memory at most; beyond it the oldest are dropped and counted. Default 10 000. */
  maxQueue?: number;
  /** How long to keep retrying a failing store before `close()` gives up, in ms. Default 5 000. */
  closeTimeoutMs?: number;
  logger?: AuditLogger;
  /** Observers of committed entries, e.g. a `Checkpointer` (its `hook`). */
  hooks?: readonly AuditWriterHook[];
}

/**
 * Sees what the writer commits. `afterAppend` runs after each committed transaction with its
 * entries in seq order (synchronously: keep it cheap, start async work yourself); `beforeClose`
 * runs at `close()` after the last batch is flushed and before the store is closed. A hook that
 * throws is logged and never breaks the writer.
 */
export interface AuditWriterHook {
  afterAppend?(entries: readonly SealedEntry[]): void;
  beforeClose?(): Promise<void>;
}

/** Counters of the writer, for health checks and metrics. */
export interface AuditWriterStats {
  chainId: string;
  /** Events waiting to be written. */
  queued: number;
  /** Entries committed to the store since start. */
  written: number;
  /** Transactions committed. */
  batches: number;
  /** Failed append attempts (the events stay queued and are retried). */
  writeFailures: number;
  /** Events lost: the queue was full, or an event could not be turned into an entry. */
  dropped: number;
  /** Lost races on the chain head that were resolved by re-sealing. */
  conflicts: number;
  /** Duration of the last committed append, in ms. */
  lastAppendMs: number | null;
  /** Message of the last store error, if the last append failed. */
  lastError: string | null;
}

/** Thrown by the writer when used before `start()` or after `close()`. */
export class AuditWriterStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditWriterStateError';
  }
}

const MAX_CONFLICT_RETRIES = 10;
const MAX_BACKOFF_MS = 5_000;

/**
 * Queues captured events, and off the response path redacts, seals and appends them in batches
 * (one transaction each). The request never waits and never fails because of the writer: store
 * errors are logged, counted and retried with backoff; the queue is bounded.
 *
 * @example
 * const writer = new AuditWriter(store, new Redactor(), { chainId: 'api-1' });
 * await writer.start();
 * writer.enqueue(event);
 * await writer.close(); // flushes
 */
export class AuditWriter {
  private readonly queue: AuditEvent[] = [];
  private readonly logger: AuditLogger;
  private readonly batchSize: number;
  private readonly maxDelayMs: number;
  private readonly maxQueue: number;
  private readonly closeTimeoutMs: number;
  private head: ChainHead | null | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;
  private state: 'new' | 'started' | 'closing' | 'closed' = 'new';
  private readonly counters: Omit<AuditWriterStats, 'queued' | 'chainId'> = {
    written: 0,
    batches: 0,
    writeFailures: 0,
    dropped: 0,
    conflicts: 0,
    lastAppendMs: null,
    lastError: null,
  };

  constructor(
    private readonly store: AuditStore,
    private readonly redactor: Redactor,
    private readonly options: AuditWriterOptions,
  ) {
    if (typeof options.chainId !== 'string' || options.chainId.length === 0 || options.chainId.length > 128) {
      throw new AuditWriterStateError('chainId must be a non-empty string of at most 128 characters.');
    }
    this.logger = options.logger ?? consoleAuditLogger;
    this.batchSize = options.batchSize ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 200;
    this.maxQueue = options.maxQueue ?? 10_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
  }

  get chainId(): string {
    return this.options.chainId;
  }

  /** Initializes the store (schema check/install). Fails loudly: a misconfigured store must stop start-up. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    await this.store.init();
    this.state = 'started';
    if (this.queue.length > 0) this.schedule(0);
  }

  /** Adds an event; returns at once. Never throws for a full queue: the oldest event is dropped and counted. */
  enqueue(event: AuditEvent): void {
    if (this.state === 'closed') {
      this.counters.dropped += 1;
      this.logger.error(`audit event "${event.action}" arrived after the writer closed; it was dropped`);
      return;
    }
    if (this.queue.length >= this.maxQueue) {
      this.queue.shift();
      this.counters.dropped += 1;
      if (this.counters.dropped === 1 || this.counters.dropped % 1000 === 0) {
        this.logger.error(`audit queue full (${this.maxQueue}); ${this.counters.dropped} event(s) dropped so far`);
      }
    }
    this.queue.push(event);
    if (this.state !== 'started') return;
    if (this.queue.length >= this.batchSize) this.schedule(0);
    else if (!this.timer) this.schedule(this.maxDelayMs);
  }

  /** Resolves when everything queued before the call is committed, or the store keeps failing. */
  async flush(): Promise<void> {
    if (this.state === 'new') throw new AuditWriterStateError('flush() before start(): call start() first.');
    this.clearTimer();
    await this.drain(true);
  }

  /** Flushes (retrying a failing store until `closeTimeoutMs`), then closes the store. */
  async close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'closing') return;
    const wasStarted = this.state === 'started';
    this.state = 'closing';
    this.clearTimer();
    if (wasStarted) {
      const deadline = Date.now() + this.closeTimeoutMs;
      await this.drain(true);
      while (this.queue.length > 0 && Date.now() < deadline) {
        await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
        await this.drain(true);
      }
      if (this.queue.length > 0) {
        this.counters.dropped += this.queue.length;
        this.logger.error(`closing with ${this.queue.length} unwritten audit event(s): the store kept failing (${this.counters.lastError ?? 'unknown error'})`);
        this.queue.length = 0;
      }
    }
    this.state = 'closed';
    for (const hook of this.options.hooks ?? []) {
      try {
        await hook.beforeClose?.();
      } catch (error) {
        this.logger.error(`an audit writer hook failed at close: ${describe(error)}`);
      }
    }
    await this.store.close();
  }

  stats(): AuditWriterStats {
    return { chainId: this.chainId, queued: this.queue.length, ...this.counters };
  }

  private schedule(delayMs: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain(false);
    }, delayMs);
    // A pending batch must not keep the process alive; shutdown hooks flush it.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One drain at a time: sealing is sequential per chain. */
  private drain(untilEmpty: boolean): Promise<void> {
    const run = (this.running ?? Promise.resolve()).then(() => this.drainNow(untilEmpty));
    const tracked = run.catch(() => undefined);
    this.running = tracked;
    void tracked.then(() => {
      if (this.running === tracked) this.running = undefined;
    });
    return run;
  }

  private async drainNow(untilEmpty: boolean): Promise<void> {
    while (this.queue.length > 0) {
      const ok = await this.writeBatch(this.queue.slice(0, this.batchSize));
      if (!ok) {
        if (this.state === 'started') this.schedule(this.backoff());
        return;
      }
      if (!untilEmpty && this.queue.length < this.batchSize) break;
    }
    if (this.queue.length > 0 && this.state === 'started' && !this.timer) this.schedule(this.maxDelayMs);
  }

  /** Writes the first `batch.length` queued events. Returns false when the store failed (events stay queued). */
  private async writeBatch(batch: AuditEvent[]): Promise<boolean> {
    for (let attempt = 0; ; attempt += 1) {
      let sealed: SealedEntry[];
      let head: ChainHead | null;
      try {
        if (this.head === undefined) this.head = await this.store.readHead(this.chainId);
        ({ sealed, head } = this.seal(batch));
      } catch (error) {
        return this.failed(error);
      }
      const started = performance.now();
      try {
        if (sealed.length > 0) await this.store.append(sealed);
      } catch (error) {
        if (error instanceof ChainConflictError && attempt < MAX_CONFLICT_RETRIES) {
          // Another writer shares this chain: continue from the new head instead of forking.
          this.counters.conflicts += 1;
          this.head = undefined;
          continue;
        }
        this.head = undefined;
        return this.failed(error);
      }
      this.queue.splice(0, batch.length);
      this.head = head;
      this.failures = 0;
      this.counters.written += sealed.length;
      this.counters.batches += 1;
      this.counters.lastAppendMs = performance.now() - started;
      this.counters.lastError = null;
      if (sealed.length > 0) this.notify(sealed);
      return true;
    }
  }

  /** Redacts and seals a batch. An event that cannot become an entry is dropped alone, not the batch. */
  private seal(batch: AuditEvent[]): { sealed: SealedEntry[]; head: ChainHead | null } {
    let head = this.head ?? null;
    const sealed: SealedEntry[] = [];
    for (const event of batch) {
      try {
        const result = sealEntry(buildEntry(event, this.chainId, this.redactor), head);
        sealed.push(result.sealed);
        head = result.head;
      } catch (error) {
        this.counters.dropped += 1;
        this.logger.error(`audit event "${String(event.action)}" could not be sealed and was dropped: ${describe(error)}`);
      }
    }
    return { sealed, head };
  }

  private notify(entries: readonly SealedEntry[]): void {
    for (const hook of this.options.hooks ?? []) {
      try {
        hook.afterAppend?.(entries);
      } catch (error) {
        this.logger.error(`an audit writer hook failed after an append: ${describe(error)}`);
      }
    }
  }

  private failed(error: unknown): false {
    this.failures += 1;
    this.counters.writeFailures += 1;
    this.counters.lastError = describe(error);
    if (this.failures === 1 || this.failures % 50 === 0) {
      this.logger.error(`audit store append failed (${this.failures} in a row; ${this.queue.length} queued, retrying): ${this.counters.lastError}`);
    }
    return false;
  }

  private backoff(): number {
    return Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(this.failures - 1, 6));
  }
}

/** Store errors carry no captured values; only their class and message are logged. */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
