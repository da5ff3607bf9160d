import { KeyObject, createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import {
  AuditWriter,
  Checkpointer,
  FileAnchorSink,
  Redactor,
  RequestCapture,
  consoleAuditLogger,
  createEd25519Signer,
  defaultChainId,
  type AnchorSink,
  type AuditLogger,
  type AuditWriterOptions,
  type CheckpointSigner,
} from '../core';
import { createAuditStore } from '../typeorm';
import { AUDIT_DURABILITIES, ExposureEmitter, ExposureScanner, LEAK_POLICIES, MIN_MAX_ENTRY_BYTES, type LeakPolicy } from '../core';
import type { AuditStorageOptions } from '../typeorm/audit-storage.options';
import type { AuditCheckpointOptions, AuditOptions } from './audit.options';
import { transactionalChainId } from './audit-transaction';
import { AuditWriterThread, type AuditEntryWriter } from './writer-thread/audit-writer-thread';
import type { WriterSettings, WriterThreadData } from './writer-thread/writer-thread-protocol';

/** Default spool directory: `.sealed-audit-spool` under the working directory at start-up. */
export const DEFAULT_SPOOL_DIRECTORY = '.sealed-audit-spool';

/**
 * The spool directory of a configuration: one sub-directory per database (`db-<hash of its
 * address>`), so a spool is only ever replayed into the database it was meant for. `undefined`
 * when the spool is off (or the database is SQLite `:memory:`, which no restart can come back to).
 */
export function spoolDirectoryFor(options: Pick<AuditOptions, 'storage' | 'spool'>): string | undefined {
  if (options.spool === false) return undefined;
  const target = storageIdentity(options.storage);
  if (target === undefined) return undefined;
  const base = resolve(options.spool?.directory ?? DEFAULT_SPOOL_DIRECTORY);
  return join(base, `db-${createHash('sha256').update(target).digest('hex').slice(0, 16)}`);
}

/** What identifies the database (never a password). */
function storageIdentity(storage: AuditStorageOptions): string | undefined {
  if ('dataSource' in storage) {
    const o = storage.dataSource.options as { type?: string; url?: string; host?: string; port?: number; database?: unknown; schema?: string };
    if (typeof o.database === 'string' && o.database === ':memory:') return undefined;
    return JSON.stringify([o.type, o.url ? withoutPassword(o.url) : null, o.host ?? null, o.port ?? null, typeof o.database === 'string' ? resolveIfFile(o) : null, o.schema ?? null]);
  }
  if (storage.type === 'sqlite') return storage.database === ':memory:' ? undefined : JSON.stringify(['sqlite', resolve(storage.database)]);
  return JSON.stringify([storage.type, withoutPassword(storage.url), 'schema' in storage ? (storage.schema ?? null) : null]);
}

function resolveIfFile(o: { type?: string; database?: unknown }): string {
  const database = String(o.database);
  return o.type === 'better-sqlite3' || o.type === 'sqlite' ? resolve(database) : database;
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, '@');
  }
}

/** Thrown at start-up for module options that cannot work. */
export class InvalidAuditOptionsError extends Error {
  constructor(message: string) {
    super(`AuditModule: ${message}`);
    this.name = 'InvalidAuditOptionsError';
  }
}

/** Everything compiled from the options, once: shared by the Nest module and the Express middleware. */
export interface AuditRuntime {
  readonly options: AuditOptions;
  readonly redactor: Redactor;
  /** The in-thread {@link AuditWriter}, or the {@link AuditWriterThread} with `writerThread: true`. */
  readonly writer: AuditEntryWriter;
  readonly capture: RequestCapture;
  /** Present when `checkpoints` has a key or a signer (and the writer runs in this thread: with `writerThread` it runs in the worker). */
  readonly checkpointer?: Checkpointer;
  /** Subscribers of `pii.exposure` events (the leak check of audited responses). */
  readonly exposures: ExposureEmitter;
  /** The module's default durability. */
  readonly durability: 'async' | 'sync';
  /** The spool directory in use, if any. */
  readonly spoolDirectory?: string;
}

/** Validates the options, opens the store (installing the schema if allowed) and starts the writer. */
export async function createAuditRuntime(options: AuditOptions, log: AuditLogger = consoleAuditLogger): Promise<AuditRuntime> {
  validate(options);
  const redactor = new Redactor(options.redaction);
  if (redactor.ephemeralKey) {
    log.warn('no redaction.hmacKey configured: `hash` pseudonyms use a per-process random key and will not correlate across restarts.');
  }
  const chainId = options.chainId ?? defaultChainId();
  if (!options.checkpoints || (options.checkpoints.privateKey === undefined && options.checkpoints.signer === undefined)) {
    log.warn(
      'signed checkpoints are off (no checkpoints.privateKey or checkpoints.signer): the hash chain detects edited or removed entries, ' +
        'but not a cut-off tail or a consistent rewrite of the whole trail. Create a key with `sealed-audit keys generate`.',
    );
  }
  const durability = options.durability ?? 'async';
  const spoolDirectory = spoolDirectoryFor(options);
  const { writer, checkpointer } = options.writerThread
    ? { writer: new AuditWriterThread(writerThreadData(options, chainId, durability, spoolDirectory), redactor, log), checkpointer: undefined }
    : inThreadWriter(options, chainId, durability, spoolDirectory, redactor, log);
  await writer.start();
  if (checkpointer) {
    try {
      await checkpointer.start();
    } catch (error) {
      await writer.close().catch(() => undefined);
      throw error;
    }
    checkpointer.track(chainId);
    // Entries of `recordInTransaction` bypass the writer: the timer and close checkpoints read them back.
    checkpointer.track(transactionalChainId(chainId));
  }
  const exposures = new ExposureEmitter((message) => log.warn(message));
  if (options.leaks?.onExposure) exposures.on(options.leaks.onExposure);
  const leakPolicy: LeakPolicy = options.leaks?.policy ?? 'observe';
  const capture = new RequestCapture(
    (event) => writer.enqueue(event),
    {
      leaks: { policy: leakPolicy, scanner: new ExposureScanner(redactor), emit: (exposure) => exposures.emit(exposure) },
      ...(options.actor ? { actor: options.actor } : {}),
      ...(options.capture ? { capture: options.capture } : {}),
      ...(options.deniedAction ? { deniedAction: options.deniedAction } : {}),
      ...(options.requestIdHeader ? { requestIdHeader: options.requestIdHeader } : {}),
      ...(options.requestContext !== undefined ? { requestContext: options.requestContext } : {}),
      durability,
      commit: (event) => writer.enqueueAndWait(event),
    },
    (message) => log.warn(message),
  );
  return { options, redactor, writer, capture, exposures, durability, ...(spoolDirectory ? { spoolDirectory } : {}), ...(checkpointer ? { checkpointer } : {}) };
}

/** The writer (and its checkpointer) of the default mode: both in this thread, sharing one store. */
function inThreadWriter(
  options: AuditOptions,
  chainId: string,
  durability: 'async' | 'sync',
  spoolDirectory: string | undefined,
  redactor: Redactor,
  log: AuditLogger,
): { writer: AuditWriter; checkpointer: Checkpointer | undefined } {
  const store = createAuditStore(options.storage);
  const checkpointer = createCheckpointer(options.checkpoints, store, log);
  const writer = new AuditWriter(store, redactor, auditWriterOptions(writerSettings(options, chainId, durability, spoolDirectory), log, checkpointer));
  return { writer, checkpointer };
}

/** The writer's settings drawn from the module's options: plain data, the same in this thread and in the writer thread. */
function writerSettings(options: AuditOptions, chainId: string, durability: 'async' | 'sync', spoolDirectory: string | undefined): WriterSettings {
  return {
    chainId,
    durability,
    ...(spoolDirectory ? { spool: { directory: spoolDirectory, ...(options.spool && options.spool.maxBytes !== undefined ? { maxBytes: options.spool.maxBytes } : {}) } } : {}),
    ...(options.maxEntryBytes !== undefined ? { maxEntryBytes: options.maxEntryBytes } : {}),
    ...(options.batch ? { batch: { ...options.batch } } : {}),
  };
}

/** @internal The {@link AuditWriter}'s options from its settings (also used by the writer thread). */
export function auditWriterOptions(settings: WriterSettings, logger: AuditLogger, checkpointer: Checkpointer | undefined): AuditWriterOptions {
  const { batch } = settings;
  return {
    chainId: settings.chainId,
    durability: settings.durability,
    ...(settings.spool ? { spool: settings.spool } : {}),
    ...(settings.maxEntryBytes !== undefined ? { maxEntryBytes: settings.maxEntryBytes } : {}),
    ...(checkpointer ? { hooks: [checkpointer.hook] } : {}),
    ...(batch?.size !== undefined ? { batchSize: batch.size } : {}),
    ...(batch?.maxSize !== undefined ? { maxBatchSize: batch.maxSize } : {}),
    ...(batch?.maxDelayMs !== undefined ? { maxDelayMs: batch.maxDelayMs } : {}),
    ...(batch?.maxQueue !== undefined ? { maxQueue: batch.maxQueue } : {}),
    ...(batch?.closeTimeoutMs !== undefined ? { closeTimeoutMs: batch.closeTimeoutMs } : {}),
    logger,
  };
}

/** What the writer thread is started with; `validate()` made sure every part can be cloned. */
function writerThreadData(options: AuditOptions, chainId: string, durability: 'async' | 'sync', spoolDirectory: string | undefined): WriterThreadData {
  const checkpoints = options.checkpoints;
  if (checkpoints?.privateKey !== undefined) {
    // A key that cannot sign fails here, with the same error as in-thread, not later in the worker.
    try {
      createEd25519Signer(checkpoints.privateKey);
    } catch (error) {
      throw new InvalidAuditOptionsError(`\`checkpoints.privateKey\`: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return {
    storage: options.storage,
    ...writerSettings(options, chainId, durability, spoolDirectory),
    // A key and a file anchor only (`validateWriterThread`): plain data.
    ...(checkpoints?.privateKey !== undefined ? { checkpoints: { ...checkpoints } } : {}),
  };
}

/** @internal Also used by the writer thread, which builds its own from the same options. */
export function createCheckpointer(options: AuditCheckpointOptions | undefined, store: ReturnType<typeof createAuditStore>, log: AuditLogger): Checkpointer | undefined {
  if (!options || (options.privateKey === undefined && options.signer === undefined)) return undefined;
  let signer: CheckpointSigner;
  try {
    signer = options.signer ?? createEd25519Signer(options.privateKey as string | KeyObject);
  } catch (error) {
    throw new InvalidAuditOptionsError(`\`checkpoints.privateKey\`: ${error instanceof Error ? error.message : String(error)}`);
  }
  const anchor: AnchorSink | undefined =
    options.anchor === undefined ? undefined : 'file' in options.anchor ? new FileAnchorSink(options.anchor.file) : options.anchor;
  try {
    return new Checkpointer(store, {
      signer,
      ...(anchor ? { anchor } : {}),
      ...(options.everyEntries !== undefined ? { everyEntries: options.everyEntries } : {}),
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
      logger: log,
    });
  } catch (error) {
    throw new InvalidAuditOptionsError(`\`checkpoints.signer\`: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function validateCheckpoints(checkpoints: AuditCheckpointOptions | undefined): void {
  if (checkpoints === undefined) return;
  if (!checkpoints || typeof checkpoints !== 'object') {
    throw new InvalidAuditOptionsError('`checkpoints` must be an object, e.g. { privateKey: readFileSync("audit-signing.key", "utf8"), anchor: { file: "anchor.jsonl" } }.');
  }
  const { privateKey, signer, everyEntries, intervalMs, anchor } = checkpoints;
  if (privateKey !== undefined && signer !== undefined) {
    throw new InvalidAuditOptionsError('`checkpoints.privateKey` and `checkpoints.signer` exclude each other: give one.');
  }
  if (privateKey !== undefined && typeof privateKey !== 'string' && !(privateKey instanceof KeyObject)) {
    throw new InvalidAuditOptionsError('`checkpoints.privateKey` must be a PEM string (-----BEGIN PRIVATE KEY-----) or a KeyObject.');
  }
  if (
    signer !== undefined &&
    (!signer || typeof signer !== 'object' || typeof signer.sign !== 'function' || typeof signer.keyId !== 'string' || signer.publicKey === undefined)
  ) {
    throw new InvalidAuditOptionsError('`checkpoints.signer` must be { keyId, publicKey, sign(message) → signature bytes }.');
  }
  if (everyEntries !== undefined && (!Number.isSafeInteger(everyEntries) || everyEntries < 1)) {
    throw new InvalidAuditOptionsError(`\`checkpoints.everyEntries\` must be a positive integer (got ${String(everyEntries)}).`);
  }
  if (intervalMs !== undefined && (!Number.isSafeInteger(intervalMs) || intervalMs < 0)) {
    throw new InvalidAuditOptionsError(`\`checkpoints.intervalMs\` must be a non-negative integer, 0 to turn the timer off (got ${String(intervalMs)}).`);
  }
  if (anchor !== undefined) {
    const isSink = !!anchor && typeof anchor === 'object' && typeof (anchor as AnchorSink).write === 'function';
    const isFile = !!anchor && typeof anchor === 'object' && typeof (anchor as { file?: unknown }).file === 'string' && (anchor as { file: string }).file.length > 0;
    if (!isSink && !isFile) {
      throw new InvalidAuditOptionsError('`checkpoints.anchor` must be { file: "<path of the anchor JSONL file>" } or an object with write(checkpoint).');
    }
  }
  if (privateKey === undefined && signer === undefined && (anchor !== undefined || everyEntries !== undefined || intervalMs !== undefined)) {
    throw new InvalidAuditOptionsError('`checkpoints` has settings but no `privateKey` or `signer`: nothing could sign. Add a key (sealed-audit keys generate) or remove `checkpoints`.');
  }
}

/** `writerThread` moves the writer to a worker: everything it needs there must be plain data. */
function validateWriterThread(options: AuditOptions): void {
  if (options.writerThread === undefined) return;
  if (typeof options.writerThread !== 'boolean') throw new InvalidAuditOptionsError(`\`writerThread\` must be true or false (got ${String(options.writerThread)}).`);
  if (!options.writerThread) return;
  if ('dataSource' in options.storage) {
    throw new InvalidAuditOptionsError(
      '`writerThread` needs `storage` as connection options ({ type: "postgres", url } …): a DataSource cannot move to another thread. Give the options, or leave `writerThread` out.',
    );
  }
  if (options.storage.type === 'sqlite' && options.storage.database === ':memory:') {
    throw new InvalidAuditOptionsError('`writerThread` cannot use SQLite `:memory:` (that database exists only in the thread that opened it): give a file, or leave `writerThread` out.');
  }
  if (options.checkpoints?.signer !== undefined) {
    throw new InvalidAuditOptionsError('`writerThread` cannot use `checkpoints.signer` (an object with functions cannot move to another thread): give `checkpoints.privateKey`, or leave `writerThread` out.');
  }
  const anchor = options.checkpoints?.anchor;
  if (anchor !== undefined && !(anchor && typeof anchor === 'object' && 'file' in anchor)) {
    throw new InvalidAuditOptionsError('`writerThread` supports `checkpoints.anchor: { file }` only (a sink object cannot move to another thread): use a file anchor, or leave `writerThread` out.');
  }
}

function validate(options: AuditOptions): void {
  if (!options || typeof options !== 'object') {
    throw new InvalidAuditOptionsError('forRoot() needs options, e.g. AuditModule.forRoot({ storage: { type: "sqlite", database: "./audit.sqlite" } }).');
  }
  if (!options.storage || typeof options.storage !== 'object') {
    throw new InvalidAuditOptionsError(
      '`storage` is required: { type: "sqlite", database: "./audit.sqlite" }, { type: "postgres", url: "postgres://…" }, { type: "mariadb", url: "mysql://…" } or { dataSource }.',
    );
  }
  if (options.actor !== undefined && typeof options.actor !== 'function') {
    throw new InvalidAuditOptionsError('`actor` must be a function of the request returning { id, type?, roles? } or undefined.');
  }
  if (options.requestContext !== undefined && typeof options.requestContext !== 'boolean') {
    throw new InvalidAuditOptionsError(`\`requestContext\` must be true or false (got ${String(options.requestContext)}).`);
  }
  if (options.chainId !== undefined && (typeof options.chainId !== 'string' || options.chainId.length === 0 || options.chainId.length > 128)) {
    throw new InvalidAuditOptionsError('`chainId` must be a non-empty string of at most 128 characters.');
  }
  if (options.leaks !== undefined) {
    if (options.leaks === null || typeof options.leaks !== 'object') throw new InvalidAuditOptionsError('`leaks` must be an object such as { policy: "observe", onExposure }.');
    if (options.leaks.policy !== undefined && !LEAK_POLICIES.includes(options.leaks.policy)) {
      throw new InvalidAuditOptionsError(`\`leaks.policy\` must be one of ${LEAK_POLICIES.join(', ')} (got ${String(options.leaks.policy)}).`);
    }
    if (options.leaks.onExposure !== undefined && typeof options.leaks.onExposure !== 'function') {
      throw new InvalidAuditOptionsError('`leaks.onExposure` must be a function (exposure) => void.');
    }
  }
    const batch = options.batch ?? {};
  for (const key of ['size', 'maxSize', 'maxDelayMs', 'maxQueue', 'closeTimeoutMs'] as const) {
    const value = batch[key];
    if (value !== undefined && (!Number.isInteger(value) || value < (key === 'maxDelayMs' || key === 'closeTimeoutMs' ? 0 : 1))) {
      throw new InvalidAuditOptionsError(`\`batch.${key}\` must be a ${key === 'maxDelayMs' || key === 'closeTimeoutMs' ? 'non-negative' : 'positive'} integer (got ${String(value)}).`);
    }
  }
  if (batch.maxSize !== undefined && batch.maxSize < (batch.size ?? 100)) {
    throw new InvalidAuditOptionsError(`\`batch.maxSize\` must be at least \`batch.size\` (${batch.size ?? 100}); give the same value for transactions of a fixed size.`);
  }
  if (batch.size !== undefined && batch.maxQueue !== undefined && batch.maxQueue < batch.size) {
    throw new InvalidAuditOptionsError('`batch.maxQueue` must be at least `batch.size`.');
  }
  validateCheckpoints(options.checkpoints);
  validateWriterThread(options);
  if (options.durability !== undefined && !AUDIT_DURABILITIES.includes(options.durability)) {
    throw new InvalidAuditOptionsError(`\`durability\` must be one of ${AUDIT_DURABILITIES.join(', ')} (got ${String(options.durability)}).`);
  }
  if (options.spool !== undefined && options.spool !== false) {
    const spool = options.spool as unknown;
    if (!spool || typeof spool !== 'object') {
      throw new InvalidAuditOptionsError('`spool` must be false or an object such as { directory: "/var/lib/my-app/audit-spool", maxBytes: 268435456 }.');
    }
    const { directory, maxBytes } = spool as { directory?: unknown; maxBytes?: unknown };
    if (directory !== undefined && (typeof directory !== 'string' || directory.trim() === '')) {
      throw new InvalidAuditOptionsError('`spool.directory` must be a non-empty path (a directory on local disk that survives restarts).');
    }
    if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || (maxBytes as number) < 1024)) {
      throw new InvalidAuditOptionsError(`\`spool.maxBytes\` must be an integer of at least 1024 bytes (got ${String(maxBytes)}).`);
    }
  }
  if (options.maxEntryBytes !== undefined && (!Number.isSafeInteger(options.maxEntryBytes) || options.maxEntryBytes < MIN_MAX_ENTRY_BYTES)) {
    throw new InvalidAuditOptionsError(`\`maxEntryBytes\` must be an integer of at least ${MIN_MAX_ENTRY_BYTES} (got ${String(options.maxEntryBytes)}).`);
  }
}
