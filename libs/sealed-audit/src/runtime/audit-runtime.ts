import { AuditWriter, Redactor, RequestCapture, consoleAuditLogger, defaultChainId, type AuditLogger } from '../core';
import { createAuditStore } from '../typeorm';
import type { AuditOptions } from './audit.options';

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
  readonly writer: AuditWriter;
  readonly capture: RequestCapture;
}

/** Validates the options, opens the store (installing the schema if allowed) and starts the writer. */
export async function createAuditRuntime(options: AuditOptions, log: AuditLogger = consoleAuditLogger): Promise<AuditRuntime> {
  validate(options);
  const redactor = new Redactor(options.redaction);
  if (redactor.ephemeralKey) {
    log.warn('no redaction.hmacKey configured: `hash` pseudonyms use a per-process random key and will not correlate across restarts.');
  }
  const store = createAuditStore(options.storage);
  const writer = new AuditWriter(store, redactor, {
    chainId: options.chainId ?? defaultChainId(),
    ...(options.batch?.size !== undefined ? { batchSize: options.batch.size } : {}),
    ...(options.batch?.maxDelayMs !== undefined ? { maxDelayMs: options.batch.maxDelayMs } : {}),
    ...(options.batch?.maxQueue !== undefined ? { maxQueue: options.batch.maxQueue } : {}),
    ...(options.batch?.closeTimeoutMs !== undefined ? { closeTimeoutMs: options.batch.closeTimeoutMs } : {}),
    logger: log,
  });
  await writer.start();
  const capture = new RequestCapture(
    (event) => writer.enqueue(event),
    {
      ...(options.actor ? { actor: options.actor } : {}),
      ...(options.capture ? { capture: options.capture } : {}),
      ...(options.deniedAction ? { deniedAction: options.deniedAction } : {}),
      ...(options.requestIdHeader ? { requestIdHeader: options.requestIdHeader } : {}),
    },
    (message) => log.warn(message),
  );
  return { options, redactor, writer, capture };
}

function validate(options: AuditOptions): void {
  if (!options || typeof options !== 'object') {
    throw new InvalidAuditOptionsError('forRoot() needs options, e.g. AuditModule.forRoot({ storage: { type: "sqlite", database: "./audit.sqlite" } }).');
  }
  if (!options.storage || typeof options.storage !== 'object') {
    throw new InvalidAuditOptionsError(
      '`storage` is required: { type: "sqlite", database: "./audit.sqlite" }, { type: "postgres", url: "postgres://…" } or { dataSource }.',
    );
  }
  if (options.actor !== undefined && typeof options.actor !== 'function') {
    throw new InvalidAuditOptionsError('`actor` must be a function of the request returning { id, type?, roles? } or undefined.');
  }
  if (options.chainId !== undefined && (typeof options.chainId !== 'string' || options.chainId.length === 0 || options.chainId.length > 128)) {
    throw new InvalidAuditOptionsError('`chainId` must be a non-empty string of at most 128 characters.');
  }
  const batch = options.batch ?? {};
  for (const key of ['size', 'maxDelayMs', 'maxQueue', 'closeTimeoutMs'] as const) {
    const value = batch[key];
    if (value !== undefined && (!Number.isInteger(value) || value < (key === 'maxDelayMs' || key === 'closeTimeoutMs' ? 0 : 1))) {
      throw new InvalidAuditOptionsError(`\`batch.${key}\` must be a ${key === 'maxDelayMs' || key === 'closeTimeoutMs' ? 'non-negative' : 'positive'} integer (got ${String(value)}).`);
    }
  }
  if (batch.size !== undefined && batch.maxQueue !== undefined && batch.maxQueue < batch.size) {
    throw new InvalidAuditOptionsError('`batch.maxQueue` must be at least `batch.size`.');
  }
}
