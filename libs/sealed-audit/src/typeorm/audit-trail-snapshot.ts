import type { DataSource, QueryRunner } from 'typeorm';
import type { SealedEntry } from '../core/audit-event';
import type { StoredCheckpoint, StoredSigningKey } from '../core/checkpoint/checkpoint-store.interface';
import { type StoredEntryRow, entryFromStoredRow } from '../core/verify/stored-entry-row';
import type { TrailSource } from '../core/verify/trail-verifier';
import { AuditCheckpointEntity, AuditSigningKeyEntity } from './audit-checkpoint.entity';
import { AuditLogEntity } from './audit-log.entity';
import { type AuditCheckpointRow, fromCheckpointRow } from './audit-log.mapper';
import type { TypeOrmAuditStore } from './typeorm-audit.store';

/** Options of {@link openTrailSnapshot}. */
export interface TrailSnapshotOptions {
  /**
   * Entries fetched per round trip on PostgreSQL (two batches are held at most: the one being
   * verified and the next, already requested). Default 2000.
   */
  batchSize?: number;
}

/**
 * Everything a verification reads, from one consistent view of the database. Close it after use.
 * `entries` and `entryRows` read the same cursor: iterate one of them, once.
 */
export interface TrailSnapshot extends TrailSource {
  entries: AsyncIterable<SealedEntry>;
  checkpoints: AsyncIterable<StoredCheckpoint>;
  storedKeys: readonly StoredSigningKey[];
  /** Ends the read transaction and returns its connection. Idempotent. */
  close(): Promise<void>;
}

/** Default of {@link TrailSnapshotOptions.batchSize}. */
export const DEFAULT_SNAPSHOT_BATCH_SIZE = 2000;

/**
 * Opens what `verifyTrail` reads. On PostgreSQL: one `REPEATABLE READ, READ ONLY` transaction on
 * one connection, with server-side cursors over `audit_log` and `audit_checkpoint` ordered by
 * `(chain_id, seq)` and the signing keys, all from the same snapshot: entries, checkpoints and
 * keys agree with each other even while writers and the checkpointer keep appending (a checkpoint
 * signed during a long verification is never seen without its entries, which would read as a
 * cut-off tail). Rows come through the driver with the verifier's columns only, as text (no
 * entity hydration, no per-row type parsing), and the next batch is requested before the current
 * one is verified, so the database works while the verifier hashes. Memory stays flat: at most
 * two batches of entries are held.
 *
 * The entries are also offered as batches of raw rows (`entryRows`, which `verifyTrail` prefers):
 * an intact row is then checked from its fields, with no entry object and no promise per row.
 * Each entry carries its stored payload text (`STORED_PAYLOAD_TEXT`), which the verifier hashes
 * directly when it is canonical instead of re-serializing the parsed payload.
 *
 * On SQLite and MariaDB it is the store's own paginated readers (`read()`, `readCheckpoints()`).
 *
 * @example
 * const snapshot = await openTrailSnapshot(store);
 * try {
 *   const report = await verifyTrail(snapshot, { publicKeys });
 * } finally {
 *   await snapshot.close();
 * }
 */
export async function openTrailSnapshot(store: TypeOrmAuditStore, options: TrailSnapshotOptions = {}): Promise<TrailSnapshot> {
  const batchSize = options.batchSize ?? DEFAULT_SNAPSHOT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${String(batchSize)}`);
  await store.init();
  if (store.dialect !== 'postgres') {
    return { entries: store.read(), checkpoints: store.readCheckpoints(), storedKeys: await store.readSigningKeys(), close: async () => undefined };
  }
  return openPostgresSnapshot(store.dataSource, batchSize);
}

/** The part of a `pg` client used here. */
interface PgClient {
  query(config: { text: string; values?: unknown[]; rowMode?: 'array'; types?: PgTypes }): Promise<{ rows: unknown[] }>;
}
interface PgTypes {
  getTypeParser(oid: number, format?: string): (value: string) => unknown;
}

/** Every column as the text PostgreSQL sends: the verifier converts the few it needs itself. */
const TEXT_COLUMNS: PgTypes = { getTypeParser: () => (value: string) => value };

const ENTRIES_CURSOR = 'sealed_audit_verify_entries';
const CHECKPOINTS_CURSOR = 'sealed_audit_verify_checkpoints';
const CHECKPOINT_BATCH_SIZE = 500;
/** The `audit_checkpoint` columns named as the entity's properties: the rows the store's mapper reads. */
const CHECKPOINT_COLUMNS =
  'chain_id AS "chainId", seq, v, ts, tree_size AS "treeSize", root, head_hash AS "headHash", prev_hash AS "prevHash", ' +
  'key_id AS "keyId", signature, hash, frontier';

/**
 * The `audit_log` columns in the order {@link entryFromRow} reads them. `ts` (timestamptz(3)) is
 * formatted by the server exactly as `Date#toISOString()` would, independent of the session's
 * TimeZone and DateStyle; outside years 1..9999, where the two formats part, as epoch milliseconds.
 */
const ENTRY_COLUMNS =
  "chain_id, seq, v, CASE WHEN ts >= '0001-01-01T00:00:00Z' AND ts < '10000-01-01T00:00:00Z' " +
  "THEN to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') " +
  "ELSE ((extract(epoch FROM date_trunc('milliseconds', ts)) * 1000)::bigint)::text END, action, outcome, " +
  'actor_id, actor_type, resource, subject_id, request_id, payload, prev_hash, hash';

async function openPostgresSnapshot(dataSource: DataSource, batchSize: number): Promise<TrailSnapshot> {
  const runner: QueryRunner = dataSource.createQueryRunner();
  const client = (await runner.connect()) as PgClient;
  let closed = false;
  let inTransaction = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    try {
      // Read-only: nothing to keep. Closes the cursors with the transaction.
      if (inTransaction) await client.query({ text: 'ROLLBACK' });
    } finally {
      await runner.release();
    }
  };
  try {
    await client.query({ text: 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY' });
    inTransaction = true;
    const log = tablePath(dataSource, AuditLogEntity);
    await client.query({ text: `DECLARE ${ENTRIES_CURSOR} NO SCROLL CURSOR FOR SELECT ${ENTRY_COLUMNS} FROM ${log} ORDER BY chain_id, seq` });
    let checkpoints: AsyncIterable<StoredCheckpoint> = emptyIterable();
    let storedKeys: StoredSigningKey[] = [];
    if (dataSource.hasMetadata(AuditCheckpointEntity) && dataSource.hasMetadata(AuditSigningKeyEntity)) {
      const checkpointTable = tablePath(dataSource, AuditCheckpointEntity);
      const keyTable = tablePath(dataSource, AuditSigningKeyEntity);
      const { rows } = await client.query({ text: 'SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AS present', values: [checkpointTable, keyTable] });
      if ((rows[0] as { present?: boolean } | undefined)?.present === true) {
        await client.query({ text: `DECLARE ${CHECKPOINTS_CURSOR} NO SCROLL CURSOR FOR SELECT ${CHECKPOINT_COLUMNS} FROM ${checkpointTable} ORDER BY chain_id, seq` });
        checkpoints = fetchAll<AuditCheckpointRow, StoredCheckpoint>(client, CHECKPOINTS_CURSOR, CHECKPOINT_BATCH_SIZE, fromCheckpointRow);
        const keys = await client.query({ text: `SELECT key_id, algorithm, public_key, created_at FROM ${keyTable} ORDER BY created_at ASC, key_id ASC` });
        storedKeys = (keys.rows as KeyRow[]).map(keyFromRow);
      }
    }
    // One cursor, two views of it: batches of raw rows (what verifyTrail reads) or entries.
    const entryRows = fetchBatches<EntryRow>(client, ENTRIES_CURSOR, batchSize, TEXT_COLUMNS, normalizeRows);
    return { entries: entriesOf(entryRows), entryRows, checkpoints, storedKeys, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/**
 * Batches of `FETCH FORWARD size` from a cursor. The next batch is requested as soon as one
 * arrives, before its rows are handed on, so the server produces it while they are consumed.
 * (Handing a batch on in slices with a turn of the event loop between them, so the driver reads
 * the next batch while the verifier works, was measured: no gain, the wait is the driver's own
 * parsing, not the server.)
 */
async function* fetchBatches<R>(
  client: PgClient,
  cursor: string,
  size: number,
  types: PgTypes | undefined,
  prepare?: (rows: R[]) => void,
): AsyncGenerator<R[]> {
  const fetch = (): Promise<{ rows: unknown[] }> => {
    const pending = client.query({ text: `FETCH FORWARD ${size} FROM ${cursor}`, ...(types ? { rowMode: 'array' as const, types } : {}) });
    // Awaited below; until then a failure must not count as unhandled if the consumer stops early.
    pending.catch(() => undefined);
    return pending;
  };
  let next: Promise<{ rows: unknown[] }> | undefined = fetch();
  while (next) {
    const rows = (await next).rows as R[];
    next = rows.length === size ? fetch() : undefined;
    if (prepare) prepare(rows);
    if (rows.length > 0) yield rows;
  }
}

/** The rows of {@link fetchBatches}, one by one, mapped. */
async function* fetchAll<R, T>(client: PgClient, cursor: string, size: number, map: (row: R) => T): AsyncIterable<T> {
  for await (const rows of fetchBatches<R>(client, cursor, size, undefined)) {
    for (const row of rows) yield map(row);
  }
}

async function* entriesOf(batches: AsyncIterable<readonly StoredEntryRow[]>): AsyncIterable<SealedEntry> {
  for await (const rows of batches) {
    for (const row of rows) yield entryFromStoredRow(row);
  }
}

async function* emptyIterable<T>(): AsyncIterable<T> {
  // Nothing to read: the checkpoint tables are not installed.
}

/** `schema.table`, quoted, of an entity in this DataSource. */
function tablePath(dataSource: DataSource, entity: new () => object): string {
  const driver = dataSource.driver;
  return dataSource
    .getMetadata(entity)
    .tablePath.split('.')
    .map((part) => driver.escape(part))
    .join('.');
}

/** A row of {@link ENTRY_COLUMNS} as sent: the stored-row layout, `seq` and `v` as text, `ts` still to normalize. */
type EntryRow = Writable<StoredEntryRow>;
type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Timestamps outside years 1..9999 come as epoch milliseconds (see {@link ENTRY_COLUMNS}): made ISO in place. */
function normalizeRows(rows: EntryRow[]): void {
  for (let i = 0; i < rows.length; i += 1) {
    const row = rows[i] as EntryRow;
    const ts = row[3];
    if (!ts.endsWith('Z')) row[3] = isoTimestamp(ts);
  }
}

/** What `pg` + `Date#toISOString()` give for a timestamptz(3) (see {@link ENTRY_COLUMNS}). */
function isoTimestamp(text: string): string {
  const date = new Date(Number(text));
  // Outside the Date range: left as it is, so the entry fails its hash instead of aborting the walk.
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

interface KeyRow {
  key_id: string;
  algorithm: string;
  public_key: string;
  created_at: Date | string;
}

function keyFromRow(row: KeyRow): StoredSigningKey {
  return {
    keyId: row.key_id.trim(),
    algorithm: row.algorithm,
    publicKey: row.public_key,
    createdAt: row.created_at instanceof Date ? row.created_at.toISOString() : row.created_at,
  };
}
