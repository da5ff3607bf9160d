import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AuditStorageOptions } from '../typeorm/audit-storage.options';
import { createAuditStore, isMariaDbUrl } from '../typeorm/create-audit-store';
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

/** `postgres://` / `postgresql://` is PostgreSQL; `mysql://` / `mariadb://` is MariaDB; anything else is the path of a SQLite file. */
export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

export { isMariaDbUrl };

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
  if (isMariaDbUrl(database)) {
    if (schema) throw new CliUsageError('--schema applies to PostgreSQL only; on MariaDB the database in the URL holds audit_log.');
    return { type: 'mariadb', url: database, ...(mode.readOnly ? { readOnly: true, install: false } : { install: true }) };
  }
  if (schema) throw new CliUsageError('--schema applies to PostgreSQL only; SQLite keeps audit_log in the file itself.');
  const file = resolve(database);
  if (mode.readOnly && (!existsSync(file) || !statSync(file).isFile())) {
    throw new CliUsageError(
      `SQLite database file not found: ${file}. Pass the path of an existing SQLite file, or a postgres:// or mysql:// URL.`,
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
  const engine = isPostgresUrl(database) ? 'PostgreSQL' : isMariaDbUrl(database) ? 'MariaDB' : undefined;
  if (!engine) return `SQLite file ${resolve(database)}`;
  try {
    const url = new URL(database);
    if (url.password) url.password = '***';
    return `${engine} ${url.toString()}`;
  } catch {
    return `${engine} (unparsable URL)`;
  }
}
