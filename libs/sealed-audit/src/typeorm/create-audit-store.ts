import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AuditStorageOptions } from './audit-storage.options';
import { AUDIT_ENTITIES } from './audit-log.entity';
import { TypeOrmAuditStore } from './typeorm-audit.store';

/**
 * A store for the given storage options. For `{ type: 'sqlite' }` and `{ type: 'postgres' }` it
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
  if ('dataSource' in storage) {
    return new TypeOrmAuditStore(storage.dataSource, { ...(storage.install === undefined ? {} : { install: storage.install }) });
  }
  const readOnly = storage.readOnly === true;
  return new TypeOrmAuditStore(new DataSource(auditDataSourceOptions(storage)), {
    install: readOnly ? false : storage.install !== false,
    ownsDataSource: true,
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
