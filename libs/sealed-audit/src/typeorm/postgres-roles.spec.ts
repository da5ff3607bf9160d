import {
  createTempPostgresDatabase,
  createTempPostgresRole,
  type TempPostgresDatabase,
} from '../../../../test/support/postgres';
import { sealChain } from '../../../../test/support/sealed-entries';
import { verifyChains } from '../core/verify/chain-verifier';
import { createAuditStore } from './create-audit-store';
import { postgresRoleSetupSql } from './postgres-roles';
import type { TypeOrmAuditStore } from './typeorm-audit.store';

describe('postgresRoleSetupSql', () => {
  it('quotes identifiers and grants only SELECT and INSERT', () => {
    expect(postgresRoleSetupSql({ appRole: 'app "x"', schema: 'audit' })).toEqual([
      'REVOKE ALL ON TABLE "audit"."audit_log" FROM PUBLIC',
      'REVOKE ALL ON TABLE "audit"."audit_log" FROM "app ""x"""',
      'GRANT USAGE ON SCHEMA "audit" TO "app ""x"""',
      'GRANT SELECT, INSERT ON TABLE "audit"."audit_log" TO "app ""x"""',
      'REVOKE ALL ON TABLE "audit"."audit_checkpoint" FROM PUBLIC',
      'REVOKE ALL ON TABLE "audit"."audit_checkpoint" FROM "app ""x"""',
      'GRANT SELECT, INSERT ON TABLE "audit"."audit_checkpoint" TO "app ""x"""',
      'REVOKE ALL ON TABLE "audit"."audit_signing_key" FROM PUBLIC',
      'REVOKE ALL ON TABLE "audit"."audit_signing_key" FROM "app ""x"""',
      'GRANT SELECT, INSERT ON TABLE "audit"."audit_signing_key" TO "app ""x"""',
    ]);
  });

  describe('on a real server, as a LOGIN role', () => {
    let db: TempPostgresDatabase;
    let role: { name: string; drop(): Promise<void> };
    let owner: TypeOrmAuditStore;
    let app: TypeOrmAuditStore;

    beforeAll(async () => {
      db = await createTempPostgresDatabase();
      role = await createTempPostgresRole();
      owner = createAuditStore({ type: 'postgres', url: db.url });
      await owner.init();
      for (const sql of postgresRoleSetupSql({ appRole: role.name })) await owner.dataSource.query(sql);
      app = createAuditStore({ type: 'postgres', url: db.urlFor(role.name), install: false });
      await app.init();
    });

    afterAll(async () => {
      await app?.close();
      await owner?.close();
      // The grants die with the database; only then can the role go.
      await db?.drop();
      await role?.drop();
    });

    it('connects as the app role and appends', async () => {
      const [row] = (await app.dataSource.query('SELECT current_user AS "user"')) as Array<{ user: string }>;
      expect(row?.user).toBe(role.name);
      const { entries, head } = sealChain('app-chain', 3);
      await app.append(entries);
      expect(await app.readHead('app-chain')).toEqual(head);
      expect((await verifyChains(app.read())).ok).toBe(true);
    });

    it('denies UPDATE, DELETE and TRUNCATE with "permission denied"', async () => {
      for (const sql of [
        `UPDATE audit_log SET action = 'x'`,
        `DELETE FROM audit_log WHERE seq = 1`,
        `TRUNCATE audit_log`,
      ]) {
        await expect(app.dataSource.query(sql)).rejects.toThrow(/permission denied for table audit_log/);
      }
      await expect(app.dataSource.query(`DROP TRIGGER audit_log_append_only ON audit_log`)).rejects.toThrow(/must be owner/);
      expect(await owner.readHead('app-chain')).toMatchObject({ seq: 3 });
    });

    it('starts with the default install: true once the owner has installed the schema', async () => {
      const defaults = createAuditStore({ type: 'postgres', url: db.urlFor(role.name) });
      try {
        await defaults.init();
        expect(await defaults.readHead('app-chain')).toMatchObject({ seq: 3 });
      } finally {
        await defaults.close();
      }
    });
  });
});
