import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  AuditUnavailableError,
  AuditWriterStateError,
  buildEntry,
  type AuditEvent,
  type AuditLogger,
  type AuditWriterStats,
  type Redactor,
} from '../../core';
import { packEntry, type EntrySlot, type FromWriterThread, type ToWriterThread, type WriterThreadData } from './writer-thread-protocol';

/** What the runtime, the Nest module and the Express middleware need of a writer (in-thread or not). */
export interface AuditEntryWriter {
  readonly chainId: string;
  start(): Promise<void>;
  enqueue(event: AuditEvent): void;
  enqueueAndWait(event: AuditEvent): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  stats(): AuditWriterStats;
}

/** Thrown by `start()` when the writer thread could not open the store (the message is the store's). */
export class AuditWriterThreadStartError extends Error {
  constructor(
    readonly causeName: string,
    message: string,
  ) {
    super(message);
    this.name = causeName === 'Error' ? 'AuditWriterThreadStartError' : causeName;
  }
}

/** Counters that add up over the writer's life: kept from a worker that died (see `carried`). */
const CARRIED_COUNTERS = ['written', 'batches', 'writeFailures', 'dropped', 'conflicts', 'spoolDropped', 'replayed'] as const;
type CarriedCounter = (typeof CARRIED_COUNTERS)[number];

/** Async entries travel to the worker together: after this many ms, or once this many are waiting. */
const POST_DELAY_MS = 5;
const POST_BATCH = 64;

/** Restarts of a writer thread that died, at most this many per minute; then events are dropped and counted. */
const MAX_RESTARTS_PER_MINUTE = 3;

interface Pending {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * The `writerThread: true` writer: events are redacted and turned into entries on the calling
 * thread (with the application's DTO classes, custom detectors and strategy functions, which
 * cannot cross threads), then posted in groups (one flat array per message; async entries wait
 * up to 5 ms to travel together, `sync` ones go at the end of the turn) to a worker thread that seals, stores, spools and checkpoints them with its own connection.
 *
 * What this moves off the request thread: sealing (canonical hashing), the database driver
 * (including SQLite, whose writes and fsyncs otherwise block the event loop), the spool and the
 * checkpointer. `sync` callers wait for their entry's commit exactly as with the in-thread writer.
 * If the worker dies it is restarted (a few times a minute at most); entries it held and had not
 * committed are lost like those of a crashed process (`sync` callers get
 * {@link AuditUnavailableError}), the spool it left is replayed by the next one.
 */
export class AuditWriterThread implements AuditEntryWriter {
  private worker: Worker | undefined;
  /** Events waiting for the next post, and their waiter ids (0: nobody waits). */
  private pending: AuditEvent[] = [];
  private pendingIds: number[] = [];
  private immediate: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiters = new Map<number, Pending>();
  private readonly requests = new Map<number, { resolve(stats: AuditWriterStats): void; reject(error: Error): void }>();
  private nextId = 1;
  private state: 'new' | 'starting' | 'started' | 'closing' | 'closed' | 'failed' = 'new';
  private lastStats: AuditWriterStats;
  /** Events dropped on this side: not buildable, after close, or while no thread runs. */
  private droppedHere = 0;
  private restarts: number[] = [];
  /**
   * The restart in flight after a worker died (never rejects). Fix (writer-thread e2e suite):
   * `flush()` threw "flush() before start()" and `close()` returned at once while a new worker
   * started, leaving that worker running and the events queued meanwhile unwritten at close.
   */
  private restarting: Promise<void> | undefined;
  /**
   * Counters of the workers that died. Fix (writer-thread e2e suite): `stats()` fell back to the
   * new worker's counters (written, dropped… from 0) after a restart; they now add up over the
   * writer's life as with the in-thread writer (as of the dead worker's last report).
   */
  private readonly carried: Pick<AuditWriterStats, CarriedCounter> = { written: 0, batches: 0, writeFailures: 0, dropped: 0, conflicts: 0, spoolDropped: 0, replayed: 0 };
  private readonly limits: { maxEntryBytes?: number } | undefined;

  constructor(
    private readonly data: WriterThreadData,
    private readonly redactor: Redactor,
    private readonly logger: AuditLogger,
    /** @internal The worker's script (the compiled `audit-writer.worker.js` next to this file by default). */
    private readonly script: string = defaultWorkerScript(),
  ) {
    this.limits = data.maxEntryBytes !== undefined ? { maxEntryBytes: data.maxEntryBytes } : undefined;
    this.lastStats = emptyStats(data.chainId, data.durability);
  }

  get chainId(): string {
    return this.data.chainId;
  }

  /** Starts the worker; rejects with the store's own error when it cannot open the store (like the in-thread writer). */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'starting';
    try {
      await this.spawn();
      this.state = 'started';
    } catch (error) {
      this.state = 'failed';
      throw error;
    }
  }

  enqueue(event: AuditEvent): void {
    this.add(event, 0);
  }

  enqueueAndWait(event: AuditEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const id = this.nextId++;
      this.waiters.set(id, { resolve, reject });
      this.refWhileWaiting();
      if (!this.add(event, id)) this.settle(id, new AuditUnavailableError(this.state === 'failed' ? 'the audit writer thread is down' : 'the audit writer is closed'));
    });
  }

  /** Resolves when everything enqueued before the call is committed (or the store keeps failing), like the in-thread writer. */
  async flush(): Promise<void> {
    // A restart in flight: the events queued meanwhile go to the new worker once it runs.
    if (this.restarting) await this.restarting;
    if (this.state === 'new' || this.state === 'starting') throw new AuditWriterStateError('flush() before start(): call start() first.');
    if (this.state !== 'started') return;
    const worker = this.worker;
    try {
      const stats = await this.request('flush');
      // The 'done' handler stored these already; if the worker's exit was handled before this
      // continuation ran, its counters were carried over and must not be stored a second time.
      if (this.worker === worker) this.lastStats = stats;
    } catch {
      // The worker died during the flush (its waiters were told, a new one is starting): like the
      // in-thread writer's flush, this never rejects; what the new worker gets is written by it.
      if (this.restarting) await this.restarting;
    }
  }

  /** Flushes and closes the store in the worker (the same retries and spool rules), then ends the thread. */
  async close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'closing') return;
    const restarting = this.restarting;
    const wasStarted = this.state === 'started' || restarting !== undefined;
    this.state = 'closing';
    // Wait for a restart in flight, so that its worker writes what is queued and is closed, not left running.
    if (restarting) await restarting;
    if (wasStarted && this.worker) {
      const worker = this.worker;
      try {
        const stats = await this.request('close');
        // The worker ends itself after answering: when its exit was handled before this
        // continuation ran, its counters are in `carried` already (storing them again counted
        // every entry twice).
        if (this.worker === worker) this.lastStats = stats;
      } catch (error) {
        this.logger.error(`the audit writer thread did not close cleanly: ${describe(error)}`);
      }
      this.worker = undefined;
      await worker.terminate().catch(() => undefined);
    }
    this.state = 'closed';
    this.failWaiters(new AuditUnavailableError('the audit writer closed before the entry could be written'));
  }

  /** The worker's counters (as of its last report, at most ~100 ms old; exact after `flush()`), plus what waits on this side. */
  stats(): AuditWriterStats {
    const stats = { ...this.lastStats };
    for (const key of CARRIED_COUNTERS) stats[key] += this.carried[key];
    stats.queued += this.pending.length;
    stats.syncWaiting = Math.max(stats.syncWaiting, this.waiters.size);
    stats.dropped += this.droppedHere;
    return stats;
  }

  /** Queues the event for the next post, which builds its entry here (redaction sees the application's classes). */
  private add(event: AuditEvent, waiterId: number): boolean {
    // While closing, events are still taken (as by the in-thread writer): the close request posts
    // them first, and the worker's writer drains what reaches it before it is closed.
    if (this.state !== 'started' && this.state !== 'starting' && this.state !== 'closing') {
      this.drop(`audit event "${String(event.action)}" arrived while the writer thread is ${this.state === 'failed' ? 'down' : this.state}; it was dropped`);
      return false;
    }
    this.pending.push(event);
    this.pendingIds.push(waiterId);
    if (waiterId !== 0 || this.pending.length >= POST_BATCH) {
      // A `sync` caller waits, or a batch is full: post at the end of this turn of the event loop
      // (concurrent `sync` callers of the same turn share one message, and so one transaction).
      if (!this.immediate) this.immediate = setImmediate(this.postNow);
    } else if (!this.timer && !this.immediate) {
      // Requests end in separate turns of the event loop: one message per entry would cost more
      // than the work it moves (a message has a fixed price on both threads). Async entries wait
      // a few ms to travel together; the writer batches them for up to `batch.maxDelayMs` anyway.
      this.timer = setTimeout(this.postNow, POST_DELAY_MS);
      this.timer.unref();
    }
    return true;
  }

  private readonly postNow = (): void => this.post();

  /**
   * Builds the waiting events' entries and posts them as one message. Built here, in one loop,
   * rather than one by one as requests end: the redactor's code and data stay warm across the
   * group (measured cheaper per entry than building between requests), and a raw event is held
   * for a few ms at most.
   */
  private post(): void {
    if (this.immediate) clearImmediate(this.immediate);
    if (this.timer) clearTimeout(this.timer);
    this.immediate = undefined;
    this.timer = undefined;
    if (this.pending.length === 0 || !this.worker) return;
    const events = this.pending;
    const ids = this.pendingIds;
    this.pending = [];
    this.pendingIds = [];
    const entries: EntrySlot[] = [];
    for (let i = 0; i < events.length; i += 1) {
      const event = events[i] as AuditEvent;
      const id = ids[i] as number;
      try {
        packEntry(buildEntry(event, this.data.chainId, this.redactor, this.limits), id, entries);
      } catch (error) {
        this.drop(`audit event "${String(event.action)}" could not be turned into an entry and was dropped: ${describe(error)}`);
        if (id !== 0) this.settle(id, new AuditUnavailableError('the event could not be turned into an entry', { cause: error }));
      }
    }
    if (entries.length > 0) this.send({ t: 'entries', entries });
  }

  private send(message: ToWriterThread): void {
    try {
      this.worker?.postMessage(message);
    } catch (error) {
      this.logger.error(`could not post to the audit writer thread: ${describe(error)}`);
    }
  }

  private request(kind: 'flush' | 'close'): Promise<AuditWriterStats> {
    this.post();
    return new Promise<AuditWriterStats>((resolve, reject) => {
      const req = this.nextId++;
      this.requests.set(req, { resolve, reject });
      this.refWhileWaiting();
      this.send({ t: kind, req });
    });
  }

  private spawn(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let started = false;
      const worker = this.script.endsWith('.ts')
        ? new Worker(typescriptBootstrap(this.script), { eval: true, workerData: this.data })
        : new Worker(this.script, { workerData: this.data });
      worker.on('message', (message: FromWriterThread) => {
        switch (message.t) {
          case 'started':
            started = true;
            this.worker = worker;
            this.lastStats = message.stats;
            this.refWhileWaiting();
            resolve();
            this.post();
            return;
          case 'startFailed':
            reject(new AuditWriterThreadStartError(message.name, message.message));
            void worker.terminate();
            return;
          case 'settled':
            for (const id of message.ok) this.settle(id);
            for (const [id, reason] of message.failed) this.settle(id, new AuditUnavailableError(reason));
            return;
          case 'done': {
            this.lastStats = message.stats;
            const request = this.requests.get(message.req);
            this.requests.delete(message.req);
            this.refWhileWaiting();
            request?.resolve(message.stats);
            return;
          }
          case 'stats':
            this.lastStats = message.stats;
            return;
          case 'log':
            this.logger[message.level](message.message);
            return;
        }
      });
      worker.on('error', (error) => {
        if (!started) reject(error);
        else this.logger.error(`the audit writer thread failed: ${describe(error)}`);
      });
      worker.on('exit', (code) => {
        if (!started) {
          reject(new AuditWriterThreadStartError('Error', `the audit writer thread exited with code ${code} before it started`));
          return;
        }
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.onUnexpectedExit(code);
      });
    });
  }

  /** The worker died outside `close()`: waiters fail, and a new worker takes over (a few times a minute at most). */
  private onUnexpectedExit(code: number): void {
    // Its counters are kept (added to the next worker's); its gauges (circuit, spool, last error)
    // stay as last reported until the next worker reports; what it held is gone.
    const dead = { ...this.lastStats, queued: 0, syncWaiting: 0 };
    for (const key of CARRIED_COUNTERS) {
      this.carried[key] += dead[key];
      dead[key] = 0;
    }
    this.lastStats = dead;
    this.failWaiters(new AuditUnavailableError(`the audit writer thread stopped (exit code ${code})`));
    for (const [, request] of this.requests) request.reject(new AuditUnavailableError(`the audit writer thread stopped (exit code ${code})`));
    this.requests.clear();
    if (this.state !== 'started') return;
    const now = Date.now();
    this.restarts = this.restarts.filter((at) => now - at < 60_000);
    if (this.restarts.length >= MAX_RESTARTS_PER_MINUTE) {
      this.state = 'failed';
      this.dropPending();
      // Fix (writer-thread e2e suite): this is its stop after MAX_RESTARTS_PER_MINUTE restarts; the message said one fewer.
      this.logger.error(`the audit writer thread stopped ${MAX_RESTARTS_PER_MINUTE + 1} times within a minute; audit events are now dropped (see stats().dropped). Restart the application.`);
      return;
    }
    this.restarts.push(now);
    this.logger.error(`the audit writer thread stopped (exit code ${code}); starting a new one (entries it held uncommitted are lost, its spool is replayed)`);
    this.state = 'starting';
    this.restarting = this.spawn().then(
      () => {
        this.restarting = undefined;
        if (this.state === 'starting') this.state = 'started';
      },
      (error: unknown) => {
        this.restarting = undefined;
        this.state = 'failed';
        this.dropPending();
        this.logger.error(`the audit writer thread could not be restarted: ${describe(error)}; audit events are now dropped`);
      },
    );
  }

  private settle(id: number, error?: Error): void {
    const waiter = this.waiters.get(id);
    if (!waiter) return;
    this.waiters.delete(id);
    this.refWhileWaiting();
    if (error) waiter.reject(error);
    else waiter.resolve();
  }

  private failWaiters(error: Error): void {
    for (const id of [...this.waiters.keys()]) this.settle(id, error);
  }

  /** With no thread to take them, the waiting events are lost: counted, and their waiters told. */
  private dropPending(): void {
    for (let i = 0; i < this.pending.length; i += 1) {
      this.droppedHere += 1;
      const id = this.pendingIds[i] as number;
      if (id !== 0) this.settle(id, new AuditUnavailableError('the audit writer thread is down'));
    }
    this.pending = [];
    this.pendingIds = [];
  }

  private drop(message: string): void {
    this.droppedHere += 1;
    if (this.droppedHere === 1 || this.droppedHere % 1000 === 0) this.logger.error(`${message} (${this.droppedHere} dropped so far)`);
  }

  /**
   * The thread keeps the process alive only while someone waits on it (a `sync` entry, `flush()`,
   * `close()`): like the in-thread writer's unref'd timer, a pending async batch does not.
   */
  private refWhileWaiting(): void {
    if (!this.worker) return;
    if (this.waiters.size > 0 || this.requests.size > 0) this.worker.ref();
    else this.worker.unref();
  }
}

/** The compiled worker script next to this file. */
function defaultWorkerScript(): string {
  return join(__dirname, __filename.endsWith('.ts') ? 'audit-writer.worker.ts' : 'audit-writer.worker.js');
}

/**
 * A `.ts` worker script (this library run from its sources, as in its own test suite under Jest)
 * is loaded through a require hook that transpiles each file with `typescript` (a dev dependency).
 * The published, compiled package never takes this path.
 */
function typescriptBootstrap(script: string): string {
  const typescript = require.resolve('typescript', { paths: [__dirname] });
  // Transpiled files are cached on disk by content (a worker loads ~60 files; transpiling them
  // took ~4 s per worker start), so only the first worker of a source tree pays it.
  return `
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const cache = join(require('node:os').tmpdir(), 'sealed-audit-worker-ts-cache');
const version = JSON.parse(readFileSync(join(${JSON.stringify(typescript)}, '../../package.json'), 'utf8')).version;
let ts;
const options = () => ({ module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, experimentalDecorators: true, emitDecoratorMetadata: true, esModuleInterop: true });
require.extensions['.ts'] = (module, filename) => {
  const source = readFileSync(filename, 'utf8');
  const file = join(cache, createHash('sha256').update(version + '\0' + filename + '\0').update(source).digest('hex') + '.js');
  let output;
  try {
    output = readFileSync(file, 'utf8');
  } catch {
    ts ??= require(${JSON.stringify(typescript)});
    output = ts.transpileModule(source, { fileName: filename, compilerOptions: options() }).outputText;
    try {
      mkdirSync(cache, { recursive: true });
      const temp = file + '.' + process.pid + '-' + require('node:worker_threads').threadId + '.tmp';
      writeFileSync(temp, output);
      require('node:fs').renameSync(temp, file);
    } catch {}
  }
  module._compile(output, filename);
};
require(${JSON.stringify(script)});
`;
}

function emptyStats(chainId: string, mode: 'async' | 'sync'): AuditWriterStats {
  return {
    chainId,
    mode,
    queued: 0,
    syncWaiting: 0,
    written: 0,
    batches: 0,
    writeFailures: 0,
    dropped: 0,
    conflicts: 0,
    lastAppendMs: null,
    lastError: null,
    circuit: 'closed',
    spooledEntries: 0,
    spoolBytes: 0,
    spoolDropped: 0,
    replayed: 0,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
