import type { MigrationInterface, QueryRunner } from 'typeorm';
import { applyAuditSchema, auditDialectOf, auditSchemaOf } from './audit-schema';

/**
 * The audit schema as a TypeORM migration, for applications whose deploys run migrations as the
 * owner role. `up` runs the same idempotent DDL as `installAuditSchema()`, so it is harmless on a
 * database where the store already installed it.
 *
 * @example
 * new DataSource({ ..., entities: [...AUDIT_ENTITIES], migrations: [...AUDIT_MIGRATIONS], migrationsRun: true });
 */
export class AuditSchemaMigration1764100000000 implements MigrationInterface {
  readonly name = 'AuditSchemaMigration1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dataSource = queryRunner.connection;
    const schema = auditSchemaOf(dataSource);
    await applyAuditSchema(queryRunner, auditDialectOf(dataSource), { ...(schema ? { schema } : {}) });
  }

  /**
   * Refuses: reverting would destroy the audit trail. Drop the objects by hand, as the owner,
   * if that is really meant.
   */
  async down(): Promise<void> {
    throw new Error(
      'AuditSchemaMigration1764100000000 cannot be reverted: reverting would delete the audit trail. ' +
        'If you really mean to, drop audit_log and its triggers by hand as the table owner.',
    );
  }
}

/** Every migration sealed-audit ships, in order. */
export const AUDIT_MIGRATIONS = [AuditSchemaMigration1764100000000];
