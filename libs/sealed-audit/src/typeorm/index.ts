export { AUDIT_ENTITIES, AUDIT_LOG_COLUMN_LENGTHS, AUDIT_LOG_TABLE, AuditLogEntity } from './audit-log.entity';
export { AUDIT_CHECKPOINT_TABLE, AUDIT_SIGNING_KEY_TABLE, AuditCheckpointEntity, AuditSigningKeyEntity } from './audit-checkpoint.entity';
export { fromAuditLogRow, toAuditLogRow } from './audit-log.mapper';
export {
  AUDIT_APPEND_ONLY_TABLES,
  AUDIT_CHECKPOINT_GUARDS,
  AUDIT_LOG_GUARDS,
  AUDIT_SIGNING_KEY_GUARDS,
  type AppendOnlyGuards,
  auditDialectOf,
  auditSchemaSql,
  inspectAuditSchema,
  installAuditSchema,
  type AuditSchemaOptions,
  type AuditSchemaStatus,
  type AuditSqlDialect,
} from './audit-schema';
export { mariadbRoleSetupSql, type MariaDbRoleSetupOptions } from './mariadb-roles';
export { AUDIT_MIGRATIONS, AuditSchemaMigration1764100000000 } from './audit-schema.migration';
export type {
  AuditStorageOptions,
  DataSourceStorageOptions,
  MariaDbStorageOptions,
  PostgresStorageOptions,
  SqliteStorageOptions,
} from './audit-storage.options';
export {
  AuditCheckpointTablesMissingError,
  AuditDataSourceNotInitializedError,
  AuditEntitiesMissingError,
  AuditSchemaMissingError,
  UnsupportedAuditDatabaseError,
} from './audit-store.errors';
export { auditDataSourceOptions, createAuditStore, isMariaDbUrl } from './create-audit-store';
export { postgresRoleSetupSql, type PostgresRoleSetupOptions } from './postgres-roles';
export {
  DEFAULT_READ_PAGE_SIZE,
  TypeOrmAuditStore,
  type AuditEntryQuery,
  type TypeOrmAuditStoreOptions,
} from './typeorm-audit.store';
export { DEFAULT_SNAPSHOT_BATCH_SIZE, openTrailSnapshot, type TrailSnapshot, type TrailSnapshotOptions } from './audit-trail-snapshot';
