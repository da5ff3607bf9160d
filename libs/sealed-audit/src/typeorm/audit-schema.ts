import type { DataSource, QueryRunner } from 'typeorm';
import { AUDIT_CHECKPOINT_TABLE, AUDIT_SIGNING_KEY_TABLE } from './audit-checkpoint.entity';
import { AUDIT_LOG_COLUMN_LENGTHS as L, AUDIT_LOG_TABLE, AuditLogEntity } from './audit-log.entity';
import { UnsupportedAuditDatabaseError } from './audit-store.errors';

/**
 * SQL dialects with an append-only schema. `mariadb` is MariaDB 10.5+ through mysql2 (TypeORM
 * type `mariadb`, or `mysql` pointed at a MariaDB server).
 */
export type AuditSqlDialect = 'postgres' | 'sqlite' | 'mariadb';

/** Where the audit table lives. */
export interface AuditSchemaOptions {
  /**
   * PostgreSQL schema; unqualified (the connection's search_path) when absent. Ignored by SQLite
   * and MariaDB (there, the connection's database is the schema).
   */
  schema?: string;
}

/**
 * Named lock that serializes concurrent installers on MariaDB (`GET_LOCK`), waited for at most
 * {@link MARIADB_INSTALL_LOCK_SECONDS}. DDL commits implicitly there, so the lock, not a
 * transaction, is what keeps two processes starting together from interleaving their DDL.
 */
const MARIADB_INSTALL_LOCK = 'sealed-audit:install';
const MARIADB_INSTALL_LOCK_SECONDS = 30;

/** Names of the append-only guards, so checks and tests do not repeat string literals. */
export const AUDIT_LOG_GUARDS = {
  postgresFunction: 'sealed_audit_reject_change',
  postgresRowTrigger: 'audit_log_append_only',
  postgresTruncateTrigger: 'audit_log_no_truncate',
  sqliteUpdateTrigger: 'audit_log_no_update',
  sqliteDeleteTrigger: 'audit_log_no_delete',
  mariadbUpdateTrigger: 'audit_log_no_update',
  mariadbDeleteTrigger: 'audit_log_no_delete',
} as const;

/** Guards of `audit_checkpoint` (same protection as `audit_log`). */
export const AUDIT_CHECKPOINT_GUARDS = {
  postgresRowTrigger: 'audit_checkpoint_append_only',
  postgresTruncateTrigger: 'audit_checkpoint_no_truncate',
  sqliteUpdateTrigger: 'audit_checkpoint_no_update',
  sqliteDeleteTrigger: 'audit_checkpoint_no_delete',
  mariadbUpdateTrigger: 'audit_checkpoint_no_update',
  mariadbDeleteTrigger: 'audit_checkpoint_no_delete',
} as const;

/** Guards of `audit_signing_key`. */
export const AUDIT_SIGNING_KEY_GUARDS = {
  postgresRowTrigger: 'audit_signing_key_append_only',
  postgresTruncateTrigger: 'audit_signing_key_no_truncate',
  sqliteUpdateTrigger: 'audit_signing_key_no_update',
  sqliteDeleteTrigger: 'audit_signing_key_no_delete',
  mariadbUpdateTrigger: 'audit_signing_key_no_update',
  mariadbDeleteTrigger: 'audit_signing_key_no_delete',
} as const;

/** Trigger names of one append-only table. */
export interface AppendOnlyGuards {
  postgresRowTrigger: string;
  postgresTruncateTrigger: string;
  sqliteUpdateTrigger: string;
  sqliteDeleteTrigger: string;
  mariadbUpdateTrigger: string;
  mariadbDeleteTrigger: string;
}

/** Every append-only table sealed-audit installs, with its trigger names. */
export const AUDIT_APPEND_ONLY_TABLES: ReadonlyArray<{ table: string; guards: AppendOnlyGuards }> = [
  { table: AUDIT_LOG_TABLE, guards: AUDIT_LOG_GUARDS },
  { table: AUDIT_CHECKPOINT_TABLE, guards: AUDIT_CHECKPOINT_GUARDS },
  { table: AUDIT_SIGNING_KEY_TABLE, guards: AUDIT_SIGNING_KEY_GUARDS },
];

/** The dialect of a DataSource, or {@link UnsupportedAuditDatabaseError}. */
export function auditDialectOf(dataSource: DataSource): AuditSqlDialect {
  const type = dataSource.options.type;
  if (type === 'postgres') return 'postgres';
  if (type === 'better-sqlite3') return 'sqlite';
  // One driver (mysql2) for both TypeORM types; the DDL needs a MariaDB server (see mariadbSchemaSql).
  if (type === 'mariadb' || type === 'mysql') return 'mariadb';
  throw new UnsupportedAuditDatabaseError(String(type));
}

/**
 * The schema holding the audit table: the entity metadata's (which follows the DataSource's
 * `schema` option), else the DataSource option itself (a migration may run on a DataSource that
 * does not register the entity).
 */
export function auditSchemaOf(dataSource: DataSource): string | undefined {
  if (auditDialectOf(dataSource) !== 'postgres') return undefined;
  if (dataSource.isInitialized && dataSource.hasMetadata(AuditLogEntity)) {
    const schema = dataSource.getMetadata(AuditLogEntity).schema;
    if (schema) return schema;
  }
  const schema = (dataSource.options as { schema?: string }).schema;
  return schema || undefined;
}

/**
 * The idempotent DDL that creates `audit_log`, its indexes and the triggers that make the database
 * itself refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL). Safe to run again at every start:
 * tables and indexes use IF NOT EXISTS and triggers are replaced, so an upgrade ships new
 * definitions simply by running it.
 *
 * PostgreSQL needs 14+ (CREATE OR REPLACE TRIGGER). The triggers are `ENABLE ALWAYS` so that
 * `session_replication_role = replica` does not skip them. An owner or superuser can still drop
 * them; the hash chain (and signed checkpoints) are what detect that.
 *
 * MariaDB (10.5+) gets BEFORE UPDATE / BEFORE DELETE triggers that `SIGNAL SQLSTATE '45000'`.
 * MariaDB cannot refuse TRUNCATE with a trigger: give the application a user without DROP
 * (`mariadbRoleSetupSql`). With binary logging on, creating triggers needs SUPER (or
 * `log_bin_trust_function_creators = 1`).
 *
 * @example
 * for (const sql of auditSchemaSql('postgres', { schema: 'audit' })) console.log(`${sql};`);
 */
export function auditSchemaSql(dialect: AuditSqlDialect, options: AuditSchemaOptions = {}): string[] {
  if (dialect === 'postgres') return postgresSchemaSql(options.schema);
  return dialect === 'mariadb' ? mariadbSchemaSql() : sqliteSchemaSql();
}

/**
 * Creates or upgrades the audit schema in one transaction (see {@link auditSchemaSql}). Run it as
 * the role that owns the table; the application role then needs only INSERT and SELECT
 * (see `postgresRoleSetupSql`, `mariadbRoleSetupSql`). Concurrent installers are serialized by an
 * advisory lock (PostgreSQL) or `GET_LOCK` (MariaDB), so several processes starting together do
 * not trip over each other's CREATE. On MariaDB, where DDL commits implicitly, there is no
 * enclosing transaction: every statement is idempotent, so an interrupted install is finished by
 * the next one.
 *
 * @example
 * await installAuditSchema(dataSource);
 */
export async function installAuditSchema(dataSource: DataSource, options: AuditSchemaOptions = {}): Promise<void> {
  const dialect = auditDialectOf(dataSource);
  const schema = options.schema ?? auditSchemaOf(dataSource);
  const runner = dataSource.createQueryRunner();
  try {
    if (dialect === 'mariadb') {
      // Every DDL statement commits implicitly on MariaDB: a transaction would only pretend. The
      // statements are idempotent instead, and GET_LOCK (on this runner's one connection)
      // serializes concurrent installers.
      await applyAuditSchema(runner, dialect, {});
      return;
    }
    await runner.startTransaction();
    try {
      await applyAuditSchema(runner, dialect, { ...(schema ? { schema } : {}) });
      await runner.commitTransaction();
    } catch (error) {
      await runner.rollbackTransaction();
      throw error;
    }
  } finally {
    await runner.release();
  }
}

/**
 * Runs the schema DDL on a query runner whose transaction the caller manages (a migration).
 * @internal
 */
export async function applyAuditSchema(runner: QueryRunner, dialect: AuditSqlDialect, options: AuditSchemaOptions): Promise<void> {
  if (dialect === 'postgres') {
    await runner.query(`SELECT pg_advisory_xact_lock(hashtext('sealed-audit:install'))`);
  }
  if (dialect === 'mariadb') {
    const [row] = (await runner.query(`SELECT GET_LOCK(?, ?) AS locked`, [MARIADB_INSTALL_LOCK, MARIADB_INSTALL_LOCK_SECONDS])) as Array<{ locked: unknown }>;
    if (Number(row?.locked) !== 1) {
      throw new Error(
        `sealed-audit could not take the install lock "${MARIADB_INSTALL_LOCK}" within ${MARIADB_INSTALL_LOCK_SECONDS} s: ` +
          'another installer holds it. Retry once it has finished.',
      );
    }
    try {
      for (const sql of auditSchemaSql(dialect, options)) await runner.query(sql);
    } finally {
      // The lock belongs to the session: a pooled connection must not keep it.
      await runner.query(`SELECT RELEASE_LOCK(?)`, [MARIADB_INSTALL_LOCK]);
    }
    return;
  }
  for (const sql of auditSchemaSql(dialect, options)) {
    await runner.query(sql);
  }
}

/** What is in place in a database. */
export interface AuditSchemaStatus {
  /** The audit table exists. */
  table: boolean;
  /** The checkpoint and signing-key tables exist. */
  checkpointTables: boolean;
  /** Every existing audit table has all its append-only triggers, enabled. */
  appendOnly: boolean;
  /** Existing tables that miss a trigger (or whose trigger is disabled). */
  unguarded: string[];
}

/**
 * Inspects the database without changing it (verification must never write).
 *
 * @example
 * const { table, appendOnly } = await inspectAuditSchema(dataSource);
 */
export async function inspectAuditSchema(dataSource: DataSource, options: AuditSchemaOptions = {}): Promise<AuditSchemaStatus> {
  const dialect = auditDialectOf(dataSource);
  const found: Array<{ table: string; exists: boolean; guarded: boolean }> = [];
  if (dialect === 'sqlite') {
    const rows = (await dataSource.query(
      `SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'trigger') AND tbl_name IN (?, ?, ?)`,
      AUDIT_APPEND_ONLY_TABLES.map((t) => t.table),
    )) as Array<{ type: string; name: string; tbl_name: string }>;
    for (const { table, guards } of AUDIT_APPEND_ONLY_TABLES) {
      const mine = rows.filter((row) => row.tbl_name === table);
      const triggers = new Set(mine.filter((row) => row.type === 'trigger').map((row) => row.name));
      found.push({
        table,
        exists: mine.some((row) => row.type === 'table'),
        guarded: triggers.has(guards.sqliteUpdateTrigger) && triggers.has(guards.sqliteDeleteTrigger),
      });
    }
  } else if (dialect === 'mariadb') {
    const names = AUDIT_APPEND_ONLY_TABLES.map((t) => t.table);
    const tables = (await dataSource.query(
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?, ?)`,
      names,
    )) as Array<{ name: string }>;
    // A user with only SELECT/INSERT on a table still sees its triggers' names here (MariaDB 10.5+).
    const triggers = (await dataSource.query(
      `SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tableName, EVENT_MANIPULATION AS event, ACTION_TIMING AS timing
         FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE IN (?, ?, ?)`,
      names,
    )) as Array<{ name: string; tableName: string; event: string; timing: string }>;
    for (const { table, guards } of AUDIT_APPEND_ONLY_TABLES) {
      const has = (name: string, event: string) =>
        triggers.some((t) => t.tableName === table && t.name === name && t.event === event && t.timing === 'BEFORE');
      found.push({
        table,
        exists: tables.some((row) => row.name === table),
        guarded: has(guards.mariadbUpdateTrigger, 'UPDATE') && has(guards.mariadbDeleteTrigger, 'DELETE'),
      });
    }
  } else {
    const schema = options.schema ?? auditSchemaOf(dataSource);
    for (const { table, guards } of AUDIT_APPEND_ONLY_TABLES) {
      const rows = (await dataSource.query(
        `SELECT to_regclass($1) IS NOT NULL AS "table",
                (SELECT count(*) FROM pg_trigger
                  WHERE tgrelid = to_regclass($1) AND NOT tgisinternal
                    AND tgname IN ($2, $3) AND tgenabled IN ('O', 'A'))::int AS "triggers"`,
        [qualified(schema, table), guards.postgresRowTrigger, guards.postgresTruncateTrigger],
      )) as Array<{ table: boolean; triggers: number }>;
      found.push({ table, exists: rows[0]?.table === true, guarded: rows[0]?.triggers === 2 });
    }
  }
  const byName = (name: string) => found.find((t) => t.table === name);
  const unguarded = found.filter((t) => t.exists && !t.guarded).map((t) => t.table);
  return {
    table: byName(AUDIT_LOG_TABLE)?.exists === true,
    checkpointTables: byName(AUDIT_CHECKPOINT_TABLE)?.exists === true && byName(AUDIT_SIGNING_KEY_TABLE)?.exists === true,
    appendOnly: found.some((t) => t.exists) && unguarded.length === 0,
    unguarded,
  };
}

function qualified(schema: string | undefined, table: string): string {
  return schema ? `${quoteIdent(schema)}.${quoteIdent(table)}` : quoteIdent(table);
}

/** Back-quoted identifier for MariaDB / MySQL (whatever `ANSI_QUOTES` says). */
export function quoteMariaDbIdent(name: string): string {
  if (name.length === 0 || name.length > 64 || name.includes('\0')) throw new TypeError(`Invalid MariaDB identifier: ${JSON.stringify(name)}`);
  return `\`${name.replaceAll('`', '``')}\``;
}

/** Double-quoted SQL identifier (PostgreSQL and SQLite share the rule). */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.includes('\0')) throw new TypeError(`Invalid SQL identifier: ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

function postgresSchemaSql(schema: string | undefined): string[] {
  const prefix = schema ? `${quoteIdent(schema)}.` : '';
  const table = `${prefix}${quoteIdent(AUDIT_LOG_TABLE)}`;
  const checkpoints = `${prefix}${quoteIdent(AUDIT_CHECKPOINT_TABLE)}`;
  const keys = `${prefix}${quoteIdent(AUDIT_SIGNING_KEY_TABLE)}`;
  const fn = `${prefix}${quoteIdent(AUDIT_LOG_GUARDS.postgresFunction)}`;
  const g = AUDIT_LOG_GUARDS;
  return [
    ...(schema ? [`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`] : []),
    // chain_id is COLLATE "C": byte order, the same chain order as SQLite, and no locale cost on
    // the primary key that every append and every keyset page walks.
    `CREATE TABLE IF NOT EXISTS ${table} (
  chain_id   varchar(${L.chainId}) COLLATE "C" NOT NULL,
  seq        bigint NOT NULL,
  v          smallint NOT NULL,
  ts         timestamptz(3) NOT NULL,
  action     varchar(${L.action}) NOT NULL,
  outcome    varchar(${L.outcome}) NOT NULL,
  actor_id   varchar(${L.actorId}),
  actor_type varchar(${L.actorType}),
  resource   varchar(${L.resource}),
  subject_id varchar(${L.subjectId}),
  request_id varchar(${L.requestId}),
  payload    text NOT NULL,
  prev_hash  char(64) NOT NULL,
  hash       char(64) NOT NULL,
  CONSTRAINT audit_log_pkey PRIMARY KEY (chain_id, seq)
)`,
    `CREATE INDEX IF NOT EXISTS audit_log_ts_idx ON ${table} (ts)`,
    `CREATE INDEX IF NOT EXISTS audit_log_actor_id_idx ON ${table} (actor_id)`,
    `CREATE INDEX IF NOT EXISTS audit_log_subject_id_idx ON ${table} (subject_id)`,
    `CREATE INDEX IF NOT EXISTS audit_log_action_idx ON ${table} (action)`,
    // One function for every append-only table; 42501 (insufficient_privilege) is what a
    // properly granted application role gets too, so callers see one kind of refusal.
    `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = '42501';
END
$fn$`,
    ...postgresGuardSql(table, g, fn),
    // Signed checkpoints (Merkle roots) and the public keys that signed them: append-only too.
    `CREATE TABLE IF NOT EXISTS ${checkpoints} (
  chain_id   varchar(${L.chainId}) COLLATE "C" NOT NULL,
  seq        bigint NOT NULL,
  v          smallint NOT NULL,
  ts         timestamptz(3) NOT NULL,
  tree_size  bigint NOT NULL,
  root       char(64) NOT NULL,
  head_hash  char(64) NOT NULL,
  prev_hash  char(64) NOT NULL,
  key_id     char(64) NOT NULL,
  signature  varchar(128) NOT NULL,
  hash       char(64) NOT NULL,
  frontier   text NOT NULL,
  CONSTRAINT audit_checkpoint_pkey PRIMARY KEY (chain_id, seq)
)`,
    ...postgresGuardSql(checkpoints, AUDIT_CHECKPOINT_GUARDS, fn),
    `CREATE TABLE IF NOT EXISTS ${keys} (
  key_id     char(64) NOT NULL,
  algorithm  varchar(16) NOT NULL,
  public_key text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  CONSTRAINT audit_signing_key_pkey PRIMARY KEY (key_id)
)`,
    ...postgresGuardSql(keys, AUDIT_SIGNING_KEY_GUARDS, fn),
  ];
}

function postgresGuardSql(table: string, g: AppendOnlyGuards, fn: string): string[] {
  return [
    `CREATE OR REPLACE TRIGGER ${g.postgresRowTrigger} BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    `CREATE OR REPLACE TRIGGER ${g.postgresTruncateTrigger} BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
    `ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${g.postgresRowTrigger}`,
    `ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${g.postgresTruncateTrigger}`,
  ];
}

/**
 * SQLite has no CREATE OR REPLACE TRIGGER: drop and create inside the install transaction. A
 * DELETE trigger also disables SQLite's truncate optimization for `DELETE FROM <table>`.
 */
function sqliteGuardSql(table: string, name: string, g: AppendOnlyGuards): string[] {
  return [
    `DROP TRIGGER IF EXISTS ${g.sqliteUpdateTrigger}`,
    `CREATE TRIGGER ${g.sqliteUpdateTrigger} BEFORE UPDATE ON ${table}
BEGIN
  SELECT RAISE(ABORT, '${name} is append-only: UPDATE is not allowed');
END`,
    `DROP TRIGGER IF EXISTS ${g.sqliteDeleteTrigger}`,
    `CREATE TRIGGER ${g.sqliteDeleteTrigger} BEFORE DELETE ON ${table}
BEGIN
  SELECT RAISE(ABORT, '${name} is append-only: DELETE is not allowed');
END`,
  ];
}

function sqliteSchemaSql(): string[] {
  const table = quoteIdent(AUDIT_LOG_TABLE);
  const g = AUDIT_LOG_GUARDS;
  return [
    // ts is the ISO text itself; TEXT compares chronologically for this fixed-width UTC form.
    `CREATE TABLE IF NOT EXISTS ${table} (
  chain_id   varchar(${L.chainId}) NOT NULL,
  seq        bigint NOT NULL,
  v          smallint NOT NULL,
  ts         text NOT NULL,
  action     varchar(${L.action}) NOT NULL,
  outcome    varchar(${L.outcome}) NOT NULL,
  actor_id   varchar(${L.actorId}),
  actor_type varchar(${L.actorType}),
  resource   varchar(${L.resource}),
  subject_id varchar(${L.subjectId}),
  request_id varchar(${L.requestId}),
  payload    text NOT NULL,
  prev_hash  char(64) NOT NULL,
  hash       char(64) NOT NULL,
  PRIMARY KEY (chain_id, seq)
)`,
    `CREATE INDEX IF NOT EXISTS audit_log_ts_idx ON ${table} (ts)`,
    `CREATE INDEX IF NOT EXISTS audit_log_actor_id_idx ON ${table} (actor_id)`,
    `CREATE INDEX IF NOT EXISTS audit_log_subject_id_idx ON ${table} (subject_id)`,
    `CREATE INDEX IF NOT EXISTS audit_log_action_idx ON ${table} (action)`,
    ...sqliteGuardSql(table, AUDIT_LOG_TABLE, g),
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(AUDIT_CHECKPOINT_TABLE)} (
  chain_id   varchar(${L.chainId}) NOT NULL,
  seq        bigint NOT NULL,
  v          smallint NOT NULL,
  ts         text NOT NULL,
  tree_size  bigint NOT NULL,
  root       char(64) NOT NULL,
  head_hash  char(64) NOT NULL,
  prev_hash  char(64) NOT NULL,
  key_id     char(64) NOT NULL,
  signature  varchar(128) NOT NULL,
  hash       char(64) NOT NULL,
  frontier   text NOT NULL,
  PRIMARY KEY (chain_id, seq)
)`,
    ...sqliteGuardSql(quoteIdent(AUDIT_CHECKPOINT_TABLE), AUDIT_CHECKPOINT_TABLE, AUDIT_CHECKPOINT_GUARDS),
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(AUDIT_SIGNING_KEY_TABLE)} (
  key_id     char(64) NOT NULL PRIMARY KEY,
  algorithm  varchar(16) NOT NULL,
  public_key text NOT NULL,
  created_at text NOT NULL
)`,
    ...sqliteGuardSql(quoteIdent(AUDIT_SIGNING_KEY_TABLE), AUDIT_SIGNING_KEY_TABLE, AUDIT_SIGNING_KEY_GUARDS),
  ];
}

/**
 * One trigger per event: MariaDB triggers fire FOR EACH ROW only, and SIGNAL aborts the statement
 * (the whole multi-row UPDATE/DELETE, InnoDB rolls the statement back). CREATE OR REPLACE keeps
 * the install idempotent and lets an upgrade ship new definitions, like PostgreSQL's.
 *
 * TRUNCATE fires no trigger on MariaDB (it is DDL: drop and re-create). Only privileges stop it:
 * TRUNCATE needs DROP, which `mariadbRoleSetupSql` does not grant.
 */
function mariadbGuardSql(table: string, name: string, g: AppendOnlyGuards): string[] {
  return (['UPDATE', 'DELETE'] as const).map(
    (op) =>
      `CREATE OR REPLACE TRIGGER ${quoteMariaDbIdent(op === 'UPDATE' ? g.mariadbUpdateTrigger : g.mariadbDeleteTrigger)} BEFORE ${op} ON ${table} FOR EACH ROW ` +
      `SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${name} is append-only: ${op} is not allowed'`,
  );
}

/**
 * MariaDB (10.5+; 10.11 in CI):
 * - text columns are utf8mb4 with `utf8mb4_nopad_bin`: every Unicode string round-trips, compares
 *   byte for byte (code point order, the same (chain_id, seq) order as PostgreSQL's COLLATE "C"
 *   and SQLite) and, unlike the PAD SPACE `utf8mb4_bin`, `'a'` and `'a '` are different chain ids;
 * - `ts` is the hashed ISO text itself, CHAR(24) ASCII (fixed width, so it still sorts by time):
 *   no DATETIME means no dependence on the driver's or session's time zone, and a DataSource
 *   shared with the application reads it back unchanged whatever its `timezone` option;
 * - `payload` is LONGTEXT (no 64 KiB cap of TEXT);
 * - InnoDB with DYNAMIC rows: 255 utf8mb4 characters (1020 bytes) fit the 3072-byte index key limit.
 */
function mariadbSchemaSql(): string[] {
  const table = quoteMariaDbIdent(AUDIT_LOG_TABLE);
  const checkpoints = quoteMariaDbIdent(AUDIT_CHECKPOINT_TABLE);
  const keys = quoteMariaDbIdent(AUDIT_SIGNING_KEY_TABLE);
  const ascii = 'CHARACTER SET ascii COLLATE ascii_bin';
  const options = 'ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin';
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
  chain_id   varchar(${L.chainId}) NOT NULL,
  seq        bigint NOT NULL,
  v          smallint NOT NULL,
  ts         char(24) ${ascii} NOT NULL,
  action     varchar(${L.action}) NOT NULL,
  outcome    varchar(${L.outcome}) NOT NULL,
  actor_id   varchar(${L.actorId}),
  actor_type varchar(${L.actorType}),
  resource   varchar(${L.resource}),
  subject_id varchar(${L.subjectId}),
  request_id varchar(${L.requestId}),
  payload    longtext NOT NULL,
  prev_hash  char(64) ${ascii} NOT NULL,
  hash       char(64) ${ascii} NOT NULL,
  PRIMARY KEY (chain_id, seq)
) ${options}`,
    `CREATE INDEX IF NOT EXISTS audit_log_ts_idx ON ${table} (ts)`,
    `CREATE INDEX IF NOT EXISTS audit_log_actor_id_idx ON ${table} (actor_id)`,
    `CREATE INDEX IF NOT EXISTS audit_log_subject_id_idx ON ${table} (subject_id)`,
    `CREATE INDEX IF NOT EXISTS audit_log_action_idx ON ${table} (action)`,
    ...mariadbGuardSql(table, AUDIT_LOG_TABLE, AUDIT_LOG_GUARDS),
    `CREATE TABLE IF NOT EXISTS ${checkpoints} (
  chain_id   varchar(${L.chainId}) NOT NULL,
  seq        bigint NOT NULL,
  v          smallint NOT NULL,
  ts         char(24) ${ascii} NOT NULL,
  tree_size  bigint NOT NULL,
  root       char(64) ${ascii} NOT NULL,
  head_hash  char(64) ${ascii} NOT NULL,
  prev_hash  char(64) ${ascii} NOT NULL,
  key_id     char(64) ${ascii} NOT NULL,
  signature  varchar(128) ${ascii} NOT NULL,
  hash       char(64) ${ascii} NOT NULL,
  frontier   longtext NOT NULL,
  PRIMARY KEY (chain_id, seq)
) ${options}`,
    ...mariadbGuardSql(checkpoints, AUDIT_CHECKPOINT_TABLE, AUDIT_CHECKPOINT_GUARDS),
    `CREATE TABLE IF NOT EXISTS ${keys} (
  key_id     char(64) ${ascii} NOT NULL,
  algorithm  varchar(16) NOT NULL,
  public_key text NOT NULL,
  created_at char(24) ${ascii} NOT NULL,
  PRIMARY KEY (key_id)
) ${options}`,
    ...mariadbGuardSql(keys, AUDIT_SIGNING_KEY_TABLE, AUDIT_SIGNING_KEY_GUARDS),
  ];
}
