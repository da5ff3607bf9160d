import type { AuditActor, AuditRequest, CaptureOptions, RedactorOptions } from '../core';
import type { AuditStorageOptions } from '../typeorm/audit-storage.options';

/** Batching of the asynchronous writer. */
export interface AuditBatchOptions {
  /** Entries per transaction. Default 100. */
  size?: number;
  /** Longest wait for a batch to fill, in ms. Default 200. */
  maxDelayMs?: number;
  /** Events held in memory at most; the oldest beyond it are dropped and counted. Default 10 000. */
  maxQueue?: number;
  /** How long shutdown keeps retrying a failing store before giving up, in ms. Default 5 000. */
  closeTimeoutMs?: number;
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
}

/** The options of `AuditModule.forRoot()` (the same as {@link AuditOptions}). */
export type AuditModuleOptions = AuditOptions;
