import type { DataSource } from 'typeorm';

/** Embedded SQLite through better-sqlite3 (12.x). The file is created when missing. */
export interface SqliteStorageOptions {
  type: 'sqlite';
  /** Path of the database file, or `':memory:'`. */
  database: string;
  /**
   * Open the file read-only (verification, reports): the file must exist, nothing is installed and
   * no pragma that writes (journal mode) is set. Default `false`.
   */
  readOnly?: boolean;
}

/** PostgreSQL through `pg`. */
export interface PostgresStorageOptions {
  type: 'postgres';
  /** `postgres://user@host:port/database` */
  url: string;
  /** Schema holding the audit tables. Default: the connection's search_path (usually `public`). */
  schema?: string;
  /**
   * Every transaction of the connection is READ ONLY (`default_transaction_read_only`), and nothing
   * is installed: for verification and reports. Default `false`.
   */
  readOnly?: boolean;
  /**
   * Run the INSERTs of recurring batch sizes as named prepared statements (parsed once per
   * connection; up to 4 of them, ≈300 KiB of server memory each per pooled connection). Default
   * `true`. Set `false` behind a pooler that cannot keep prepared statements (PgBouncer in
   * transaction mode before 1.21, or `max_prepared_statements = 0`). PostgreSQL only.
   */
  prepareInserts?: boolean;
}

/**
 * MariaDB (10.5+) through `mysql2`. Give the audit store its own user (see `mariadbRoleSetupSql`):
 * MariaDB grants add up across database and table level, so a user with database-wide rights
 * could UPDATE, DELETE or TRUNCATE the trail (UPDATE/DELETE still hit the triggers; TRUNCATE
 * does not).
 */
export interface MariaDbStorageOptions {
  type: 'mariadb';
  /** `mysql://user:password@host:3306/database` (or `mariadb://…`); user and password percent-encoded. */
  url: string;
  /**
   * Every transaction of the connection is READ ONLY (`SET SESSION TRANSACTION READ ONLY`), and
   * nothing is installed: for verification and reports. Default `false`.
   */
  readOnly?: boolean;
}

/**
 * Reuse the application's TypeORM DataSource. Add `AUDIT_ENTITIES` to its `entities` so the audit
 * tables have TypeORM metadata; the store does not initialize or destroy a DataSource it did not create.
 */
export interface DataSourceStorageOptions {
  dataSource: DataSource;
  /**
   * Run the INSERTs of recurring batch sizes as named prepared statements (parsed once per
   * connection; up to 4 of them, ≈300 KiB of server memory each per pooled connection). Default
   * `true`. Set `false` behind a pooler that cannot keep prepared statements (PgBouncer in
   * transaction mode before 1.21, or `max_prepared_statements = 0`). PostgreSQL only.
   */
  prepareInserts?: boolean;
}

/** Where the trail is stored. */
export type AuditStorageOptions = (SqliteStorageOptions | PostgresStorageOptions | MariaDbStorageOptions | DataSourceStorageOptions) & {
  /**
   * Create the tables, indexes and append-only triggers at start-up when they are missing
   * (idempotent). Default `true`. Set `false` when the application connects with a role that may
   * only INSERT/SELECT and the schema is installed by the owner (`sealed-audit install`).
   */
  install?: boolean;
};
