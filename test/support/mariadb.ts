import { randomBytes } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';

/**
 * Server used by the suites: 127.0.0.1:3306, user root, empty password. Override with
 * SEALED_AUDIT_TEST_MARIADB_URL (an admin URL; its database is only used to connect, e.g. `test`).
 */
export const MARIADB_ADMIN_URL = process.env.SEALED_AUDIT_TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** A throwaway database and how to get rid of it. */
export interface TempMariaDbDatabase {
  /** Connection URL of the new database, as the admin user. */
  url: string;
  /** Its name (`sa_<random>`). */
  name: string;
  /** The URL of the same database for another user. */
  urlFor(user: string, password?: string): string;
  /** `DROP DATABASE IF EXISTS`. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh database with a random name, so suites never see each other's rows. Call
 * `drop()` in `afterAll`.
 *
 * @example
 * let db: TempMariaDbDatabase;
 * beforeAll(async () => { db = await createTempMariaDbDatabase(); });
 * afterAll(() => db.drop());
 */
export async function createTempMariaDbDatabase(): Promise<TempMariaDbDatabase> {
  const name = `sa_${randomBytes(6).toString('hex')}`;
  await runMariaDbSql(MARIADB_ADMIN_URL, `CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
  const urlFor = (user: string, password = ''): string => {
    const url = new URL(MARIADB_ADMIN_URL);
    url.username = encodeURIComponent(user);
    url.password = encodeURIComponent(password);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const url = new URL(MARIADB_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    urlFor,
    drop: async () => {
      await runMariaDbSql(MARIADB_ADMIN_URL, `DROP DATABASE IF EXISTS ${name}`);
    },
  };
}

/** A user `sa_user_<random>`@`%` with a random password and no privileges; `drop()` removes it. */
export async function createTempMariaDbUser(): Promise<{ name: string; password: string; drop(): Promise<void> }> {
  const name = `sa_user_${randomBytes(5).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await runMariaDbSql(MARIADB_ADMIN_URL, `CREATE USER '${name}'@'%' IDENTIFIED BY '${password}'`);
  return { name, password, drop: async () => void (await runMariaDbSql(MARIADB_ADMIN_URL, `DROP USER IF EXISTS '${name}'@'%'`)) };
}

/**
 * Runs SQL on one short-lived connection to `url` (`?` parameters; several statements separated
 * by `;` when there are no parameters). Returns the rows of the (last) result set.
 */
export async function runMariaDbSql(url: string, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const connection = await connect(url);
  try {
    const [result] = await connection.query(sql, params);
    if (!Array.isArray(result)) return [];
    // Several statements give one item per statement: rows (an array) or a ResultSetHeader.
    const items = result as unknown[];
    const multiple = items.some((item) => Array.isArray(item) || (item as object | null)?.constructor?.name === 'ResultSetHeader');
    if (!multiple) return items as Array<Record<string, unknown>>;
    const sets = items.filter((item): item is Array<Record<string, unknown>> => Array.isArray(item));
    return sets[sets.length - 1] ?? [];
  } finally {
    await connection.end();
  }
}

function connect(url: string): Promise<Connection> {
  const parsed = new URL(url);
  return createConnection({
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)),
    multipleStatements: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
}
