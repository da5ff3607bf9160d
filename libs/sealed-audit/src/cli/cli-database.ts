import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AuditStorageOptions } from '../typeorm/audit-storage.options';
import { createAuditStore } from '../typeorm/create-audit-store';
import type { TypeOrmAuditStore } from '../typeorm/typeorm-audit.store';
import { CliUsageError } from './cli-io';

/** Options every command shares. */
export interface DatabaseCliOptions {
  database: string;
  schema?: string;
}

/** How a command opens the database. */
export interface OpenMode {
  /** Reading commands: the SQLite file must exist and nothing is ever written. */
  readOnly: boolean;
}

/** `postgres://` / `postgresql://` is PostgreSQL; anything else is the path of a SQLite file. */
export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/** Storage options for `--database`, checked before anything connects. */
export function storageFromCli(options: DatabaseCliOptions, mode: OpenMode): AuditStorageOptions {
  const { database, schema } = options;
  if (isPostgresUrl(database)) {
    return {
      type: 'postgres',
      url: database,
      ...(schema ? { schema } : {}),
      ...(mode.readOnly ? { readOnly: true, install: false } : { install: true }),
    };
  }
  if (schema) throw new CliUsageError('--schema applies to PostgreSQL only; SQLite keeps audit_log in the file itself.');
  const file = resolve(database);
  if (mode.readOnly && (!existsSync(file) || !statSync(file).isFile())) {
    throw new CliUsageError(
      `SQLite database file not found: ${file}. Pass the path of an existing SQLite file, or a postgres:// URL.`,
    );
  }
  return mode.readOnly ? { type: 'sqlite', database: file, readOnly: true, install: false } : { type: 'sqlite', database: file };
}

/** Opens (and initializes) a store for a command; the caller closes it. */
export async function openStore(options: DatabaseCliOptions, mode: OpenMode): Promise<TypeOrmAuditStore> {
  const store = createAuditStore(storageFromCli(options, mode));
  try {
    await store.init();
    return store;
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

/** The database for messages, without a password. */
export function describeDatabase(database: string): string {
  if (!isPostgresUrl(database)) return `SQLite file ${resolve(database)}`;
  try {
    const url = new URL(database);
    if (url.password) url.password = '***';
    return `PostgreSQL ${url.toString()}`;
  } catch {
    return 'PostgreSQL (unparsable URL)';
  }
}
