import { AUDIT_APPEND_ONLY_TABLES, quoteIdent } from './audit-schema';

/** Options of {@link postgresRoleSetupSql}. */
export interface PostgresRoleSetupOptions {
  /** The role the application connects as. It must not own the table (an owner bypasses grants). */
  appRole: string;
  /** Schema holding `audit_log`. Default `public`. */
  schema?: string;
}

/**
 * SQL that leaves the application role able to INSERT and SELECT audit entries and nothing else:
 * no UPDATE, DELETE, TRUNCATE, REFERENCES or TRIGGER, so even without the append-only triggers
 * PostgreSQL answers "permission denied for table audit_log". Run it as the table owner after
 * `sealed-audit install` (or `installAuditSchema`), then start the application with `install: false`.
 *
 * The split this relies on: an owner role that holds the DDL (and retention), an application role
 * that only appends. Neither protects against a superuser; the hash chain detects that.
 *
 * @example
 * for (const sql of postgresRoleSetupSql({ appRole: 'app_user', schema: 'public' })) {
 *   await ownerDataSource.query(sql);
 * }
 * // REVOKE ALL ON TABLE "public"."audit_log" FROM PUBLIC
 * // REVOKE ALL ON TABLE "public"."audit_log" FROM "app_user"
 * // GRANT USAGE ON SCHEMA "public" TO "app_user"
 * // GRANT SELECT, INSERT ON TABLE "public"."audit_log" TO "app_user"
 * // … the same for audit_checkpoint and audit_signing_key (GRANT USAGE only once)
 */
export function postgresRoleSetupSql(options: PostgresRoleSetupOptions): string[] {
  const role = quoteIdent(options.appRole);
  const schema = quoteIdent(options.schema ?? 'public');
  return AUDIT_APPEND_ONLY_TABLES.flatMap(({ table: name }, index) => {
    const table = `${schema}.${quoteIdent(name)}`;
    return [
      `REVOKE ALL ON TABLE ${table} FROM PUBLIC`,
      `REVOKE ALL ON TABLE ${table} FROM ${role}`,
      ...(index === 0 ? [`GRANT USAGE ON SCHEMA ${schema} TO ${role}`] : []),
      `GRANT SELECT, INSERT ON TABLE ${table} TO ${role}`,
    ];
  });
}
