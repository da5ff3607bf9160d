import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { createTempMariaDbDatabase, runMariaDbSql } from '../../../../test/support/mariadb';
import { createTempPostgresDatabase, runPostgresSql, type TempPostgresDatabase } from '../../../../test/support/postgres';
import { sealChain } from '../../../../test/support/sealed-entries';
import { removeTempSqlite, tempSqlitePath } from '../../../../test/support/sqlite';
import type { VerificationReport } from '../core/verify/chain-verifier';
import { createAuditStore } from '../typeorm/create-audit-store';
import { storageFromCli } from './cli-database';
import { runCli } from './run-cli';

/** Runs the CLI in-process and keeps what it printed. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A database as the CLI names it, plus raw SQL for tampering behind the library's back. */
interface Target {
  database: string;
  sql(statement: string): Promise<void>;
  dropTriggers(): Promise<void>;
  cleanup(): Promise<void>;
}

async function sqliteTarget(): Promise<Target> {
  const file = tempSqlitePath();
  const sql = async (statement: string): Promise<void> => {
    const db = new Database(file);
    try {
      db.exec(statement);
    } finally {
      db.close();
    }
  };
  return {
    database: file,
    sql,
    dropTriggers: () => sql('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;'),
    cleanup: async () => removeTempSqlite(file),
  };
}

async function postgresTarget(): Promise<Target> {
  const db: TempPostgresDatabase = await createTempPostgresDatabase();
  const sql = async (statement: string): Promise<void> => {
    await runPostgresSql(db.url, statement);
  };
  return {
    database: db.url,
    sql,
    dropTriggers: () => sql('DROP TRIGGER audit_log_append_only ON audit_log; DROP TRIGGER audit_log_no_truncate ON audit_log'),
    cleanup: () => db.drop(),
  };
}

async function mariadbTarget(): Promise<Target> {
  const db = await createTempMariaDbDatabase();
  const sql = async (statement: string): Promise<void> => {
    await runMariaDbSql(db.url, statement);
  };
  return {
    database: db.url,
    sql,
    dropTriggers: () => sql('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete'),
    cleanup: () => db.drop(),
  };
}

async function seed(database: string): Promise<void> {
  const store = createAuditStore(storageFromCli({ database }, { readOnly: false }));
  try {
    await store.append(sealChain('alpha', 5).entries);
    await store.append(
      sealChain('beta', 3, { entry: (index) => ({ subjectId: `subject-${index}`, action: index === 2 ? 'patient.delete' : 'patient.read' }) })
        .entries,
    );
  } finally {
    await store.close();
  }
}

describe.each([
  ['sqlite', sqliteTarget],
  ['postgres', postgresTarget],
  ['mariadb', mariadbTarget],
] as const)('sealed-audit CLI on %s', (_name, makeTarget) => {
  let target: Target;

  beforeAll(async () => {
    target = await makeTarget();
    const installed = await cli('install', '--database', target.database);
    expect(installed).toMatchObject({ code: 0 });
    await seed(target.database);
  });

  afterAll(() => target?.cleanup());

  it('verify: exit 0 and a per-chain summary on an intact trail', async () => {
    const result = await cli('verify', '--database', target.database);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/alpha\s+5 entries\s+head seq 5\s+ok/);
    expect(result.out).toMatch(/beta\s+3 entries\s+head seq 3\s+ok/);
    expect(result.out).toContain('OK: 8 entries in 2 chains verified.');

    const json = await cli('verify', '--database', target.database, '--json');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out) as VerificationReport;
    expect(report).toMatchObject({ ok: true, entries: 8 });
  });

  it('show: an aligned table with http status and route, filters and a limit', async () => {
    const all = await cli('show', '--database', target.database);
    expect(all.code).toBe(0);
    const lines = all.out.split('\n');
    expect(lines[0]).toMatch(/^chain\s+seq\s+ts\s+actor\s+action\s+resource\s+subject\s+outcome\s+status\s+route$/);
    expect(lines).toHaveLength(2 + 8);
    expect(lines[2]).toMatch(/alpha\s+1\s+2025-01-02T03:04:05\.678Z\s+user-1\s+patient\.read\s+patient\s+patient-0\s+success\s+200\s+GET \/patients\/:id/);
    // Columns line up: every row starts its "ts" cell at the same offset as the header.
    const tsColumn = lines[0]!.indexOf('ts');
    expect(lines.slice(2).every((line) => line.slice(tsColumn).startsWith('2025-'))).toBe(true);

    const subject = await cli('show', '--database', target.database, '--subject', 'subject-2');
    expect(subject.out.split('\n')).toHaveLength(3);
    expect(subject.out).toContain('patient.delete');

    const limited = await cli('show', '--database', target.database, '--chain', 'alpha', '--limit', '2', '--json');
    expect((JSON.parse(limited.out) as Array<{ seq: number }>).map((entry) => entry.seq)).toEqual([4, 5]);
  });

  it('verify: exit 1 naming chain, seq and kind after a row is edited, and missing after one is deleted', async () => {
    await target.dropTriggers();
    await target.sql(`UPDATE audit_log SET action = 'x' WHERE chain_id = 'alpha' AND seq = 3`);
    await target.sql(`DELETE FROM audit_log WHERE chain_id = 'beta' AND seq = 2`);

    const result = await cli('verify', '--database', target.database);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/alpha .*TAMPERED at seq 3: modified/);
    expect(result.out).toMatch(/beta .*TAMPERED at seq 2: missing \(entry 2 is missing\)/);
    expect(result.out).toContain('First bad entry: chain "alpha" seq 3 (modified)');
    expect(result.err).toContain('append-only triggers of audit_log are missing');

    const json = await cli('verify', '--database', target.database, '--json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as VerificationReport;
    expect(report.firstProblem).toMatchObject({ chainId: 'alpha', seq: 3, kind: 'modified' });
    expect(report.chains.find((chain) => chain.chainId === 'beta')?.problem).toMatchObject({ seq: 2, kind: 'missing' });
  });
});

describe('sealed-audit CLI errors', () => {
  const files: string[] = [];
  afterAll(() => files.forEach(removeTempSqlite));

  it.each([
    [[]],
    [['verify']],
    [['bogus']],
    [['verify', '--database']],
    [['show', '--database', 'x.db', '--limit', '0']],
    [['verify', '--database', 'x.db', 'extra']],
  ])('exits 2 on a usage error: %j', async (argv) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.err).not.toBe('');
  });

  it('exits 0 on --help and prints the commands', async () => {
    const result = await cli('--help');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/verify[\s\S]*show[\s\S]*install/);
  });

  it('exits 2 when the SQLite file does not exist, and does not create it', async () => {
    const file = tempSqlitePath('missing.db');
    files.push(file);
    for (const command of ['verify', 'show']) {
      const result = await cli(command, '--database', file);
      expect(result.code).toBe(2);
      expect(result.err).toContain(`SQLite database file not found: ${file}`);
    }
  });

  it('exits 2 naming the install command when the file has no audit table', async () => {
    const file = tempSqlitePath();
    files.push(file);
    writeFileSync(file, '');
    const result = await cli('verify', '--database', file);
    expect(result.code).toBe(2);
    expect(result.err).toContain('sealed-audit install --database <owner url>');
    expect(result.err.split('\n')[0]).toMatch(/^error: The audit table "audit_log" does not exist/);
  });

  it('exits 2 when PostgreSQL cannot be reached', async () => {
    const result = await cli('verify', '--database', 'postgres://postgres:secret@127.0.0.1:1/nowhere');
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^error: /);
    expect(result.err).not.toContain('secret');
  });

  it('exits 2 when MariaDB cannot be reached, without printing the password', async () => {
    const result = await cli('verify', '--database', 'mysql://root:secret@127.0.0.1:1/nowhere');
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^error: /);
    expect(result.err).not.toContain('secret');
    expect((await cli('verify', '--database', 'mariadb://root@127.0.0.1:3306/test', '--schema', 'x')).code).toBe(2);
  });

  it('install --print-sql for MariaDB: the DDL with SIGNAL triggers, and --grant name@host as GRANT statements', async () => {
    const result = await cli('install', '--database', 'mariadb://owner:pw@127.0.0.1:1/app', '--grant', 'audit_writer@10.0.%', '--print-sql');
    expect(result.code).toBe(0);
    expect(result.out).toContain('CREATE TABLE IF NOT EXISTS `audit_log`');
    expect(result.out).toContain(
      "CREATE OR REPLACE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log` FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only: UPDATE is not allowed';",
    );
    expect(result.out).toContain("REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'audit_writer'@'10.0.%';");
    expect(result.out).toContain("GRANT SELECT, INSERT ON `app`.`audit_signing_key` TO 'audit_writer'@'10.0.%';");
    expect(result.out).not.toContain('TRUNCATE');
  });

  it('install creates a SQLite trail that verifies as empty; --grant is for PostgreSQL and MariaDB only', async () => {
    const file = tempSqlitePath();
    files.push(file);
    expect((await cli('install', '--database', file)).code).toBe(0);
    expect(await cli('verify', '--database', file)).toMatchObject({ code: 0, out: expect.stringContaining('OK: the trail is empty') });
    expect((await cli('show', '--database', file)).out).toBe('(no entries)');
    expect((await cli('install', '--database', file, '--grant', 'app')).code).toBe(2);
  });

  it('install --print-sql prints the DDL without connecting', async () => {
    const result = await cli('install', '--database', 'postgres://owner@127.0.0.1:1/db', '--schema', 'audit', '--grant', 'app', '--print-sql');
    expect(result.code).toBe(0);
    expect(result.out).toContain('CREATE TABLE IF NOT EXISTS "audit"."audit_log"');
    expect(result.out).toContain('BEFORE TRUNCATE ON "audit"."audit_log"');
    expect(result.out).toContain('GRANT SELECT, INSERT ON TABLE "audit"."audit_log" TO "app";');
  });
});
