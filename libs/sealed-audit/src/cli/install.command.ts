import type { Command } from 'commander';
import { auditSchemaSql } from '../typeorm/audit-schema';
import { parseMariaDbUrl } from '../typeorm/create-audit-store';
import { mariadbRoleSetupSql } from '../typeorm/mariadb-roles';
import { postgresRoleSetupSql } from '../typeorm/postgres-roles';
import { type DatabaseCliOptions, describeDatabase, isMariaDbUrl, isPostgresUrl, openStore } from './cli-database';
import { type CliIo, CliUsageError, EXIT_OK } from './cli-io';

interface InstallOptions extends DatabaseCliOptions {
  grant?: string;
  printSql?: boolean;
}

/**
 * `sealed-audit install --database <owner url|file> [--schema s] [--grant app_role]`: creates the
 * table, indexes and append-only triggers (idempotent), and optionally restricts an application
 * role (PostgreSQL) or user (MariaDB: `name` or `name@host`) to INSERT/SELECT. Run it as the role
 * that should own the table.
 */
export function registerInstallCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('install')
    .description('create audit_log and its append-only triggers (run as the owner role; idempotent)')
    .requiredOption('--database <url|file>', 'postgres:// or mysql:// URL of the owner, or SQLite file (created if missing)')
    .option('--schema <name>', 'PostgreSQL schema for audit_log (created if missing)')
    .option('--grant <role>', 'PostgreSQL role, or MariaDB user (name or name@host, revoked everything else), that may only INSERT and SELECT')
    .option('--print-sql', 'print the SQL for this database type instead of running it (no connection)')
    .action(async (options: InstallOptions) => {
      const postgres = isPostgresUrl(options.database);
      const mariadb = isMariaDbUrl(options.database);
      if (options.grant !== undefined && !postgres && !mariadb) throw new CliUsageError('--grant applies to PostgreSQL and MariaDB only.');
      if (options.schema !== undefined && !postgres) throw new CliUsageError('--schema applies to PostgreSQL only.');
      const grantSql = (grant: string): string[] =>
        mariadb ? mariadbRoleSetupSql({ ...mariadbAccount(grant), database: mariadbDatabase(options.database) }) : postgresRoleSetupSql({ appRole: grant, ...(options.schema ? { schema: options.schema } : {}) });
      if (options.printSql) {
        // For a DBA who applies DDL by hand: the exact statements install would run.
        const schema = options.schema ? { schema: options.schema } : {};
        const statements = [
          ...auditSchemaSql(postgres ? 'postgres' : mariadb ? 'mariadb' : 'sqlite', schema),
          ...(options.grant !== undefined ? grantSql(options.grant) : []),
        ];
        for (const sql of statements) io.out(`${sql};`);
        setExitCode(EXIT_OK);
        return;
      }
      const store = await openStore(options, { readOnly: false });
      try {
        io.out(`Installed audit_log with its append-only triggers in ${describeDatabase(options.database)}.`);
        if (options.grant !== undefined) {
          const statements = grantSql(options.grant);
          await store.dataSource.transaction(async (manager) => {
            for (const sql of statements) await manager.query(sql);
          });
          io.out(`${mariadb ? 'User' : 'Role'} "${options.grant}" may now INSERT and SELECT audit_log, nothing else.`);
        }
        setExitCode(EXIT_OK);
      } finally {
        await store.close();
      }
    });
}

/** `name` or `name@host` (default host `%`). */
function mariadbAccount(grant: string): { appUser: string; host?: string } {
  const at = grant.lastIndexOf('@');
  return at > 0 ? { appUser: grant.slice(0, at), host: grant.slice(at + 1) } : { appUser: grant };
}

function mariadbDatabase(url: string): string {
  try {
    return parseMariaDbUrl(url).database;
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
}
