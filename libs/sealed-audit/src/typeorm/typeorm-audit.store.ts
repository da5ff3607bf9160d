import { type DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import type { ChainHead, SealedEntry } from '../core/audit-event';
import { type AuditReadOptions, type AuditStore, ChainConflictError } from '../core/audit-store.interface';
import { AUDIT_LOG_TABLE, AuditLogEntity } from './audit-log.entity';
import { fromAuditLogRow, toAuditLogRow } from './audit-log.mapper';
import { auditDialectOf, type AuditSqlDialect, inspectAuditSchema, installAuditSchema } from './audit-schema';
import { AuditDataSourceNotInitializedError, AuditEntitiesMissingError, AuditSchemaMissingError } from './audit-store.errors';

/** Options of {@link TypeOrmAuditStore}. */
export interface TypeOrmAuditStoreOptions {
  /**
   * Install the schema at `init()` when it is missing (idempotent). Default `true`. Set `false`
   * when the application role may only INSERT/SELECT; `init()` then only checks the table exists.
   */
  install?: boolean;
  /**
   * The store created the DataSource: `init()` initializes it and `close()` destroys it.
   * Default `false` (a shared DataSource is left to its owner).
   */
  ownsDataSource?: boolean;
}

/** Filter of {@link TypeOrmAuditStore.findLatest}. */
export interface AuditEntryQuery {
  chainId?: string;
  subjectId?: string;
  actorId?: string;
  action?: string;
  /** How many of the newest matching entries. Default 100. */
  limit?: number;
}

/** Default rows per page of {@link TypeOrmAuditStore.read}. */
export const DEFAULT_READ_PAGE_SIZE = 1000;

/**
 * Rows per INSERT statement. 14 columns × 500 rows stays under SQLite's 32766 bound parameters
 * and PostgreSQL's 65535, whatever the batch size the writer chooses.
 */
const ROWS_PER_INSERT = 500;

/**
 * TypeORM 1.x gives better-sqlite3 ONE shared query runner and treats a transaction started while
 * another is open as a nested SAVEPOINT: two concurrent `dataSource.transaction()` calls would
 * interleave inside one transaction. Operations on such single-connection DataSources are queued
 * here, per DataSource, so every store sharing it takes turns.
 */
const singleConnectionQueues = new WeakMap<DataSource, Promise<unknown>>();

/**
 * {@link AuditStore} over a TypeORM DataSource (PostgreSQL or SQLite through better-sqlite3).
 * Appends are one transaction each with multi-row INSERTs; reads are keyset-paginated by
 * `(chain_id, seq)` so verifying millions of entries keeps memory flat. The table refuses UPDATE,
 * DELETE and TRUNCATE by itself (see `installAuditSchema`).
 *
 * @example
 * const store = new TypeOrmAuditStore(appDataSource); // entities include ...AUDIT_ENTITIES
 * await store.init();
 * await store.append([sealed]);
 * const report = await verifyChains(store.read());
 */
export class TypeOrmAuditStore implements AuditStore {
  private readonly install: boolean;
  private readonly ownsDataSource: boolean;
  private initializing: Promise<void> | undefined;
  private dialectValue: AuditSqlDialect | undefined;
  private closed = false;

  constructor(
    readonly dataSource: DataSource,
    options: TypeOrmAuditStoreOptions = {},
  ) {
    this.install = options.install !== false;
    this.ownsDataSource = options.ownsDataSource === true;
  }

  /** The SQL dialect, known after `init()`. */
  get dialect(): AuditSqlDialect {
    return (this.dialectValue ??= auditDialectOf(this.dataSource));
  }

  /** Initializes an owned DataSource, then installs or checks the schema. Idempotent; other methods call it. */
  init(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('This audit store is closed.'));
    this.initializing ??= this.doInit().catch((error: unknown) => {
      // A failed start (database down) may be retried by calling init() again.
      this.initializing = undefined;
      throw error;
    });
    return this.initializing;
  }

  async readHead(chainId: string): Promise<ChainHead | null> {
    await this.init();
    const row = await this.exclusive(() =>
      this.dataSource
        .getRepository(AuditLogEntity)
        .createQueryBuilder('e')
        .select(['e.chainId', 'e.seq', 'e.hash'])
        .where('e.chainId = :chainId', { chainId })
        .orderBy('e.seq', 'DESC')
        .limit(1)
        .getOne(),
    );
    return row ? { chainId: row.chainId, seq: Number(row.seq), hash: row.hash } : null;
  }

  async append(entries: readonly SealedEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // Map first: a bad entry fails before anything is written.
    const rows = entries.map(toAuditLogRow);
    await this.init();
    let conflict: unknown;
    await this.exclusive(async () => {
      try {
        await this.dataSource.transaction(async (manager) => {
          for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
            await this.insertRows(manager, rows.slice(start, start + ROWS_PER_INSERT));
          }
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        conflict = error;
      }
    });
    // Outside the queue: naming the chain takes reads of their own.
    if (conflict !== undefined) throw new ChainConflictError(await this.conflictingChain(entries), conflict);
  }

  async *read(options: AuditReadOptions = {}): AsyncIterable<SealedEntry> {
    const pageSize = options.pageSize ?? DEFAULT_READ_PAGE_SIZE;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
      throw new RangeError(`pageSize must be a positive integer, got ${String(pageSize)}`);
    }
    await this.init();
    let after: { chainId: string; seq: number } | undefined;
    for (;;) {
      const cursor = after;
      const rows = await this.exclusive(() => {
        const query = this.dataSource
          .getRepository(AuditLogEntity)
          .createQueryBuilder('e')
          .orderBy('e.chainId', 'ASC')
          .addOrderBy('e.seq', 'ASC')
          .limit(pageSize);
        if (options.chainId !== undefined) query.andWhere('e.chainId = :chainId', { chainId: options.chainId });
        if (cursor) {
          // Row-value comparison: one index range scan on the primary key in both databases.
          query.andWhere('(e.chainId, e.seq) > (:afterChain, :afterSeq)', {
            afterChain: cursor.chainId,
            afterSeq: cursor.seq,
          });
        }
        return query.getMany();
      });
      for (const row of rows) yield fromAuditLogRow(row);
      const last = rows[rows.length - 1];
      if (!last || rows.length < pageSize) return;
      after = { chainId: last.chainId, seq: Number(last.seq) };
    }
  }

  /**
   * The newest `limit` entries matching every given filter, returned oldest first (a readable
   * tail of the trail). Not part of {@link AuditStore}: a reporting helper for the CLI and queries.
   */
  async findLatest(query: AuditEntryQuery = {}): Promise<SealedEntry[]> {
    const limit = query.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${String(limit)}`);
    await this.init();
    const rows = await this.exclusive(() => {
      const builder = this.dataSource
        .getRepository(AuditLogEntity)
        .createQueryBuilder('e')
        .orderBy('e.ts', 'DESC')
        .addOrderBy('e.chainId', 'DESC')
        .addOrderBy('e.seq', 'DESC')
        .limit(limit);
      for (const key of ['chainId', 'subjectId', 'actorId', 'action'] as const) {
        const value = query[key];
        if (value !== undefined) builder.andWhere(`e.${key} = :${key}`, { [key]: value });
      }
      return builder.getMany();
    });
    return rows.reverse().map(fromAuditLogRow);
  }

  /** Destroys the DataSource if the store created it; a shared one is left open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.initializing?.catch(() => undefined);
    await singleConnectionQueues.get(this.dataSource);
    if (this.ownsDataSource && this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  /** One multi-row INSERT. `protected` so a subclass can, e.g., add a column it fills itself. */
  protected async insertRows(manager: EntityManager, rows: AuditLogEntity[]): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(AuditLogEntity)
      .values(rows)
      // Nothing is generated by the database: skip TypeORM's RETURNING/re-select round trip.
      .updateEntity(false)
      .execute();
  }

  private async doInit(): Promise<void> {
    const dataSource = this.dataSource;
    if (!dataSource.isInitialized) {
      if (!this.ownsDataSource) throw new AuditDataSourceNotInitializedError();
      await dataSource.initialize();
    }
    this.dialectValue = auditDialectOf(dataSource);
    if (!dataSource.hasMetadata(AuditLogEntity)) throw new AuditEntitiesMissingError();
    await this.exclusive(async () => {
      const status = await inspectAuditSchema(dataSource);
      if (this.install) {
        // Skipping an already complete schema lets a role without DDL rights start with the
        // default options once the owner has installed it.
        if (!status.table || !status.appendOnly) await installAuditSchema(dataSource);
      } else if (!status.table) {
        throw new AuditSchemaMissingError(dataSource.getMetadata(AuditLogEntity).tablePath || AUDIT_LOG_TABLE);
      }
    });
  }

  /**
   * The chain that lost the race: the batch's only chain, else the first whose position is now
   * taken in the database, else one repeating a seq inside the batch. Databases do not all say
   * which key collided (SQLite does not), so ask the table.
   */
  private async conflictingChain(entries: readonly SealedEntry[]): Promise<string> {
    const firstSeq = new Map<string, number>();
    for (const entry of entries) firstSeq.set(entry.chainId, Math.min(entry.seq, firstSeq.get(entry.chainId) ?? Infinity));
    if (firstSeq.size > 1) {
      for (const [chainId, seq] of firstSeq) {
        const head = await this.readHead(chainId).catch(() => null);
        if (head && head.seq >= seq) return chainId;
      }
      const seen = new Set<string>();
      for (const entry of entries) {
        const key = `${entry.seq}\u0000${entry.chainId}`;
        if (seen.has(key)) return entry.chainId;
        seen.add(key);
      }
    }
    return entries[0]?.chainId ?? '';
  }

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    if (this.dialect !== 'sqlite') return operation();
    const previous = singleConnectionQueues.get(this.dataSource) ?? Promise.resolve();
    const next = previous.then(operation, operation);
    singleConnectionQueues.set(
      this.dataSource,
      next.catch(() => undefined),
    );
    return next;
  }
}

/** PostgreSQL 23505, SQLite primary key / unique constraint, MariaDB ER_DUP_ENTRY. */
function isUniqueViolation(error: unknown): boolean {
  const driverError: unknown = error instanceof QueryFailedError ? error.driverError : error;
  const code = (driverError as { code?: unknown } | null)?.code;
  return (
    code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'ER_DUP_ENTRY'
  );
}

