import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AuditStorageOptions, MariaDbStorageOptions } from './audit-storage.options';
import { AUDIT_ENTITIES } from './audit-log.entity';
import { TypeOrmAuditStore } from './typeorm-audit.store';

/**
 * A store for the given storage options. For `{ type: 'sqlite' }`, `{ type: 'postgres' }` and `{ type: 'mariadb' }` it
 * creates (and on `close()` destroys) its own DataSource; for `{ dataSource }` it reuses the
 * application's, which must list `...AUDIT_ENTITIES` and is never destroyed by the store.
 * Nothing connects before `init()`.
 *
 * SQLite is opened in WAL mode with `synchronous = FULL`: a committed audit entry survives a power
 * loss, and readers (verification) do not block the writer.
 *
 * @example
 * const store = createAuditStore({ type: 'sqlite', database: 'audit.db' });
 * await store.init();
 */
export function createAuditStore(storage: AuditStorageOptions): TypeOrmAuditStore {
  const prepareInserts = 'prepareInserts' in storage && storage.prepareInserts !== undefined ? { prepareInserts: storage.prepareInserts } : {};
  if ('dataSource' in storage) {
    return new TypeOrmAuditStore(storage.dataSource, { ...(storage.install === undefined ? {} : { install: storage.install }), ...prepareInserts });
  }
  const readOnly = storage.readOnly === true;
  return new TypeOrmAuditStore(new DataSource(auditDataSourceOptions(storage)), {
    install: readOnly ? false : storage.install !== false,
    ownsDataSource: true,
    ...prepareInserts,
  });
}

/** TypeORM options of the DataSource {@link createAuditStore} opens. */
export function auditDataSourceOptions(storage: Exclude<AuditStorageOptions, { dataSource: unknown }>): DataSourceOptions {
  const readOnly = storage.readOnly === true;
  if (storage.type === 'sqlite') {
    const inMemory = storage.database === ':memory:';
    return {
      type: 'better-sqlite3',
      database: storage.database,
      entities: AUDIT_ENTITIES,
      synchronize: false,
      logging: false,
      ...(readOnly
        ? // journal_mode=WAL writes the file header: a read-only open sets no pragma at all.
          { readonly: true, fileMustExist: true }
        : {
            enableWAL: !inMemory,
            prepareDatabase: (db: { pragma(source: string): unknown }) => {
              db.pragma('synchronous = FULL');
            },
          }),
    };
  }
  if (storage.type === 'mariadb') return mariadbDataSourceOptions(storage);
  return {
    type: 'postgres',
    url: storage.url,
    ...(storage.schema ? { schema: storage.schema } : {}),
    entities: AUDIT_ENTITIES,
    synchronize: false,
    logging: false,
    applicationName: 'sealed-audit',
    // The server itself refuses writes on this connection, whatever runs on it.
    ...(readOnly ? { extra: { options: '-c default_transaction_read_only=on' } } : {}),
  };
}

/** `mysql://` or `mariadb://`. */
const MARIADB_URL = /^(mysql|mariadb):\/\//i;

/** Whether `url` names a MariaDB server (`mysql://…` or `mariadb://…`). */
export function isMariaDbUrl(url: string): boolean {
  return MARIADB_URL.test(url);
}

/**
 * TypeORM options for MariaDB. The URL is parsed here (WHATWG URL, percent-decoded user and
 * password) rather than by TypeORM, which only knows the `mysql:` scheme.
 *
 * Every pooled connection starts with `STRICT_ALL_TABLES` added to its sql_mode, so a value that
 * does not fit is an error instead of a silent truncation (which would turn into a "modified"
 * entry at verification), and, for `readOnly`, `SET SESSION TRANSACTION READ ONLY`.
 */
function mariadbDataSourceOptions(storage: MariaDbStorageOptions): DataSourceOptions {
  const { host, port, username, password, database } = parseMariaDbUrl(storage.url);
  const session = [
    `SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_ALL_TABLES')`,
    ...(storage.readOnly === true ? ['SET SESSION TRANSACTION READ ONLY'] : []),
  ];
  return {
    type: 'mariadb',
    host,
    port,
    username,
    ...(password ? { password } : {}),
    database,
    // utf8mb4 on the wire: any Unicode payload round-trips (mysql2's default, pinned here).
    charset: 'UTF8MB4_UNICODE_CI',
    supportBigNumbers: true,
    bigNumberStrings: true,
    entities: AUDIT_ENTITIES,
    synchronize: false,
    logging: false,
    driver: mysql2WithSessionSetup(session),
  };
}

/** Parts of a `mysql://user:pass@host:port/database` URL; throws without echoing the password. */
export function parseMariaDbUrl(url: string): { host: string; port: number; username: string; password: string; database: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('Invalid MariaDB URL: expected mysql://user:password@host:3306/database (or mariadb://…).');
  }
  if (!isMariaDbUrl(url)) throw new TypeError(`Invalid MariaDB URL scheme "${parsed.protocol}": use mysql:// or mariadb://.`);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) {
    throw new TypeError('The MariaDB URL names no database: expected mysql://user:password@host:3306/database.');
  }
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 3306,
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database,
  };
}

/**
 * The mysql2 module TypeORM should use, with `statements` run first on every new pooled
 * connection. mysql2 emits the pool's `connection` event before handing the connection out and
 * runs a connection's commands in order, so nothing of TypeORM's runs before them. A failed
 * statement destroys the connection: better no connection than one without (say) READ ONLY.
 * Loaded lazily: mysql2 is an optional peer, needed only for MariaDB.
 */
function mysql2WithSessionSetup(statements: readonly string[]): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql2 = require('mysql2') as typeof import('mysql2');
  return Object.assign(Object.create(mysql2) as object, {
    createPool(config: import('mysql2').PoolOptions) {
      const pool = mysql2.createPool(config);
      pool.on('connection', (connection) => {
        for (const sql of statements) {
          connection.query(sql, (error) => {
            if (error) connection.destroy();
          });
        }
      });
      return pool;
    },
  });
}
