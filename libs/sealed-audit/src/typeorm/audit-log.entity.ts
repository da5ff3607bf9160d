import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber, isoTimestamp } from './column-transformers';
import { AuditCheckpointEntity, AuditSigningKeyEntity } from './audit-checkpoint.entity';
import { AUDIT_ENTRY_MAX_LENGTHS } from '../core/audit-event';

/** Name of the table holding sealed entries. */
export const AUDIT_LOG_TABLE = 'audit_log';

/**
 * Longest value each varchar column accepts: the core's entry limits, which the writer applies
 * before sealing (PostgreSQL and MariaDB reject longer values; SQLite does not check).
 */
export const AUDIT_LOG_COLUMN_LENGTHS = AUDIT_ENTRY_MAX_LENGTHS;

/**
 * One sealed entry as a row of `audit_log`. Register it with `...AUDIT_ENTITIES` when the trail
 * shares the application's DataSource.
 *
 * The table itself (column types per database, indexes, append-only triggers) is created by
 * `installAuditSchema()` / `AuditSchemaMigration1764100000000`, never by TypeORM: the entity is
 * marked `synchronize: false` because schema synchronization on SQLite rebuilds a changed table
 * and silently drops its triggers. The column types below are therefore portable placeholders
 * that every driver accepts; the real DDL lives in `audit-schema.ts`.
 *
 * @example
 * new DataSource({ type: 'postgres', url, entities: [User, ...AUDIT_ENTITIES] });
 */
@Entity({ name: AUDIT_LOG_TABLE, synchronize: false })
export class AuditLogEntity {
  @PrimaryColumn({ name: 'chain_id', type: 'varchar', length: AUDIT_LOG_COLUMN_LENGTHS.chainId })
  chainId!: string;

  @PrimaryColumn({ name: 'seq', type: 'bigint', transformer: bigintAsNumber })
  seq!: number;

  /** Format version of the hashed form. */
  @Column({ name: 'v', type: 'smallint' })
  v!: number;

  /** ISO-8601 UTC with milliseconds. */
  @Column({ name: 'ts', type: 'varchar', length: 24, transformer: isoTimestamp })
  ts!: string;

  @Column({ name: 'action', type: 'varchar', length: AUDIT_LOG_COLUMN_LENGTHS.action })
  action!: string;

  @Column({ name: 'outcome', type: 'varchar', length: AUDIT_LOG_COLUMN_LENGTHS.outcome })
  outcome!: string;

  @Column({ name: 'actor_id', type: 'varchar', length: AUDIT_LOG_COLUMN_LENGTHS.actorId, nullable: true })
  actorId!: string | null;

  @Column({ name: 'actor_type', type: 'varchar', length: AUDIT_LOG_COLUMN_LENGTHS.actorType, nullable: true })
  actorType!: string | null;

  @Column({ name: 'resource', type: 'varchar', length: AUDIT_LOG_COLUMN_LENGTHS.resource, nullable: true })
  resource!: string | null;

  @Column({ name: 'subject_id', type: 'varchar', length: AUDIT_LOG_COLUMN_LENGTHS.subjectId, nullable: true })
  subjectId!: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: AUDIT_LOG_COLUMN_LENGTHS.requestId, nullable: true })
  requestId!: string | null;

  /** RFC 8785 canonical JSON of the payload object: text, not jsonb, so it round-trips byte for byte. */
  @Column({ name: 'payload', type: 'text' })
  payload!: string;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64 })
  prevHash!: string;

  @Column({ name: 'hash', type: 'varchar', length: 64 })
  hash!: string;
}

/**
 * Every entity sealed-audit needs in a shared DataSource.
 *
 * @example
 * TypeOrmModule.forRoot({ type: 'postgres', url, entities: [User, ...AUDIT_ENTITIES] });
 */
export const AUDIT_ENTITIES = [AuditLogEntity, AuditCheckpointEntity, AuditSigningKeyEntity];
