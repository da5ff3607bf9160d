import 'reflect-metadata';
import { createAuditStore, postgresRoleSetupSql } from 'sealed-audit';
import { createTempPostgresDatabase, createTempPostgresRole, runPostgresSql, type TempPostgresDatabase } from '../support/postgres';
import { bootSampleApp, readEntries, type RunningSampleApp } from './sample-app.harness';

/**
 * The production split on PostgreSQL: the owner installs the schema and grants, the sample app
 * connects as a LOGIN role that may only INSERT and SELECT. The app keeps the default
 * `install: true`; the store sees a complete schema and runs no DDL (a role without DDL rights
 * could not run it: the boot itself would fail).
 */
describe('sample app as a PostgreSQL application role', () => {
  let db: TempPostgresDatabase;
  let role: { name: string; drop(): Promise<void> };
  let running: RunningSampleApp;

  beforeAll(async () => {
    db = await createTempPostgresDatabase();
    role = await createTempPostgresRole();
    // As the owner (postgres): the schema, then the grants.
    const owner = createAuditStore({ type: 'postgres', url: db.url });
    await owner.init();
    await owner.close();
    for (const sql of postgresRoleSetupSql({ appRole: role.name })) await runPostgresSql(db.url, sql);
    running = await bootSampleApp({ DATABASE_URL: db.urlFor(role.name), AUDIT_HMAC_KEY: 'sample-app-role-e2e-hmac-key-0123456789abcdef' });
  });

  afterAll(async () => {
    await running?.close();
    // The grants live in the database: drop it first, then the role.
    await db?.drop();
    await role?.drop();
  });

  it('writes the entry of an audited request through the role', async () => {
    const res = await fetch(`${running.base}/patients`, {
      method: 'POST',
      headers: { authorization: 'Bearer nurse-token', 'content-type': 'application/json', 'x-request-id': 'e2e-app-role-create' },
      body: JSON.stringify({ fullName: 'Role Patient', email: 'role.patient@clinic.example', dateOfBirth: '1975-03-04' }),
    });
    expect(res.status).toBe(201);
    await running.flush();
    const entries = await readEntries({ type: 'postgres', url: db.url });
    expect(entries.filter((entry) => entry.requestId === 'e2e-app-role-create')).toEqual([
      expect.objectContaining({ chainId: running.chainId, action: 'patient.create', outcome: 'success', actorId: 'u-nurse', seq: 1 }),
    ]);
  });

  it('connects as the application role, not as the owner', async () => {
    // The pool's connection that just wrote the entry above (pg closes idle ones after 10 s).
    const rows = await runPostgresSql(db.url, `SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 AND application_name = 'sealed-audit'`, [db.name]);
    expect(rows).toEqual([{ usename: role.name }]);
  });

  it('left the schema as the owner installed it (no DDL by the role)', async () => {
    const rows = await runPostgresSql(
      db.url,
      `SELECT pg_get_userbyid(c.relowner) AS owner,
              has_table_privilege($1, c.oid, 'INSERT') AS can_insert,
              has_table_privilege($1, c.oid, 'SELECT') AS can_select
         FROM pg_class c WHERE c.oid = 'public.audit_log'::regclass`,
      [role.name],
    );
    expect(rows).toEqual([{ owner: 'postgres', can_insert: true, can_select: true }]);
  });

  it.each(['UPDATE', 'DELETE', 'TRUNCATE'])('refuses %s by the role with permission denied, leaving the rows unchanged', async (op) => {
    const statement = {
      UPDATE: `UPDATE audit_log SET subject_id = 'someone-else'`,
      DELETE: 'DELETE FROM audit_log',
      TRUNCATE: 'TRUNCATE audit_log',
    }[op] as string;
    const before = await runPostgresSql(db.url, 'SELECT * FROM audit_log ORDER BY chain_id, seq');
    expect(before.length).toBeGreaterThan(0);
    await expect(runPostgresSql(db.urlFor(role.name), statement)).rejects.toMatchObject({
      code: '42501',
      message: 'permission denied for table audit_log',
    });
    expect(await runPostgresSql(db.url, 'SELECT * FROM audit_log ORDER BY chain_id, seq')).toEqual(before);
  });
});
