import {
  createTempMariaDbDatabase,
  createTempMariaDbUser,
  runMariaDbSql,
  type TempMariaDbDatabase,
} from '../../../../test/support/mariadb';
import { sealChain } from '../../../../test/support/sealed-entries';
import { verifyChains } from '../core/verify/chain-verifier';
import { createAuditStore } from './create-audit-store';
import { mariadbRoleSetupSql } from './mariadb-roles';
import type { TypeOrmAuditStore } from './typeorm-audit.store';

describe('mariadbRoleSetupSql', () => {
  it('quotes the account and the database, and grants only SELECT and INSERT', () => {
    expect(mariadbRoleSetupSql({ appUser: "app 'x'", host: '10.%', database: 'my`db' })).toEqual([
      "REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'app ''x'''@'10.%'",
      "GRANT SELECT, INSERT ON `my``db`.`audit_log` TO 'app ''x'''@'10.%'",
      "GRANT SELECT, INSERT ON `my``db`.`audit_checkpoint` TO 'app ''x'''@'10.%'",
      "GRANT SELECT, INSERT ON `my``db`.`audit_signing_key` TO 'app ''x'''@'10.%'",
    ]);
    expect(mariadbRoleSetupSql({ appUser: 'w', database: 'd' })[0]).toBe("REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'w'@'%'");
  });

  describe('on a real server, as the restricted user', () => {
    let db: TempMariaDbDatabase;
    let user: { name: string; password: string; drop(): Promise<void> };
    let owner: TypeOrmAuditStore;
    let app: TypeOrmAuditStore;

    beforeAll(async () => {
      db = await createTempMariaDbDatabase();
      user = await createTempMariaDbUser();
      // Even a database-wide grant given earlier is taken back: privileges only add up in MariaDB.
      await runMariaDbSql(db.url, `GRANT ALL PRIVILEGES ON ${db.name}.* TO '${user.name}'@'%'`);
      owner = createAuditStore({ type: 'mariadb', url: db.url });
      await owner.init();
      for (const sql of mariadbRoleSetupSql({ appUser: user.name, database: db.name })) await owner.dataSource.query(sql);
      app = createAuditStore({ type: 'mariadb', url: db.urlFor(user.name, user.password), install: false });
      await app.init();
    });

    afterAll(async () => {
      await app?.close();
      await owner?.close();
      await user?.drop();
      await db?.drop();
    });

    it('connects as that user and appends', async () => {
      const [row] = (await app.dataSource.query('SELECT CURRENT_USER() AS user')) as Array<{ user: string }>;
      expect(row?.user).toBe(`${user.name}@%`);
      const { entries, head } = sealChain('app-chain', 3);
      await app.append(entries);
      expect(await app.readHead('app-chain')).toEqual(head);
      expect((await verifyChains(app.read())).ok).toBe(true);
    });

    it.each([
      ['UPDATE', `UPDATE audit_log SET action = 'x'`, /UPDATE command denied/],
      ['DELETE', `DELETE FROM audit_log WHERE seq = 1`, /DELETE command denied/],
      ['TRUNCATE', `TRUNCATE audit_log`, /DROP command denied/],
      ['DROP TRIGGER', `DROP TRIGGER audit_log_no_update`, /TRIGGER command denied|Access denied/],
      ['UPDATE of a checkpoint', `UPDATE audit_checkpoint SET seq = 0`, /UPDATE command denied/],
      ['TRUNCATE of the signing keys', `TRUNCATE audit_signing_key`, /DROP command denied/],
    ])('denies %s (error 1142) before any trigger runs', async (_op, sql, message) => {
      const error = (await app.dataSource.query(sql).catch((caught: unknown) => caught)) as { driverError?: Record<string, unknown> };
      expect(error.driverError).toMatchObject({ message: expect.stringMatching(message) });
      expect(error.driverError?.errno === 1142 || error.driverError?.errno === 1227).toBe(true);
      expect(await owner.readHead('app-chain')).toMatchObject({ seq: 3 });
    });

    it('starts with the default install: true once the owner has installed the schema', async () => {
      const defaults = createAuditStore({ type: 'mariadb', url: db.urlFor(user.name, user.password) });
      try {
        await defaults.init();
        expect(await defaults.readHead('app-chain')).toMatchObject({ seq: 3 });
      } finally {
        await defaults.close();
      }
    });

    it('the caveat, honestly: the owner (it holds DROP) can TRUNCATE, no trigger stops it (only an anchor would show the loss)', async () => {
      const scratch = await createTempMariaDbDatabase();
      const store = createAuditStore({ type: 'mariadb', url: scratch.url });
      try {
        await store.append(sealChain('doomed', 2).entries);
        await expect(store.dataSource.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only: DELETE is not allowed/);
        await store.dataSource.query(`TRUNCATE audit_log`);
        expect(await store.readHead('doomed')).toBeNull();
      } finally {
        await store.close();
        await scratch.drop();
      }
    });
  });
});
