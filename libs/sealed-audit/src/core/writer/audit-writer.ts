import { createHash } from 'node:crypto';
import type { AuditEntry, AuditEvent, ChainHead, SealedEntry } from '../audit-event';
import { ChainConflictError, type AuditStore } from '../audit-store.interface';
import type { Redactor } from '../redaction/redactor';
import { canonicalize } from '../sealing/canonical-json';
import { GENESIS_HASH, attachPayloadText, hashedForm, payloadTextOf, sealEntry } from '../sealing/seal';
import { buildEntry } from './audit-entry.builder';
import { consoleAuditLogger, type AuditLogger } from './audit-logger';
import { AuditSpool, type AuditSpoolOptions, type SpoolSegment } from './audit-spool';

/** `async`: the response does not wait for the audit entry. `sync`: it is sent only after the entry is committed. */
export type AuditDurability = 'async' | 'sync';

export const AUDIT_DURABILITIES: readonly AuditDurability[] = ['async', 'sync'];

/** Writer options (module option `batch` plus the chain id). */
export interface AuditWriterOptions {
  /** The chain this writer appends to. */
  chainId: string;
  /** Entries per transaction. Default 100. */
  batchSize?: number;
  /**
   * Entries per transaction while a backlog waits (more than two batches queued): whole batches,
   * up to this many. Default: 3 × `batchSize`, at most 1 000 (never below `batchSize`). Equal to
   * `batchSize` for transactions of a fixed size.
   */
  maxBatchSize?: number;
  /** How long an entry may wait for its batch to fill, in ms. Default 200. */
  maxDelayMs?: number;
  /** Events held in memory at most; beyond it the oldest are dropped and counted. Default 10 000. */
  maxQueue?: number;
  /** How long to keep retrying a failing store before `close()` gives up, in ms. Default 5 000. */
  closeTimeoutMs?: number;
  /**
   * Local spool for outages: batches the store refuses (for any reason but a lost race) are kept,
   * sealed, in an fsync'd file and replayed in order once the store answers. Off when absent.
   */
  spool?: AuditSpoolOptions | false;
  /** Cap of an entry's payload in UTF-8 bytes (see `buildEntry`). Default 64 KiB. */
  maxEntryBytes?: number;
  /** The module's default durability, reported by `stats()`. Default `async`. */
  durability?: AuditDurability;
  logger?: AuditLogger;
  /** Observers of committed entries, e.g. a `Checkpointer` (its `hook`). */
  hooks?: readonly AuditWriterHook[];
}

/**
 * Sees what the writer commits. `afterAppend` runs after each committed transaction with its
 * entries in seq order (synchronously: keep it cheap, start async work yourself); `beforeClose`
 * runs at `close()` after the last batch is flushed and before the store is closed. A hook that
 * throws is logged and never breaks the writer. Spooled entries are reported when their replay
 * commits, never before.
 */
export interface AuditWriterHook {
  afterAppend?(entries: readonly SealedEntry[]): void;
  beforeClose?(): Promise<void>;
}

/** Counters of the writer, for health checks and metrics. */
export interface AuditWriterStats {
  chainId: string;
  /** The module's default durability. */
  mode: AuditDurability;
  /** Events waiting in memory to be written. */
  queued: number;
  /** `sync` callers waiting for their entry's commit. */
  syncWaiting: number;
  /** Entries committed to the store since start (replayed ones included). */
  written: number;
  /** Transactions committed. */
  batches: number;
  /** Failed append attempts (the events stay queued or go to the spool, and are retried). */
  writeFailures: number;
  /** Events lost: the queue or the spool was full, or an event could not be turned into an entry. */
  dropped: number;
  /** Lost races on the chain head that were resolved by re-sealing. */
  conflicts: number;
  /** Duration of the last committed append, in ms. */
  lastAppendMs: number | null;
  /** Message of the last store error, if the last append failed. */
  lastError: string | null;
  /** `open` while the store is considered down (batches go to the spool; a probe retries on backoff). */
  circuit: 'closed' | 'open';
  /** Entries in the spool not yet replayed, and the bytes its files hold. */
  spooledEntries: number;
  spoolBytes: number;
  /** Entries dropped because the spool reached `maxBytes` (also counted in `dropped`). */
  spoolDropped: number;
  /** Entries committed by replaying the spool. */
  replayed: number;
}

/** Thrown by the writer when used before `start()` or after `close()`. */
export class AuditWriterStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditWriterStateError';
  }
}

/**
 * Rejection of {@link AuditWriter.enqueueAndWait}: the entry was not committed. It is not lost
 * unless `stats().dropped` says so: it stays queued (or spooled) and is written when the store
 * answers again, so the action it records is audited at least once.
 */
export class AuditUnavailableError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The audit trail is unavailable: the audit entry was not committed (${reason}). ` +
        'It stays queued or spooled and is written once the database answers again. Check the database connection; `AuditService.stats()` shows the writer state.',
      options,
    );
    this.name = 'AuditUnavailableError';
  }
}

const MAX_CONFLICT_RETRIES = 10;
/**
 * Default `maxBatchSize`: this many batches... Measured (store benchmark, PostgreSQL, batches of
 * 100): 300-entry transactions kept the bulk rate (0.78× of the raw INSERT; 100: 0.75×), 1 000-entry
 * ones halved it (0.58×, twice the Node CPU per entry: the garbage of a 14 000-value statement).
 */
const MAX_BACKLOG_FACTOR = 3;
/** ...and this many entries at most. */
const MAX_BACKLOG_BATCH = 1_000;
const MAX_BACKOFF_MS = 5_000;

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/** An entry built (redacted) elsewhere, e.g. on the thread that captured it (see `enqueueEntry`). */
export type BuiltAuditEntry = Omit<AuditEntry, 'seq'>;

interface QueuedEvent {
  /** The captured event, redacted when its batch is sealed; or `entry`, already built. */
  event?: AuditEvent;
  entry?: BuiltAuditEntry;
  waiter?: Waiter | undefined;
  /** Could not become an entry: dropped with its batch, counted once. */
  dead?: boolean;
}

/** A batch sealed ahead, while the batch before it was being committed (see `presealNext`). */
interface Presealed {
  /** The head it was sealed after: reusable only while the writer's head still equals it. */
  start: ChainHead | null;
  items: QueuedEvent[];
  sealed: SealedEntry[];
  head: ChainHead | null;
  index: number[];
}

interface ReplayState {
  /** Head of the chain as stored after the last replayed chunk. */
  head: ChainHead | null;
  /** Entries of this segment are re-sealed from `head` (the stored chain moved past the spool's base). */
  reseal: boolean;
  /** Content keys of entries already stored after the segment's base: skipped, never appended twice. */
  skip: Set<string> | null;
}

/**
 * Queues captured events, and off the response path redacts, seals and appends them in batches
 * (one transaction each). In `async` use the request never waits and never fails because of the
 * writer: store errors are logged, counted and retried with backoff; the queue is bounded; with a
 * spool, batches the store refuses are kept sealed on local disk and replayed in order.
 * `enqueueAndWait` is the `sync` path: it resolves when the batch holding the entry commits
 * (concurrent callers share one transaction) and rejects with {@link AuditUnavailableError}.
 *
 * @example
 * const writer = new AuditWriter(store, new Redactor(), { chainId: 'api-1', spool: { directory: './.sealed-audit-spool' } });
 * await writer.start();
 * writer.enqueue(event);
 * await writer.enqueueAndWait(otherEvent); // committed
 * await writer.close(); // flushes
 */
export class AuditWriter {
  private readonly queue: QueuedEvent[] = [];
  private readonly logger: AuditLogger;
  private readonly batchSize: number;
  private readonly maxBatchSize: number;
  private readonly maxDelayMs: number;
  private readonly maxQueue: number;
  private readonly closeTimeoutMs: number;
  private readonly spool: AuditSpool | undefined;
  private readonly replays = new Map<SpoolSegment, ReplayState>();
  /** Waiters of entries spooled while the store was up (a replay in progress), by seq in the own spool file. */
  private readonly spoolWaiters = new Map<number, Waiter>();
  private head: ChainHead | null | undefined;
  /** Events at the front of the queue that an append (or a spool write) in progress holds. */
  private inFlight = 0;
  private presealed: Presealed | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private running: Promise<void> | undefined;
  private failures = 0;
  private openUntil = 0;
  private waiting = 0;
  private state: 'new' | 'started' | 'closing' | 'closed' = 'new';
  private readonly counters = {
    written: 0,
    batches: 0,
    writeFailures: 0,
    dropped: 0,
    conflicts: 0,
    lastAppendMs: null as number | null,
    lastError: null as string | null,
    spoolDropped: 0,
    replayed: 0,
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
    this.maxBatchSize = Math.max(this.batchSize, options.maxBatchSize ?? Math.min(MAX_BACKLOG_FACTOR * this.batchSize, MAX_BACKLOG_BATCH));
    this.maxDelayMs = options.maxDelayMs ?? 200;
    this.maxQueue = options.maxQueue ?? 10_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    this.spool = options.spool ? new AuditSpool(options.spool, this.logger) : undefined;
  }

  get chainId(): string {
    return this.options.chainId;
  }

  /**
   * Initializes the store (schema check/install), claims a leftover spool of a crashed process
   * and reads the chain head. Fails loudly: a misconfigured store must stop start-up.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    await this.store.init();
    if (this.spool) await this.spool.claimLeftovers();
    const tail = this.spool?.tailOf(this.chainId);
    this.head = tail ? headOf(tail) : await this.store.readHead(this.chainId);
    this.state = 'started';
    if (this.queue.length > 0 || this.spool?.hasPending()) this.scheduleIn(0);
  }

  /** Adds an event; returns at once. Never throws for a full queue: the oldest event is dropped and counted. */
  enqueue(event: AuditEvent): void {
    this.push({ event });
  }

  /**
   * Adds an entry that {@link buildEntry} already made (redacted, payload text attached), e.g. on
   * the thread that captured it while this writer runs in a worker. `entry.chainId` is replaced by
   * this writer's chain. Returns at once; with `wait`, resolves when it is committed (like
   * {@link enqueueAndWait}).
   */
  enqueueEntry(entry: BuiltAuditEntry, wait: true): Promise<void>;
  enqueueEntry(entry: BuiltAuditEntry, wait?: false): void;
  enqueueEntry(entry: BuiltAuditEntry, wait = false): Promise<void> | void {
    if (!wait) {
      this.push({ entry });
      return;
    }
    return this.pushAndWait({ entry });
  }

  /**
   * Adds an event and resolves when it is committed. The write is scheduled at once, so
   * concurrent callers share one transaction (group commit). Rejects with
   * {@link AuditUnavailableError} when the store fails (or is known to be down): the entry then
   * stays queued or spooled and is written later.
   */
  enqueueAndWait(event: AuditEvent): Promise<void> {
    return this.pushAndWait({ event });
  }

  private pushAndWait(item: QueuedEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      item.waiter = { resolve, reject };
      this.waiting += 1;
      if (!this.push(item)) return;
      if (this.isOpen()) this.settle(item, new AuditUnavailableError(`the database is unreachable: ${this.counters.lastError ?? 'unknown error'}`));
      else this.scheduleIn(0);
    });
  }

  /** Resolves when everything queued before the call is committed (spool replay included), or the store keeps failing. */
  async flush(): Promise<void> {
    if (this.state === 'new') throw new AuditWriterStateError('flush() before start(): call start() first.');
    // The drain reschedules whatever it leaves (a probe, a partial batch).
    this.clearTimer();
    await this.drain(true, true);
  }

  /**
   * Flushes (retrying a failing store until `closeTimeoutMs`), then closes the store. With a spool,
   * what cannot be written in time stays in the spool for the next start instead of being dropped.
   */
  async close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'closing') return;
    const wasStarted = this.state === 'started';
    this.state = 'closing';
    this.clearTimer();
    if (wasStarted) {
      const deadline = Date.now() + this.closeTimeoutMs;
      for (;;) {
        await this.drain(true, true);
        if (this.queue.length === 0 && !this.spool?.hasPending()) break;
        // The store is down and the rest is safe on disk: the next start replays it.
        if (this.spool && this.isOpen() && this.queue.length === 0) break;
        if (Date.now() >= deadline) break;
        await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
      }
      if (this.queue.length > 0 && this.spool && this.head !== undefined) {
        await this.run(async () => {
          while (this.queue.length > 0 && (await this.spoolBatch(this.queue.slice(0, this.batchSize), false)));
        });
      }
      if (this.queue.length > 0) {
        this.counters.dropped += this.queue.length;
        this.logger.error(`closing with ${this.queue.length} unwritten audit event(s): the store kept failing (${this.counters.lastError ?? 'unknown error'})`);
        for (const item of this.queue) this.settle(item, new AuditUnavailableError('the audit writer closed before the entry could be written'));
        this.queue.length = 0;
      }
      const left = this.spool?.pendingEntries ?? 0;
      if (left > 0) this.logger.warn(`closing with ${left} audit entr${left === 1 ? 'y' : 'ies'} in the spool (${this.spool?.directory}); the next start replays them`);
    }
    this.rejectSpoolWaiters(new AuditUnavailableError('the audit writer closed before the entry could be written'));
    this.state = 'closed';
    for (const hook of this.options.hooks ?? []) {
      try {
        await hook.beforeClose?.();
      } catch (error) {
        this.logger.error(`an audit writer hook failed at close: ${describe(error)}`);
      }
    }
    await this.spool?.close();
    await this.store.close();
  }

  stats(): AuditWriterStats {
    const { written, batches, writeFailures, dropped, conflicts, lastAppendMs, lastError, spoolDropped, replayed } = this.counters;
    return {
      chainId: this.chainId,
      mode: this.options.durability ?? 'async',
      queued: this.queue.length,
      syncWaiting: this.waiting + this.spoolWaiters.size,
      written,
      batches,
      writeFailures,
      dropped,
      conflicts,
      lastAppendMs,
      lastError,
      circuit: this.isOpen() ? 'open' : 'closed',
      spooledEntries: this.spool?.pendingEntries ?? 0,
      spoolBytes: this.spool?.bytes ?? 0,
      spoolDropped,
      replayed,
    };
  }

  private push(item: QueuedEvent): boolean {
    if (this.state === 'closed') {
      this.counters.dropped += 1;
      this.logger.error(`audit event "${actionOf(item)}" arrived after the writer closed; it was dropped`);
      this.settle(item, new AuditUnavailableError('the audit writer is closed'));
      return false;
    }
    if (this.queue.length >= this.maxQueue) {
      // The oldest event that no write in progress holds: those may be committed already, and the
      // write takes them off the front of the queue by count when it completes.
      const oldest = this.inFlight < this.queue.length ? this.queue.splice(this.inFlight, 1)[0] : item;
      this.counters.dropped += 1;
      if (this.counters.dropped === 1 || this.counters.dropped % 1000 === 0) {
        this.logger.error(`audit queue full (${this.maxQueue}); ${this.counters.dropped} event(s) dropped so far`);
      }
      if (oldest) {
        // A batch sealed ahead that holds it is no longer the front of the queue: never reused.
        oldest.dead = true;
        this.settle(oldest, new AuditUnavailableError('the audit queue is full'));
      }
      if (oldest === item) return false;
    }
    this.queue.push(item);
    if (this.queue.length >= this.batchSize) this.scheduleIn(0);
    else this.scheduleIn(this.maxDelayMs);
    return true;
  }

  /** Runs the drain loop once the timer is due (never later than an already pending timer). */
  private scheduleIn(delayMs: number): void {
    if (this.state !== 'started') return;
    const due = Date.now() + delayMs;
    if (this.timer && this.timerDue <= due) return;
    this.clearTimer();
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain(false, false);
    }, delayMs);
    // A pending batch must not keep the process alive; shutdown hooks flush it.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private isOpen(): boolean {
    return this.openUntil > Date.now();
  }

  /** One drain at a time: sealing is sequential per chain. */
  private drain(untilEmpty: boolean, force: boolean): Promise<void> {
    return this.run(() => this.drainNow(untilEmpty, force));
  }

  private run(work: () => Promise<void>): Promise<void> {
    const run = (this.running ?? Promise.resolve()).then(work);
    const tracked = run.catch((error: unknown) => this.logger.error(`audit writer failure: ${describe(error)}`));
    this.running = tracked;
    void tracked.then(() => {
      if (this.running === tracked) this.running = undefined;
    });
    return run;
  }

  /**
   * Order of work: the spool first (older entries), then the queue. While the store is known to be
   * down (open circuit) the queue goes to the spool and the loop waits for the probe; `force` makes
   * one attempt through an open circuit (flush, close).
   */
  private async drainNow(untilEmpty: boolean, force: boolean): Promise<void> {
    let first = true;
    for (;;) {
      if (this.isOpen() && !force) {
        if (this.spool && this.head !== undefined) {
          // Keep entries on disk rather than in memory while the store is away.
          while (this.queue.length > 0 && (await this.spoolBatch(this.queue.slice(0, this.batchSize), true)));
        }
        this.scheduleIn(this.openUntil - Date.now());
        return;
      }
      force = false;
      if (this.spool?.hasPending() || this.spool?.queue.length) {
        try {
          await this.replayStep();
          this.recovered();
        } catch (error) {
          this.failed(error);
          this.rejectSpoolWaiters(new AuditUnavailableError(this.counters.lastError ?? 'the store failed', { cause: error }));
          continue;
        }
        // Newer events go behind the spool, so each chain stays in order.
        if (this.queue.length > 0 && this.spool.hasPending()) await this.spoolBatch(this.queue.slice(0, this.batchSize), false);
        continue;
      }
      if (this.queue.length === 0) break;
      if (!untilEmpty && !first && this.queue.length < this.batchSize && this.waiting === 0) break;
      first = false;
      await this.writeBatch(this.queue.slice(0, this.nextBatchSize(this.queue.length)));
    }
    if (this.queue.length > 0) this.scheduleIn(this.maxDelayMs);
  }

  /**
   * Entries in the next transaction, of `available` queued: `batchSize`, or while more than two
   * batches wait, as many whole batches as `maxBatchSize` allows. On a busy event loop each
   * transaction costs the writer several turns of it; fewer, larger ones let it catch up instead
   * of filling the queue (seen: the in-thread PostgreSQL writer dropped 0.3% of the events at
   * 2 500 req/s with fixed batches of 100). The store cuts a large batch into statements of
   * bounded rows and bytes.
   */
  private nextBatchSize(available: number): number {
    if (available <= 2 * this.batchSize || this.maxBatchSize === this.batchSize) return this.batchSize;
    return Math.max(this.batchSize, Math.min(this.maxBatchSize, Math.floor(available / this.batchSize) * this.batchSize));
  }

  /**
   * Writes the first `batch.length` queued events. Returns false when the store failed.
   *
   * Pipelined: while the database commits this batch, the next one is redacted and sealed after
   * this batch's head (CPU here while the I/O is there). It is only SENT once this one has
   * committed, so commits stay in chain order and a chain never gets an entry after one that is
   * not stored; if this batch fails (lost race, outage), the head moves elsewhere and the batch
   * sealed ahead no longer matches it, so it is sealed again (see `sealBatch`).
   */
  private async writeBatch(batch: QueuedEvent[]): Promise<boolean> {
    this.inFlight = batch.length;
    try {
      return await this.writeBatchNow(batch);
    } finally {
      this.inFlight = 0;
    }
  }

  private async writeBatchNow(batch: QueuedEvent[]): Promise<boolean> {
    for (let attempt = 0; ; attempt += 1) {
      let sealed: SealedEntry[];
      let head: ChainHead | null;
      let index: number[];
      try {
        if (this.head === undefined) this.head = await this.store.readHead(this.chainId);
        ({ sealed, head, index } = this.sealBatch(batch, this.head));
      } catch (error) {
        this.failed(error);
        this.rejectBatch(batch, error);
        return false;
      }
      const started = performance.now();
      try {
        if (sealed.length > 0) {
          const appending = this.store.append(sealed);
          const cancelAhead = this.presealNext(batch.length, head);
          try {
            await appending;
          } finally {
            // Not started yet (an in-process store answers before it; fake timers never run it):
            // the next batch is simply sealed when its turn comes.
            cancelAhead();
          }
        }
      } catch (error) {
        if (error instanceof ChainConflictError && attempt < MAX_CONFLICT_RETRIES) {
          // Another writer shares this chain: continue from the new head instead of forking.
          this.counters.conflicts += 1;
          this.head = undefined;
          continue;
        }
        this.failed(error);
        if (this.spool && !(error instanceof ChainConflictError)) {
          // Sealed against our own head: kept exactly as sealed; replay skips it if the commit did happen.
          await this.toSpool(batch, sealed, index, error);
        } else {
          this.head = undefined;
          this.rejectBatch(batch, error);
        }
        return false;
      }
      this.queue.splice(0, batch.length);
      this.head = head;
      this.recovered();
      this.committed(sealed, performance.now() - started);
      for (const item of batch) this.settle(item);
      return true;
    }
  }

  /**
   * Seals the events queued after the first `offset` ones (at most a batch) after `start`, once
   * the append just started has had the chance to go out (`setImmediate`: the driver writes the
   * query in the microtasks before it; the database's answer comes in a later turn of the loop).
   * Only a cache: `sealBatch` takes it when it still applies. Returns a cancel function.
   */
  private presealNext(offset: number, start: ChainHead | null): () => void {
    const items = this.queue.slice(offset, offset + this.nextBatchSize(this.queue.length - offset));
    if (items.length === 0) return () => undefined;
    const immediate = setImmediate(() => {
      try {
        this.presealed = { start, items, ...this.seal(items, start) };
      } catch {
        // Never from a timer: the batch is sealed again in its turn, where a failure is handled.
      }
    });
    return () => clearImmediate(immediate);
  }

  /**
   * `seal(batch, start)`, reusing what `presealNext` sealed when it was sealed after a head equal
   * to `start` for events that are still the front of `batch` (sealing is deterministic: same
   * events after the same head give the same entries). Events queued since are sealed after it.
   */
  private sealBatch(batch: QueuedEvent[], start: ChainHead | null): { sealed: SealedEntry[]; head: ChainHead | null; index: number[] } {
    const ahead = this.presealed;
    this.presealed = undefined;
    if (!ahead || !sameHead(ahead.start, start) || ahead.items.length > batch.length) return this.seal(batch, start);
    for (let i = 0; i < ahead.items.length; i += 1) {
      const item = ahead.items[i] as QueuedEvent;
      // Same events by identity; one dropped since (queue full) no longer matches and all is sealed again.
      if (batch[i] !== item || (item.dead && ahead.index[i] !== -1)) return this.seal(batch, start);
    }
    if (ahead.items.length === batch.length) return ahead;
    const rest = this.seal(batch.slice(ahead.items.length), ahead.head);
    const shift = ahead.sealed.length;
    return {
      sealed: ahead.sealed.concat(rest.sealed),
      head: rest.head,
      index: ahead.index.concat(rest.index.map((at) => (at < 0 ? at : at + shift))),
    };
  }

  /** Seals a batch and writes it to the spool (store down, or a replay in progress). False if nothing could be done. */
  private async spoolBatch(batch: QueuedEvent[], storeDown: boolean): Promise<boolean> {
    if (!this.spool || this.head === undefined) return false;
    // A batch sealed ahead of a failed append continues the spooled chain exactly as well.
    const { sealed, index } = this.sealBatch(batch, this.head);
    this.inFlight = batch.length;
    try {
      return await this.toSpool(batch, sealed, index, storeDown ? new Error(this.counters.lastError ?? 'the store is unreachable') : undefined);
    } finally {
      this.inFlight = 0;
    }
  }

  /**
   * Appends a sealed batch to the spool and takes it off the queue. Entries past `maxBytes` are
   * dropped (the head stays at the last spooled one, so the chain has no hole). `storeError` set:
   * the store is down, waiters are rejected; unset: they wait for the replay.
   */
  private async toSpool(batch: QueuedEvent[], sealed: SealedEntry[], index: number[], storeError: unknown): Promise<boolean> {
    const spool = this.spool as AuditSpool;
    let written: number;
    try {
      written = await spool.append(sealed);
    } catch (error) {
      this.counters.writeFailures += 1;
      this.counters.lastError = `spool: ${describe(error)}`;
      this.logger.error(`cannot write the audit spool in ${spool.directory} (${describe(error)}); ${this.queue.length} event(s) stay in memory`);
      if (storeError !== undefined) this.rejectBatch(batch, storeError);
      return false;
    }
    if (written > 0) this.head = headOf(sealed[written - 1] as SealedEntry);
    const lost = sealed.length - written;
    if (lost > 0) {
      this.counters.dropped += lost;
      const before = this.counters.spoolDropped;
      this.counters.spoolDropped += lost;
      if (before === 0 || Math.floor(before / 1000) !== Math.floor(this.counters.spoolDropped / 1000)) {
        this.logger.error(`audit spool full (${spool.maxBytes} bytes in ${spool.directory}); ${this.counters.spoolDropped} entr(ies) dropped so far`);
      }
    }
    this.queue.splice(0, batch.length);
    batch.forEach((item, i) => {
      const at = index[i] ?? -1;
      if (!item.waiter) return;
      if (at < 0 || at >= written) this.settle(item, new AuditUnavailableError(at < 0 ? 'the event could not be sealed' : 'the audit spool is full'));
      else if (storeError !== undefined) this.settle(item, new AuditUnavailableError(describe(storeError), { cause: storeError }));
      else {
        this.spoolWaiters.set((sealed[at] as SealedEntry).seq, item.waiter);
        item.waiter = undefined;
        this.waiting -= 1;
      }
    });
    return true;
  }

  /**
   * Replays one chunk of the oldest spool segment. Idempotent: entries already stored (a crash
   * between commit and file removal, a commit whose acknowledgement was lost) are recognized by
   * content and skipped; if another writer appended to the chain meanwhile, the rest of the
   * segment is re-sealed from the stored head. Throws a store error (the caller opens the circuit).
   */
  private async replayStep(): Promise<void> {
    const spool = this.spool as AuditSpool;
    const segment = spool.queue[0];
    if (!segment) return;
    if (segment.pending === 0) {
      await this.finishSegment(segment);
      return;
    }
    let chunk: Awaited<ReturnType<AuditSpool['read']>>;
    try {
      chunk = await spool.read(segment, this.batchSize);
    } catch (error) {
      // The file vanished or cannot be read: not a store failure; give up on it loudly.
      this.counters.dropped += segment.pending;
      this.logger.error(`audit spool file ${segment.file} cannot be read; its ${segment.pending} entr(ies) are lost: ${describe(error)}`);
      spool.advance(segment, segment.size, segment.pending);
      await this.finishSegment(segment);
      return;
    }
    const { entries, next, corrupt } = chunk;
    if (corrupt > 0) {
      this.counters.dropped += corrupt;
      this.logger.error(`skipped ${corrupt} unreadable line(s) in audit spool file ${segment.file}`);
    }
    if (entries.length === 0) {
      spool.advance(segment, segment.size, segment.pending);
      return;
    }
    let state = this.replays.get(segment);
    if (!state) {
      const stored = await this.store.readHead(segment.chainId);
      const skip = stored && stored.seq >= segment.baseSeq ? await this.storedKeys(segment.chainId, segment.baseSeq, stored.seq) : null;
      state = { head: stored, reseal: false, skip };
      this.replays.set(segment, state);
    }
    let head = state.head;
    let reseal = state.reseal;
    const out: SealedEntry[] = [];
    for (const entry of entries) {
      if (state.skip?.has(contentKey(entry))) continue;
      if (!reseal && links(entry, head)) {
        out.push(entry);
        head = headOf(entry);
        continue;
      }
      if (!reseal) {
        this.logger.warn(
          `audit chain "${segment.chainId}" moved past the spooled entries (head ${head?.seq ?? 0}, spooled from ${entry.seq}): re-sealing them from the stored head`,
        );
      }
      reseal = true;
      const result = sealEntry(unsealed(entry), head);
      out.push(result.sealed);
      head = result.head;
    }
    const started = performance.now();
    try {
      if (out.length > 0) await this.store.append(out);
    } catch (error) {
      if (error instanceof ChainConflictError) {
        // Someone appended to the chain between our read and our write: recompute from the new head.
        this.counters.conflicts += 1;
        this.replays.delete(segment);
        return;
      }
      throw error;
    }
    state.head = head;
    state.reseal = reseal;
    spool.advance(segment, next, entries.length);
    this.counters.replayed += out.length;
    if (out.length > 0) this.committed(out, performance.now() - started);
    if (segment.own) {
      for (const entry of entries) {
        const waiter = this.spoolWaiters.get(entry.seq);
        if (!waiter) continue;
        this.spoolWaiters.delete(entry.seq);
        waiter.resolve();
      }
    }
    if (segment.pending === 0) await this.finishSegment(segment);
  }

  private async finishSegment(segment: SpoolSegment): Promise<void> {
    const state = this.replays.get(segment);
    this.replays.delete(segment);
    await (this.spool as AuditSpool).finish(segment);
    if (segment.chainId === this.chainId && !this.spool?.hasPending(this.chainId)) {
      // Our chain continues after what the replay committed (re-sealed or not).
      this.head = state ? state.head : undefined;
    }
    if (segment.own && this.spoolWaiters.size > 0) this.rejectSpoolWaiters(new AuditUnavailableError('the spooled entry could not be read back'));
  }

  /** Content keys (everything hashed but the position) of stored entries `fromSeq..toSeq` of a chain. */
  private async storedKeys(chainId: string, fromSeq: number, toSeq: number): Promise<Set<string>> {
    const keys = new Set<string>();
    const readChain = (this.store as Partial<{ readChain(chainId: string, afterSeq: number): AsyncIterable<SealedEntry> }>).readChain;
    const source = typeof readChain === 'function' ? readChain.call(this.store, chainId, fromSeq - 1) : this.store.read({ chainId });
    for await (const entry of source) {
      if (entry.seq < fromSeq) continue;
      if (entry.seq > toSeq) break;
      keys.add(contentKey(entry));
    }
    return keys;
  }

  private committed(sealed: SealedEntry[], ms: number): void {
    this.counters.written += sealed.length;
    this.counters.batches += 1;
    this.counters.lastAppendMs = ms;
    this.counters.lastError = null;
    if (sealed.length > 0) this.notify(sealed);
  }

  /**
   * Redacts and seals a batch after `head`. An event that cannot become an entry is dropped alone,
   * not the batch. `index[i]` is the position of `batch[i]`'s entry in `sealed`, or -1.
   */
  private seal(batch: QueuedEvent[], start: ChainHead | null): { sealed: SealedEntry[]; head: ChainHead | null; index: number[] } {
    let head = start;
    const sealed: SealedEntry[] = [];
    const index: number[] = [];
    const limits = this.options.maxEntryBytes !== undefined ? { maxEntryBytes: this.options.maxEntryBytes } : undefined;
    for (const item of batch) {
      if (item.dead) {
        index.push(-1);
        continue;
      }
      try {
        const result = sealEntry(item.entry ? this.onOwnChain(item.entry) : buildEntry(item.event as AuditEvent, this.chainId, this.redactor, limits), head);
        index.push(sealed.length);
        sealed.push(result.sealed);
        head = result.head;
      } catch (error) {
        item.dead = true;
        index.push(-1);
        this.counters.dropped += 1;
        this.logger.error(`audit event "${actionOf(item)}" could not be sealed and was dropped: ${describe(error)}`);
        this.settle(item, new AuditUnavailableError('the event could not be sealed', { cause: error }));
      }
    }
    return { sealed, head, index };
  }

  /** A built entry on this writer's chain (a copy when it was built for another one). */
  private onOwnChain(entry: BuiltAuditEntry): BuiltAuditEntry {
    if (entry.chainId === this.chainId) return entry;
    const copy: BuiltAuditEntry = { ...entry, chainId: this.chainId };
    const text = payloadTextOf(entry);
    if (text !== undefined) attachPayloadText(copy, text);
    return copy;
  }

  private settle(item: QueuedEvent, error?: Error): void {
    const waiter = item.waiter;
    if (!waiter) return;
    item.waiter = undefined;
    this.waiting -= 1;
    if (error) waiter.reject(error);
    else waiter.resolve();
  }

  private rejectBatch(batch: QueuedEvent[], error: unknown): void {
    for (const item of batch) this.settle(item, new AuditUnavailableError(describe(error), { cause: error }));
  }

  private rejectSpoolWaiters(error: AuditUnavailableError): void {
    for (const waiter of this.spoolWaiters.values()) waiter.reject(error);
    this.spoolWaiters.clear();
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

  private recovered(): void {
    if (this.failures > 0) this.logger.log(`audit store answers again after ${this.failures} failed attempt(s)`);
    this.failures = 0;
    this.openUntil = 0;
  }

  private failed(error: unknown): void {
    this.failures += 1;
    this.counters.writeFailures += 1;
    this.counters.lastError = describe(error);
    this.openUntil = Date.now() + this.backoff();
    if (this.failures === 1 || this.failures % 50 === 0) {
      const where = this.spool ? `spooling to ${this.spool.directory}` : 'retrying';
      this.logger.error(`audit store append failed (${this.failures} in a row; ${this.queue.length} queued, ${where}): ${this.counters.lastError}`);
    }
  }

  private backoff(): number {
    return Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(this.failures - 1, 6));
  }
}

function headOf(entry: SealedEntry): ChainHead {
  return { chainId: entry.chainId, seq: entry.seq, hash: entry.hash };
}

function sameHead(a: ChainHead | null, b: ChainHead | null): boolean {
  return a === b || (a !== null && b !== null && a.seq === b.seq && a.hash === b.hash && a.chainId === b.chainId);
}

function links(entry: SealedEntry, head: ChainHead | null): boolean {
  return head ? entry.seq === head.seq + 1 && entry.prevHash === head.hash : entry.seq === 1 && entry.prevHash === GENESIS_HASH;
}

/** The entry without its position in the chain, ready to be sealed again. */
function unsealed(entry: SealedEntry): Omit<SealedEntry, 'seq' | 'prevHash' | 'hash'> {
  const { seq: _seq, ...rest } = hashedForm(entry);
  return rest;
}

/** Identity of an entry regardless of where it sits in its chain (everything hashed but seq). */
function contentKey(entry: SealedEntry): string {
  return createHash('sha256').update(canonicalize({ ...hashedForm(entry), seq: 0 })).digest('hex');
}

/** Store errors carry no captured values; only their class and message are logged. */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function actionOf(item: QueuedEvent): string {
  return String(item.entry?.action ?? item.event?.action);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
