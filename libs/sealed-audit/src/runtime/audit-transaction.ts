import type { EntityManager } from 'typeorm';
import { QueryFailedError } from 'typeorm';
import { buildEntry, sealEntry, ChainConflictError, type AuditEvent, type Redactor, type SealedEntry } from '../core';
import { AuditEntitiesMissingError } from '../typeorm/audit-store.errors';
import { AuditLogEntity } from '../typeorm/audit-log.entity';
import { toAuditLogRow } from '../typeorm/audit-log.mapper';

/** Options of {@link appendAuditEntryInTransaction}. */
export interface TransactionalAuditOptions {
  /** The chain of transactional entries. Keep it apart from the writer's chain (see `transactionalChainId`). */
  chainId: string;
  /** The redactor of the module (`AuditService` passes its own). */
  redactor: Redactor;
  /** Payload cap, as the module option `maxEntryBytes`. */
  maxEntryBytes?: number;
}

/** Thrown when {@link appendAuditEntryInTransaction} is called outside a transaction. */
export class AuditTransactionRequiredError extends Error {
  constructor() {
    super(
      'recordInTransaction() needs the EntityManager of an open transaction, e.g. ' +
        '`await dataSource.transaction(async (manager) => { await manager.save(order); await audit.recordInTransaction(manager, { action: "order.create", outcome: "success" }); })`.',
    );
    this.name = 'AuditTransactionRequiredError';
  }
}

/** The chain that transactional entries of a writer's process go to: `<chainId>.tx`. */
export function transactionalChainId(chainId: string): string {
  return `${chainId.slice(0, 125)}.tx`;
}

/**
 * Seals an event and inserts it through `manager`, inside the caller's transaction: the audit
 * entry commits or rolls back together with the business change. The audit table must live in
 * the same database (the DataSource lists `...AUDIT_ENTITIES`).
 *
 * Transactional entries go to a chain of their own. Concurrent transactions serialize on it:
 * PostgreSQL takes a transaction-scoped advisory lock on the chain (held until your COMMIT or
 * ROLLBACK: keep such transactions short, and use READ COMMITTED, PostgreSQL's default); SQLite
 * has a single writer anyway. Elsewhere a lost race fails your transaction with
 * `ChainConflictError`: retry it.
 *
 * @example
 * await dataSource.transaction(async (manager) => {
 *   await manager.save(Refund, refund);
 *   await appendAuditEntryInTransaction(manager, { timestamp: new Date(), action: 'refund.create', outcome: 'success' }, { chainId, redactor });
 * });
 */
export async function appendAuditEntryInTransaction(manager: EntityManager, event: AuditEvent, options: TransactionalAuditOptions): Promise<SealedEntry> {
  if (!manager.queryRunner?.isTransactionActive) throw new AuditTransactionRequiredError();
  if (!manager.connection.hasMetadata(AuditLogEntity)) throw new AuditEntitiesMissingError();
  const { chainId } = options;
  // Built first: a malformed event fails before any lock is taken.
  const entry = buildEntry(event, chainId, options.redactor, options.maxEntryBytes !== undefined ? { maxEntryBytes: options.maxEntryBytes } : {});
  if (manager.connection.options.type === 'postgres') {
    await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`sealed-audit:${chainId}`]);
  }
  const row = await manager
    .getRepository(AuditLogEntity)
    .createQueryBuilder('e')
    .select(['e.chainId', 'e.seq', 'e.hash'])
    .where('e.chainId = :chainId', { chainId })
    .orderBy('e.seq', 'DESC')
    .limit(1)
    .getOne();
  const head = row ? { chainId, seq: Number(row.seq), hash: row.hash.trimEnd() } : null;
  const { sealed } = sealEntry(entry, head);
  try {
    await manager.createQueryBuilder().insert().into(AuditLogEntity).values(toAuditLogRow(sealed)).updateEntity(false).execute();
  } catch (error) {
    const driverError: unknown = error instanceof QueryFailedError ? error.driverError : error;
    const code = (driverError as { code?: unknown } | null)?.code;
    if (code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'ER_DUP_ENTRY') {
      throw new ChainConflictError(chainId, error);
    }
    throw error;
  }
  return sealed;
}
