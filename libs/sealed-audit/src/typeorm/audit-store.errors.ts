/**
 * Exceptions of the TypeORM storage layer. Each message says what went wrong and how to fix it.
 */

/** The reused DataSource has no metadata for the audit entities. */
export class AuditEntitiesMissingError extends Error {
  constructor() {
    super(
      'The DataSource given to sealed-audit has no metadata for AuditLogEntity. Potential solutions:\n' +
        '- add `...AUDIT_ENTITIES` to the DataSource `entities`, e.g. ' +
        '`new DataSource({ ..., entities: [...yourEntities, ...AUDIT_ENTITIES] })` or the same in TypeOrmModule.forRoot();\n' +
        "- or let sealed-audit open its own connection: storage: { type: 'postgres', url } / { type: 'mariadb', url } / { type: 'sqlite', database }.",
    );
    this.name = 'AuditEntitiesMissingError';
  }
}

/** `install: false` and the table is not there. */
export class AuditSchemaMissingError extends Error {
  constructor(readonly table: string) {
    super(
      `The audit table "${table}" does not exist and schema installation is disabled (install: false). Potential solutions:\n` +
        '- install it once as the table owner: `sealed-audit install --database <owner url>` ' +
        '(or run AuditSchemaMigration1764100000000 with your migrations);\n' +
        '- or set install: true when the application role may create tables.',
    );
    this.name = 'AuditSchemaMissingError';
  }
}

/** A DataSource the store did not create is not initialized yet. */
export class AuditDataSourceNotInitializedError extends Error {
  constructor() {
    super(
      'The DataSource given to sealed-audit is not initialized. Call `await dataSource.initialize()` first ' +
        '(TypeOrmModule does this for you), or pass connection options so sealed-audit opens its own connection.',
    );
    this.name = 'AuditDataSourceNotInitializedError';
  }
}

/** The database type has no append-only schema yet. */
export class UnsupportedAuditDatabaseError extends Error {
  constructor(readonly databaseType: string) {
    super(
      `sealed-audit cannot store its trail in a "${databaseType}" database yet: supported are "postgres", ` +
        '"mariadb" (or "mysql" on a MariaDB server) and "better-sqlite3" (SQLite). TypeORM 1.x has no "sqlite" driver any more: use type "better-sqlite3".',
    );
    this.name = 'UnsupportedAuditDatabaseError';
  }
}

/** The checkpoint tables are missing (a schema installed by an older release, with `install: false`). */
export class AuditCheckpointTablesMissingError extends Error {
  constructor() {
    super(
      'The tables audit_checkpoint and audit_signing_key do not exist, so checkpoints cannot be stored. Potential solutions:\n' +
        '- install them as the table owner: `sealed-audit install --database <owner url>` (idempotent; it adds what is missing);\n' +
        '- or set install: true when the application role may create tables.',
    );
    this.name = 'AuditCheckpointTablesMissingError';
  }
}
