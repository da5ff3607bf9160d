import { AUDIT_APPEND_ONLY_TABLES, quoteMariaDbIdent } from './audit-schema';

/** Options of {@link mariadbRoleSetupSql}. */
export interface MariaDbRoleSetupOptions {
  /** The user the audit store connects as: a user of its own (it loses every other privilege). */
  appUser: string;
  /** Host part of the account (`'user'@'host'`). Default `'%'`. */
  host?: string;
  /** The database holding the audit tables. */
  database: string;
}

/** A MariaDB string literal: quotes and backslashes escaped (whatever NO_BACKSLASH_ESCAPES says). */
function quoteMariaDbString(value: string): string {
  if (value.includes('\0')) throw new TypeError(`Invalid MariaDB account name: ${JSON.stringify(value)}`);
  return `'${value.replaceAll("'", "''").replaceAll('\\', '\\\\')}'`;
}

/**
 * SQL that leaves a MariaDB user able to SELECT and INSERT audit entries, checkpoints and signing
 * keys, and nothing else. Run it as an administrator after `sealed-audit install` (or
 * `installAuditSchema`); the user must exist (`CREATE USER`). Then start the store with
 * `{ type: 'mariadb', url: 'mysql://<appUser>:…@host/<database>' }`.
 *
 * MariaDB privileges add up over global, database and table level and cannot be subtracted at a
 * lower level: a table-level grant is only a restriction if the user holds nothing wider. So the
 * first statement revokes EVERY privilege the account holds, everywhere. Use an account of its
 * own for the audit store, never the application's main account.
 *
 * Without UPDATE and DELETE the statements fail before any trigger runs ("UPDATE command denied");
 * without DROP, TRUNCATE fails too ("DROP command denied"), which is the only thing that stops
 * TRUNCATE on MariaDB: it fires no trigger. Nothing here protects against an administrator; the
 * hash chain and signed checkpoints detect that.
 *
 * @example
 * for (const sql of mariadbRoleSetupSql({ appUser: 'audit_writer', database: 'app' })) {
 *   await adminDataSource.query(sql);
 * }
 * // REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'audit_writer'@'%'
 * // GRANT SELECT, INSERT ON `app`.`audit_log` TO 'audit_writer'@'%'
 * // … the same for audit_checkpoint and audit_signing_key
 */
export function mariadbRoleSetupSql(options: MariaDbRoleSetupOptions): string[] {
  const account = `${quoteMariaDbString(options.appUser)}@${quoteMariaDbString(options.host ?? '%')}`;
  const database = quoteMariaDbIdent(options.database);
  return [
    `REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${account}`,
    ...AUDIT_APPEND_ONLY_TABLES.map(({ table }) => `GRANT SELECT, INSERT ON ${database}.${quoteMariaDbIdent(table)} TO ${account}`),
  ];
}
