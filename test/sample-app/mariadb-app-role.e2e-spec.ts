import 'reflect-metadata';
import { createAuditStore, mariadbRoleSetupSql } from 'sealed-audit';
import { createTempMariaDbDatabase, createTempMariaDbUser, runMariaDbSql, type TempMariaDbDatabase } from '../support/mariadb';
import { bootSampleApp, readEntries, type RunningSampleApp } from './sample-app.harness';

/**
 * The production split on MariaDB: an administrator installs the schema and restricts a user of
 * its own to SELECT and INSERT on the audit tables (mariadbRoleSetupSql); the sample app
 * connects as that user with the default `install: true` (the store sees a complete schema and
 * runs no DDL). This is also where TRUNCATE is refused on MariaDB: no trigger can stop it, the
 * missing DROP privilege does.
 */
describe('sample app as a restricted MariaDB user', () => {
  let db: TempMariaDbDatabase;
  let user: { name: string; password: string; drop(): Promise<void> };
  let appUrl: string;
  let running: RunningSampleApp;

  beforeAll(async () => {
    db = await createTempMariaDbDatabase();
    user = await createTempMariaDbUser();
    const owner = createAuditStore({ type: 'mariadb', url: db.url });
    await owner.init();
    await owner.close();
    for (const sql of mariadbRoleSetupSql({ appUser: user.name, database: db.name })) await runMariaDbSql(db.url, sql);
    appUrl = db.urlFor(user.name, user.password);
    running = await bootSampleApp({ DATABASE_URL: appUrl, AUDIT_HMAC_KEY: 'sample-app-mariadb-role-e2e-hmac-key-0123456789abcdef' });
  });

  afterAll(async () => {
    await running?.close();
    await user?.drop();
    await db?.drop();
  });

  it('writes the entry of an audited request through the restricted user', async () => {
    const res = await fetch(`${running.base}/patients`, {
      method: 'POST',
      headers: { authorization: 'Bearer nurse-token', 'content-type': 'application/json', 'x-request-id': 'e2e-mariadb-role-create' },
      body: JSON.stringify({ fullName: 'Role Patient', email: 'role.patient@clinic.example', dateOfBirth: '1975-03-04' }),
    });
    expect(res.status).toBe(201);
    await running.flush();
    const entries = await readEntries({ type: 'mariadb', url: db.url });
    expect(entries.filter((entry) => entry.requestId === 'e2e-mariadb-role-create')).toEqual([
      expect.objectContaining({ chainId: running.chainId, action: 'patient.create', outcome: 'success', actorId: 'u-nurse', seq: 1 }),
    ]);
  });

  it('connects as the restricted user, not as the administrator', async () => {
    // The pool's connections stay open while the app runs; this helper connection is root's.
    const rows = await runMariaDbSql(db.url, 'SELECT DISTINCT USER AS user FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()', [db.name]);
    expect(rows).toEqual([{ user: user.name }]);
  });

  it('the user holds SELECT and INSERT on the three audit tables and nothing else', async () => {
    const grants = await runMariaDbSql(db.url, `SHOW GRANTS FOR '${user.name}'@'%'`);
    const lines = grants.map((row) => String(Object.values(row)[0])).sort();
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^GRANT SELECT, INSERT ON \`${db.name}\`\\.\`audit_checkpoint\` TO`)),
      expect.stringMatching(new RegExp(`^GRANT SELECT, INSERT ON \`${db.name}\`\\.\`audit_log\` TO`)),
      expect.stringMatching(new RegExp(`^GRANT SELECT, INSERT ON \`${db.name}\`\\.\`audit_signing_key\` TO`)),
      expect.stringMatching(/^GRANT USAGE ON \*\.\* TO/),
    ]);
  });

  it.each([
    ['UPDATE', `UPDATE audit_log SET subject_id = 'someone-else'`, 'UPDATE'],
    ['DELETE', 'DELETE FROM audit_log', 'DELETE'],
    ['TRUNCATE', 'TRUNCATE audit_log', 'DROP'],
  ])('refuses %s by the user (ER_TABLEACCESS_DENIED_ERROR), leaving the rows unchanged', async (_op, statement, privilege) => {
    const before = await runMariaDbSql(db.url, 'SELECT * FROM audit_log ORDER BY chain_id, seq');
    expect(before.length).toBeGreaterThan(0);
    await expect(runMariaDbSql(appUrl, statement)).rejects.toMatchObject({
      code: 'ER_TABLEACCESS_DENIED_ERROR',
      errno: 1142,
      message: expect.stringContaining(`${privilege} command denied to user '${user.name}'`),
    });
    expect(await runMariaDbSql(db.url, 'SELECT * FROM audit_log ORDER BY chain_id, seq')).toEqual(before);
  });
});
