import { createHash } from 'node:crypto';
import { type DataSource, type EntityManager, QueryFailedError, type SelectQueryBuilder } from 'typeorm';
import type { ChainHead, SealedEntry } from '../core/audit-event';
import { type AuditReadOptions, type AuditStore, ChainConflictError } from '../core/audit-store.interface';
import {
  CheckpointConflictError,
  type CheckpointReadOptions,
  type CheckpointStore,
  type StoredCheckpoint,
  type StoredSigningKey,
} from '../core/checkpoint/checkpoint-store.interface';
import { AuditCheckpointEntity, AuditSigningKeyEntity } from './audit-checkpoint.entity';
import { AUDIT_LOG_TABLE, AuditLogEntity } from './audit-log.entity';
import { fromAuditLogRow, fromCheckpointRow, toAuditLogRow } from './audit-log.mapper';
import { auditDialectOf, type AuditSqlDialect, inspectAuditSchema, installAuditSchema } from './audit-schema';
import {
  AuditCheckpointTablesMissingError,
  AuditDataSourceNotInitializedError,
  AuditEntitiesMissingError,
  AuditSchemaMissingError,
} from './audit-store.errors';

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
  /**
   * PostgreSQL: run the INSERTs of recurring batch sizes as named prepared statements (parsed once
   * per connection). Default `true`. Set `false` behind a pooler that cannot keep prepared
   * statements, e.g. PgBouncer in transaction mode before 1.21 or with `max_prepared_statements = 0`.
   */
  prepareInserts?: boolean;
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
 * Rough bytes per INSERT statement. MariaDB refuses a statement larger than `max_allowed_packet`
 * (16 MiB by default) outright; 500 rows with large payloads could pass that, so a statement
 * also ends once its rows' text reaches this budget (one row larger than it still goes alone).
 */
const BYTES_PER_INSERT = 4 * 1024 * 1024;

/** A row count is prepared (PostgreSQL) from its this-many-th use on: full batches, not odd partial ones. */
const PREPARE_AFTER_USES = 4;

/** Row counts prepared at most per store: bounds what the server keeps per pooled connection. */
const MAX_PREPARED_COUNTS = 4;

/** A cached multi-row INSERT for one row count. */
interface InsertStatement {
  count: number;
  sql: string;
  properties: Array<keyof AuditLogEntity>;
  /** Executions so far, until it is prepared. */
  uses: number;
  /** Its prepared-statement name once it is prepared (PostgreSQL). */
  name?: string;
}

/**
 * TypeORM 1.x gives better-sqlite3 ONE shared query runner and treats a transaction started while
 * another is open as a nested SAVEPOINT: two concurrent `dataSource.transaction()` calls would
 * interleave inside one transaction. Operations on such single-connection DataSources are queued
 * here, per DataSource, so every store sharing it takes turns.
 */
const singleConnectionQueues = new WeakMap<DataSource, Promise<unknown>>();

/**
 * {@link AuditStore} over a TypeORM DataSource (PostgreSQL, MariaDB, or SQLite through better-sqlite3).
 * Appends are one transaction each with multi-row INSERTs; reads are keyset-paginated by
 * `(chain_id, seq)` so verifying millions of entries keeps memory flat. The table refuses UPDATE,
 * DELETE and (except on MariaDB, where only privileges can) TRUNCATE by itself (see `installAuditSchema`).
 *
 * @example
 * const store = new TypeOrmAuditStore(appDataSource); // entities include ...AUDIT_ENTITIES
 * await store.init();
 * await store.append([sealed]);
 * const report = await verifyChains(store.read());
 */
export class TypeOrmAuditStore implements AuditStore, CheckpointStore {
  private readonly install: boolean;
  private readonly ownsDataSource: boolean;
  private initializing: Promise<void> | undefined;
  private dialectValue: AuditSqlDialect | undefined;
  private readonly insertStatements = new Map<number, InsertStatement>();
  private readonly prepareInserts: boolean;
  private preparedCounts = 0;
  private closed = false;

  constructor(
    readonly dataSource: DataSource,
    options: TypeOrmAuditStoreOptions = {},
  ) {
    this.install = options.install !== false;
    this.ownsDataSource = options.ownsDataSource === true;
    this.prepareInserts = options.prepareInserts !== false;
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
        const chunks = insertChunks(rows);
        if (chunks.length === 1) {
          // One INSERT statement is atomic on its own (all rows or none, the primary key checked
          // for each): BEGIN and COMMIT would only add two round trips per batch.
          await this.insertRows(this.dataSource.manager, chunks[0] as AuditLogEntity[]);
        } else {
          await this.dataSource.transaction(async (manager) => {
            for (const chunk of chunks) await this.insertRows(manager, chunk);
          });
        }
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        conflict = error;
      }
    });
    // Outside the queue: naming the chain takes reads of their own.
    if (conflict !== undefined) throw new ChainConflictError(await this.conflictingChain(entries), conflict);
  }

  async *read(options: AuditReadOptions = {}): AsyncIterable<SealedEntry> {
    const pageSize = checkPageSize(options.pageSize);
    await this.init();
    for await (const row of this.keysetPages(AuditLogEntity, pageSize, options.chainId)) yield fromAuditLogRow(row);
  }

  /** Entries of one chain with `seq > afterSeq`, in seq order, page by page. */
  async *readChain(chainId: string, afterSeq: number, pageSize = DEFAULT_READ_PAGE_SIZE): AsyncIterable<SealedEntry> {
    await this.init();
    let after = afterSeq;
    for (;;) {
      const cursor = after;
      const rows = await this.exclusive(() =>
        this.rawRows(
          AuditLogEntity,
          this.dataSource
            .getRepository(AuditLogEntity)
            .createQueryBuilder('e')
            .where('e.chainId = :chainId', { chainId })
            .andWhere('e.seq > :after', { after: cursor })
            .orderBy('e.seq', 'ASC')
            .limit(pageSize),
        ),
      );
      for (const row of rows) yield fromAuditLogRow(row);
      const last = rows[rows.length - 1];
      if (!last || rows.length < pageSize) return;
      after = Number(last.seq);
    }
  }

  /** Number of stored entries (for a progress bar). */
  async countEntries(): Promise<number> {
    await this.init();
    return this.exclusive(() => this.dataSource.getRepository(AuditLogEntity).count());
  }

  /** Every chain id with at least one entry, in chain order. */
  async listChainIds(): Promise<string[]> {
    await this.init();
    const rows = (await this.exclusive(() =>
      this.dataSource.getRepository(AuditLogEntity).createQueryBuilder('e').select('DISTINCT e.chainId', 'chainId').orderBy('e.chainId', 'ASC').getRawMany(),
    )) as Array<{ chainId: string }>;
    return rows.map((row) => row.chainId);
  }

  async appendCheckpoint(checkpoint: StoredCheckpoint): Promise<void> {
    await this.init();
    await this.requireCheckpointTables();
    const row: AuditCheckpointEntity = {
      chainId: checkpoint.chainId,
      seq: checkpoint.seq,
      v: checkpoint.v,
      ts: checkpoint.ts,
      treeSize: checkpoint.treeSize,
      root: checkpoint.root,
      headHash: checkpoint.headHash,
      prevHash: checkpoint.prevHash,
      keyId: checkpoint.keyId,
      signature: checkpoint.signature,
      hash: checkpoint.hash,
      frontier: JSON.stringify(checkpoint.frontier),
    };
    try {
      await this.exclusive(() =>
        this.dataSource.createQueryBuilder().insert().into(AuditCheckpointEntity).values(row).updateEntity(false).execute(),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new CheckpointConflictError(checkpoint.chainId, error);
      throw error;
    }
  }

  async readLatestCheckpoint(chainId: string): Promise<StoredCheckpoint | null> {
    await this.init();
    if (!(await this.hasCheckpointTables())) return null;
    const row = await this.exclusive(() =>
      this.dataSource
        .getRepository(AuditCheckpointEntity)
        .createQueryBuilder('c')
        .where('c.chainId = :chainId', { chainId })
        .orderBy('c.seq', 'DESC')
        .limit(1)
        .getOne(),
    );
    return row ? fromCheckpointRow(row) : null;
  }

  async *readCheckpoints(options: CheckpointReadOptions = {}): AsyncIterable<StoredCheckpoint> {
    const pageSize = checkPageSize(options.pageSize);
    await this.init();
    if (!(await this.hasCheckpointTables())) return;
    for await (const row of this.keysetPages(AuditCheckpointEntity, pageSize, options.chainId)) yield fromCheckpointRow(row);
  }

  async registerSigningKey(key: { keyId: string; publicKey: string }): Promise<void> {
    await this.init();
    await this.requireCheckpointTables();
    await this.exclusive(() =>
      this.dataSource
        .createQueryBuilder()
        .insert()
        .into(AuditSigningKeyEntity)
        .values({ keyId: key.keyId, algorithm: 'ed25519', publicKey: key.publicKey, createdAt: new Date().toISOString() })
        .orIgnore()
        .updateEntity(false)
        .execute(),
    );
  }

  async readSigningKeys(): Promise<StoredSigningKey[]> {
    await this.init();
    if (!(await this.hasCheckpointTables())) return [];
    const rows = await this.exclusive(() =>
      this.dataSource.getRepository(AuditSigningKeyEntity).createQueryBuilder('k').orderBy('k.createdAt', 'ASC').addOrderBy('k.keyId', 'ASC').getMany(),
    );
    return rows.map((row) => ({ keyId: row.keyId.trim(), algorithm: row.algorithm, publicKey: row.publicKey, createdAt: row.createdAt }));
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

  /**
   * Rows ordered by `(chain_id, seq)`, page by page. The cursor is `(chain, seq, rows already
   * returned with that key)`, so a duplicated key (someone dropped the primary key and inserted
   * a copy) is never skipped at a page boundary: verification must see every row.
   */
  private async *keysetPages<T extends AuditLogEntity | AuditCheckpointEntity>(
    entity: new () => T,
    pageSize: number,
    chainId: string | undefined,
  ): AsyncIterable<T> {
    let cursor: { chainId: string; seq: number; seen: number } | undefined;
    for (;;) {
      const from = cursor;
      const rows = (await this.exclusive(() => {
        const query = this.dataSource
          .getRepository(entity)
          .createQueryBuilder('e')
          .orderBy('e.chainId', 'ASC')
          .addOrderBy('e.seq', 'ASC')
          .limit(pageSize);
        if (chainId !== undefined) query.andWhere('e.chainId = :chainId', { chainId });
        if (from) {
          const params = { afterChain: from.chainId, afterSeq: from.seq };
          if (this.dialect === 'mariadb') {
            // MariaDB does not turn a row-value inequality into a range scan (it would walk the
            // primary key from the start on every page); this form is the same set and is one.
            query.andWhere('e.chainId >= :afterChain AND (e.chainId > :afterChain OR e.seq >= :afterSeq)', params);
          } else {
            // Row-value comparison: one index range scan on the primary key in PostgreSQL and SQLite.
            query.andWhere('(e.chainId, e.seq) >= (:afterChain, :afterSeq)', params);
          }
          query.offset(from.seen);
        }
        return this.rawRows(entity, query);
      })) as T[];
      for (const row of rows) yield row;
      const last = rows[rows.length - 1];
      if (!last || rows.length < pageSize) return;
      const lastSeq = Number(last.seq);
      let seen = 0;
      for (let i = rows.length - 1; i >= 0 && rows[i]?.chainId === last.chainId && Number(rows[i]?.seq) === lastSeq; i -= 1) seen += 1;
      if (from && from.chainId === last.chainId && from.seq === lastSeq) seen += from.seen;
      cursor = { chainId: last.chainId, seq: lastSeq, seen };
    }
  }

  /**
   * Rows as entity-shaped objects WITHOUT TypeORM's entity hydration, which merges rows that share
   * a primary key: a duplicated `(chain_id, seq)` must reach the verifier twice.
   */
  private async rawRows<T extends object>(entity: new () => T, query: SelectQueryBuilder<T>): Promise<T[]> {
    const columns = this.dataSource.getMetadata(entity).columns;
    query.select([]);
    for (const column of columns) query.addSelect(`${query.alias}.${column.propertyName}`, column.propertyName);
    const raw = (await query.getRawMany()) as Array<Record<string, unknown>>;
    return raw.map((row) => {
      const out: Record<string, unknown> = {};
      for (const column of columns) {
        const value = row[column.propertyName];
        const transformer = column.transformer;
        out[column.propertyName] = transformer && !Array.isArray(transformer) ? transformer.from(value) : value;
      }
      return out as T;
    });
  }

  private checkpointTables: Promise<boolean> | undefined;

  private hasCheckpointTables(): Promise<boolean> {
    this.checkpointTables ??= this.exclusive(() => inspectAuditSchema(this.dataSource)).then(
      (status) => status.checkpointTables && this.dataSource.hasMetadata(AuditCheckpointEntity) && this.dataSource.hasMetadata(AuditSigningKeyEntity),
    );
    return this.checkpointTables;
  }

  private async requireCheckpointTables(): Promise<void> {
    if (!this.dataSource.hasMetadata(AuditCheckpointEntity) || !this.dataSource.hasMetadata(AuditSigningKeyEntity)) {
      throw new AuditEntitiesMissingError();
    }
    if (!(await this.hasCheckpointTables())) {
      this.checkpointTables = undefined;
      throw new AuditCheckpointTablesMissingError();
    }
  }

  /** One multi-row INSERT. `protected` so a subclass can, e.g., add a column it fills itself. */
  protected async insertRows(manager: EntityManager, rows: AuditLogEntity[]): Promise<void> {
    // One parameterized multi-row INSERT, built once per row count: TypeORM's query builder spent
    // more CPU re-deriving the same statement (parameter maps, escaping) than the rest of the
    // writer's work per entry. Every column transformer of the entity is the identity on write.
    const statement = this.insertStatement(rows.length);
    const { sql, properties } = statement;
    const params: unknown[] = new Array<unknown>(rows.length * properties.length);
    let at = 0;
    for (const row of rows) for (const property of properties) params[at++] = row[property];
    const name = this.preparedName(statement);
    if (name === undefined) {
      await manager.query(sql, params);
      return;
    }
    // PostgreSQL parses and plans a 1 400-parameter INSERT on every execution unless it is a named
    // prepared statement: prepared once per connection, it is then only bound and executed. TypeORM's
    // query() cannot name a statement, so it goes to the driver's connection of the same runner
    // (the transaction's when there is one).
    const runner = manager.queryRunner ?? this.dataSource.createQueryRunner();
    try {
      const connection = (await runner.connect()) as { query(config: { name: string; text: string; values: unknown[] }): Promise<unknown> };
      try {
        await connection.query({ name, text: sql, values: params });
      } catch (error) {
        // Shaped like TypeORM's own query errors; the values stay out of it (they are captured data).
        throw new QueryFailedError(sql, undefined, error as Error);
      }
    } finally {
      if (runner !== manager.queryRunner) await runner.release();
    }
  }

  /**
   * The name under which `statement` runs as a prepared statement, or `undefined` to run it
   * unprepared. Only on PostgreSQL, and only for a few row counts that recur (full batches): each
   * prepared 100-row INSERT holds about 300 KiB in every pooled server connection until it
   * closes, so the odd sizes of partial batches are not worth keeping.
   */
  private preparedName(statement: InsertStatement): string | undefined {
    if (!this.prepareInserts || this.dialectValue !== 'postgres') return undefined;
    if (statement.name !== undefined) return statement.name;
    statement.uses += 1;
    if (statement.uses < PREPARE_AFTER_USES || this.preparedCounts >= MAX_PREPARED_COUNTS) return undefined;
    this.preparedCounts += 1;
    // The text in the name: two stores with different tables on one pool never share a name.
    statement.name = `sealed_audit_insert_${statement.count}_${createHash('sha256').update(statement.sql).digest('hex').slice(0, 16)}`;
    return statement.name;
  }

  /** The INSERT for `count` rows of `audit_log`, in this DataSource's dialect, cached. */
  private insertStatement(count: number): InsertStatement {
    let cached = this.insertStatements.get(count);
    if (!cached) {
      const metadata = this.dataSource.getMetadata(AuditLogEntity);
      const driver = this.dataSource.driver;
      const columns = metadata.columns;
      const table = metadata.tablePath.split('.').map((part) => driver.escape(part)).join('.');
      const names = columns.map((column) => driver.escape(column.databaseName)).join(', ');
      const postgres = this.dialectValue === 'postgres';
      let n = 0;
      const tuples = Array.from({ length: count }, () => `(${columns.map(() => (postgres ? `$${++n}` : '?')).join(', ')})`);
      cached = {
        count,
        sql: `INSERT INTO ${table} (${names}) VALUES ${tuples.join(', ')}`,
        properties: columns.map((column) => column.propertyName as keyof AuditLogEntity),
        uses: 0,
      };
      // Prepared ones stay: the server keeps them anyway, and there are at most MAX_PREPARED_COUNTS.
      if (this.insertStatements.size >= 64) for (const [key, value] of this.insertStatements) if (value.name === undefined) this.insertStatements.delete(key);
      this.insertStatements.set(count, cached);
    }
    return cached;
  }

  private async doInit(): Promise<void> {
    const dataSource = this.dataSource;
    if (!dataSource.isInitialized) {
      if (!this.ownsDataSource) throw new AuditDataSourceNotInitializedError();
      await dataSource.initialize();
    }
    this.dialectValue = auditDialectOf(dataSource);
    if (!dataSource.hasMetadata(AuditLogEntity)) throw new AuditEntitiesMissingError();
    if (this.dialectValue === 'mariadb') await checkMariaDbCharset(dataSource);
    await this.exclusive(async () => {
      const status = await inspectAuditSchema(dataSource);
      if (this.install) {
        // Skipping an already complete schema lets a role without DDL rights start with the
        // default options once the owner has installed it.
        if (!status.table || !status.appendOnly || !status.checkpointTables) await installAuditSchema(dataSource);
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

/** `rows` cut into INSERT statements of at most {@link ROWS_PER_INSERT} rows and about {@link BYTES_PER_INSERT}. */
function insertChunks(rows: AuditLogEntity[]): AuditLogEntity[][] {
  const chunks: AuditLogEntity[][] = [];
  let chunk: AuditLogEntity[] = [];
  let bytes = 0;
  for (const row of rows) {
    // UTF-16 length ≤ UTF-8 bytes ≤ 3 × it; the fixed part covers the other columns.
    const size = 3 * row.payload.length + 2048;
    if (chunk.length > 0 && (chunk.length >= ROWS_PER_INSERT || bytes + size > BYTES_PER_INSERT)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(row);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/**
 * A shared MariaDB DataSource must talk utf8mb4: with another connection charset, characters
 * outside it are stored as "?" and the entry no longer verifies.
 */
async function checkMariaDbCharset(dataSource: DataSource): Promise<void> {
  const [row] = (await dataSource.query('SELECT @@character_set_client AS client, @@character_set_results AS results')) as Array<{
    client: string | null;
    results: string | null;
  }>;
  if (row?.client !== 'utf8mb4' || row.results !== 'utf8mb4') {
    throw new Error(
      `sealed-audit needs a utf8mb4 connection to MariaDB, this one uses character_set_client=${String(row?.client)}, ` +
        `character_set_results=${String(row?.results)}. Set \`charset: 'utf8mb4'\` (or leave mysql2's default) in the DataSource options.`,
    );
  }
}

function checkPageSize(value: number | undefined): number {
  const pageSize = value ?? DEFAULT_READ_PAGE_SIZE;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`pageSize must be a positive integer, got ${String(pageSize)}`);
  }
  return pageSize;
}

/** PostgreSQL 23505, SQLite primary key / unique constraint, MariaDB ER_DUP_ENTRY. */
function isUniqueViolation(error: unknown): boolean {
  const driverError: unknown = error instanceof QueryFailedError ? error.driverError : error;
  const code = (driverError as { code?: unknown } | null)?.code;
  return (
    code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'ER_DUP_ENTRY'
  );
}

