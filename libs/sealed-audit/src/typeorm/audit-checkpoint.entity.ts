import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber, isoTimestamp } from './column-transformers';

/** Name of the table holding signed checkpoints. */
export const AUDIT_CHECKPOINT_TABLE = 'audit_checkpoint';
/** Name of the table recording the public keys that signed checkpoints. */
export const AUDIT_SIGNING_KEY_TABLE = 'audit_signing_key';

/**
 * One signed checkpoint as a row of `audit_checkpoint` (append-only like `audit_log`; the DDL
 * lives in `audit-schema.ts`, never in TypeORM synchronize).
 */
@Entity({ name: AUDIT_CHECKPOINT_TABLE, synchronize: false })
export class AuditCheckpointEntity {
  @PrimaryColumn({ name: 'chain_id', type: 'varchar', length: 128 /* AUDIT_LOG_COLUMN_LENGTHS.chainId; a literal to keep the entity files acyclic */ })
  chainId!: string;

  @PrimaryColumn({ name: 'seq', type: 'bigint', transformer: bigintAsNumber })
  seq!: number;

  @Column({ name: 'v', type: 'smallint' })
  v!: number;

  @Column({ name: 'ts', type: 'varchar', length: 24, transformer: isoTimestamp })
  ts!: string;

  @Column({ name: 'tree_size', type: 'bigint', transformer: bigintAsNumber })
  treeSize!: number;

  @Column({ name: 'root', type: 'varchar', length: 64 })
  root!: string;

  @Column({ name: 'head_hash', type: 'varchar', length: 64 })
  headHash!: string;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64 })
  prevHash!: string;

  @Column({ name: 'key_id', type: 'varchar', length: 64 })
  keyId!: string;

  /** Ed25519 signature, base64. */
  @Column({ name: 'signature', type: 'varchar', length: 128 })
  signature!: string;

  @Column({ name: 'hash', type: 'varchar', length: 64 })
  hash!: string;

  /** JSON array of the Merkle frontier (hex), to resume without re-reading the chain. Not signed. */
  @Column({ name: 'frontier', type: 'text' })
  frontier!: string;
}

/** A public key that signed checkpoints, as recorded by the checkpointer at start-up. */
@Entity({ name: AUDIT_SIGNING_KEY_TABLE, synchronize: false })
export class AuditSigningKeyEntity {
  /** Hex SHA-256 of the SPKI DER public key. */
  @PrimaryColumn({ name: 'key_id', type: 'varchar', length: 64 })
  keyId!: string;

  @Column({ name: 'algorithm', type: 'varchar', length: 16 })
  algorithm!: string;

  /** SPKI PEM. */
  @Column({ name: 'public_key', type: 'text' })
  publicKey!: string;

  @Column({ name: 'created_at', type: 'varchar', length: 24, transformer: isoTimestamp })
  createdAt!: string;
}
