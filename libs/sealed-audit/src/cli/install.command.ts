import type { Command } from 'commander';
import { auditSchemaSql } from '../typeorm/audit-schema';
import { postgresRoleSetupSql } from '../typeorm/postgres-roles';
import { type DatabaseCliOptions, describeDatabase, isPostgresUrl, openStore } from './cli-database';
import { type CliIo, CliUsageError, EXIT_OK } from './cli-io';

interface InstallOptions extends DatabaseCliOptions {
  grant?: string;
  printSql?: boolean;
}

/**
 * `sealed-audit install --database <owner url|file> [--schema s] [--grant app_role]`: creates the
 * table, indexes and append-only triggers (idempotent), and optionally restricts an application
 * role to INSERT/SELECT. Run it as the role that should own the table.
 */
export function registerInstallCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('install')
    .description('create audit_log and its append-only triggers (run as the owner role; idempotent)')
    .requiredOption('--database <url|file>', 'postgres:// URL of the owner role, or SQLite file (created if missing)')
    .option('--schema <name>', 'PostgreSQL schema for audit_log (created if missing)')
    .option('--grant <role>', 'PostgreSQL: let this application role INSERT and SELECT only')
    .option('--print-sql', 'print the SQL for this database type instead of running it (no connection)')
    .action(async (options: InstallOptions) => {
      const postgres = isPostgresUrl(options.database);
      if (options.grant !== undefined && !postgres) throw new CliUsageError('--grant applies to PostgreSQL only.');
      if (options.printSql) {
        // For a DBA who applies DDL by hand: the exact statements install would run.
        const schema = options.schema ? { schema: options.schema } : {};
        const statements = [
          ...auditSchemaSql(postgres ? 'postgres' : 'sqlite', schema),
          ...(options.grant !== undefined ? postgresRoleSetupSql({ appRole: options.grant, ...schema }) : []),
        ];
        for (const sql of statements) io.out(`${sql};`);
        setExitCode(EXIT_OK);
        return;
      }
      const store = await openStore(options, { readOnly: false });
      try {
        io.out(`Installed audit_log with its append-only triggers in ${describeDatabase(options.database)}.`);
        if (options.grant !== undefined) {
          const statements = postgresRoleSetupSql({ appRole: options.grant, ...(options.schema ? { schema: options.schema } : {}) });
          await store.dataSource.transaction(async (manager) => {
            for (const sql of statements) await manager.query(sql);
          });
          io.out(`Role "${options.grant}" may now INSERT and SELECT audit_log, nothing else.`);
        }
        setExitCode(EXIT_OK);
      } finally {
        await store.close();
      }
    });
}
