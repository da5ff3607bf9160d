import type { KeyObject } from 'node:crypto';
import type { AnchorSink, AuditActor, AuditRequest, CaptureOptions, CheckpointSigner, RedactorOptions } from '../core';
import type { AuditStorageOptions } from '../typeorm/audit-storage.options';
import type { ExposureListener, LeakPolicy } from '../core';


/** Batching of the asynchronous writer. */
export interface AuditBatchOptions {
  /** Entries per transaction. Default 100. */
  size?: number;
  /**
   * Entries per transaction while a backlog waits (more than two batches): whole batches up to
   * this many, so a writer that fell behind catches up. Default 3 × `size`, at most 1 000. Set it
   * to `size` for transactions of a fixed size.
   */
  maxSize?: number;
  /** Longest wait for a batch to fill, in ms. Default 200. */
  maxDelayMs?: number;
  /** Events held in memory at most; the oldest beyond it are dropped and counted. Default 10 000. */
  maxQueue?: number;
  /** How long shutdown keeps retrying a failing store before giving up, in ms. Default 5 000. */
  closeTimeoutMs?: number;
}

/**
 * Signed checkpoints: RFC 6962 Merkle roots of each chain, signed with Ed25519, stored in
 * `audit_checkpoint` and copied to an anchor outside the database. Off unless a key or a signer is
 * given (a warning says so at start-up). Without them a hash chain cannot reveal a cut-off tail or
 * a consistent rewrite by someone who controls the database.
 *
 * @example
 * checkpoints: {
 *   privateKey: readFileSync('/run/secrets/audit-signing.key', 'utf8'), // sealed-audit keys generate
 *   anchor: { file: '/mnt/worm/audit-anchor.jsonl' },
 * }
 */
export interface AuditCheckpointOptions {
  /** Ed25519 private key, PKCS#8 PEM or a KeyObject. Exclusive with `signer`. */
  privateKey?: string | KeyObject;
  /** Signs through a KMS/HSM instead of a key in the process. Exclusive with `privateKey`. */
  signer?: CheckpointSigner;
  /** A checkpoint after this many new entries of a chain. Default 1000. */
  everyEntries?: number;
  /** A checkpoint of every chain of this process this often (also while idle), in ms. Default 60 000; 0 turns the timer off. */
  intervalMs?: number;
  /** Where checkpoints are copied outside the database: a sink, or `{ file }` for an fsync'd JSONL file. */
  anchor?: AnchorSink | { file: string };
}

/**
 * The leak check of audited responses: PII in a response field that the response type does not
 * declare with `@PiiField` (and the route does not `allow`) raises a `pii.exposure` event — route,
 * JSON paths, kinds and counts, never values — recorded in the trail and sent to subscribers.
 *
 * @example
 * leaks: { policy: 'observe', onExposure: (e) => alerts.warn(`${e.method} ${e.route}: ${e.total} undeclared PII value(s)`) }
 */
export interface AuditLeakOptions {
  /** `observe` (default): report only. `mask`: rewrite the response before it is sent, and report. `off`: no check. Routes can override it. */
  policy?: LeakPolicy;
  /** Called with every `pii.exposure` (after the response is sent). `AuditService.onExposure()` adds more listeners. */
  onExposure?: ExposureListener;
}

/**
 * Options of `AuditModule.forRoot()` and of the Express `createAuditTrail()`. Validated once at
 * start-up; a wrong option stops the application with an error that says how to fix it.
 *
 * @example
 * AuditModule.forRoot({
 *   storage: { type: 'sqlite', database: './audit.sqlite' },
 *   redaction: { hmacKey: process.env.AUDIT_HMAC_KEY },
 * })
 */
export interface AuditOptions {
  /** Where the trail is stored. */
  storage: AuditStorageOptions;
  /** Who acted. Default: `req.user` (`id ?? sub`, `type`, `roles`). */
  actor?: (req: AuditRequest) => AuditActor | undefined | null;
  /** The chain this process appends to. Default: `<hostname>-<pid>`, one chain per process. */
  chainId?: string;
  /** PII handling: the HMAC key of the `hash` strategy, extra sensitive key names, size caps. */
  redaction?: RedactorOptions;
  /** Batching of the writer. */
  batch?: AuditBatchOptions;
  /** Which request parts audited routes keep (after redaction). All `true` by default. */
  capture?: CaptureOptions;
  /** Action recorded for a 401/403 on a route that is not audited. Default `access.denied`. */
  deniedAction?: string;
  /** Header carrying the request id in and out. Default `x-request-id`. */
  requestIdHeader?: string;
  /**
   * Each request runs in an `AsyncLocalStorage` context, so `record()` called while handling it
   * carries the request's actor and id. Default `true`. `false` skips it: on Node 20 the first
   * `AsyncLocalStorage.run()` turns on promise hooks process-wide, which costs every request
   * (measured ≈ 80 µs per request on the benchmark endpoint, see the README's Performance section).
   * Manual events then carry `actor`/`requestId` only when given explicitly.
   */
  requestContext?: boolean;
  /**
   * Run the writer in a worker thread: entries are still built (redacted) on the thread that
   * captured them, then sealed, stored, spooled and checkpointed in a worker with its own
   * connection, so the database driver (SQLite's writes and fsyncs included), the hashing and the
   * batches' garbage stay off the event loop that serves requests. Default `false`. Needs `storage`
   * as connection options (not a `dataSource`, not SQLite `:memory:`) and, for checkpoints, a
   * `privateKey` and a file anchor. `stats()` then reports the worker's counters as of its last
   * report (≤ 100 ms old; exact after `flush()`). See the README's Performance section.
   */
  writerThread?: boolean;
  /** Signed checkpoints and their anchor. Off when absent (with a start-up warning). */
  checkpoints?: AuditCheckpointOptions;
  /** The leak check of audited responses (`pii.exposure`). Default `{ policy: 'observe' }`. */
  leaks?: AuditLeakOptions;
  /**
   * Default durability of audited routes (`@Audited({ durability })` overrides it per route).
   * `async` (default): the response never waits; entries are batched. `sync`: the response is
   * sent only after its entry is committed, and is a 503 when the audit trail is unavailable.
   */
  durability?: 'async' | 'sync';
  /**
   * Local spool for database outages: sealed (already redacted) entries the database refuses are
   * kept in an fsync'd JSONL file and replayed in order when it answers again, also after a
   * restart. Default `{ directory: '<cwd>/.sealed-audit-spool' }` (created on first use; add it to
   * .gitignore; in a container, put it on a volume). `false` turns it off: entries then wait in
   * memory only (`batch.maxQueue`).
   */
  spool?: AuditSpoolSettings | false;
  /**
   * Cap of a stored entry's payload in bytes (its JSON). Larger parts (response/request body,
   * metadata, …) are replaced by a `[Truncated:entry N bytes]` marker, listed in
   * `payload.truncated`. Default 65 536; at least 4 096.
   */
  maxEntryBytes?: number;
}

/** The `spool` option. */
export interface AuditSpoolSettings {
  /** Directory of the spool (a sub-directory per database is used inside it). Default `<cwd>/.sealed-audit-spool`. */
  directory?: string;
  /** Bytes of spooled entries at most; beyond it new entries are dropped (`stats().spoolDropped`). Default 256 MiB. */
  maxBytes?: number;
}

/** The options of `AuditModule.forRoot()` (the same as {@link AuditOptions}). */
export type AuditModuleOptions = AuditOptions;
