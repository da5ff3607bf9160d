import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * Server used by the suites: 127.0.0.1:5432, user postgres, trust authentication. Override with
 * SEALED_AUDIT_TEST_PG_URL (an admin URL whose database may be connected to, e.g. `postgres`).
 */
export const POSTGRES_ADMIN_URL = process.env.SEALED_AUDIT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A throwaway database and how to get rid of it. */
export interface TempPostgresDatabase {
  /** Connection URL of the new database, as the admin user. */
  url: string;
  /** Its name (`sa_<random>`). */
  name: string;
  /** The URL of the same database for another (trust-authenticated) role. */
  urlFor(role: string): string;
  /** `DROP DATABASE … WITH (FORCE)`: also ends connections a failed test left open. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh database with a random name, so suites (and parallel Jest workers) never see
 * each other's rows. Call `drop()` in `afterAll`.
 *
 * @example
 * let db: TempPostgresDatabase;
 * beforeAll(async () => { db = await createTempPostgresDatabase(); });
 * afterAll(() => db.drop());
 */
export async function createTempPostgresDatabase(): Promise<TempPostgresDatabase> {
  const name = `sa_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const urlFor = (role: string): string => {
    const url = new URL(POSTGRES_ADMIN_URL);
    url.username = encodeURIComponent(role);
    url.password = '';
    url.pathname = `/${name}`;
    return url.toString();
  };
  const adminUrl = new URL(POSTGRES_ADMIN_URL);
  adminUrl.pathname = `/${name}`;
  return {
    url: adminUrl.toString(),
    name,
    urlFor,
    drop: () => withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** A LOGIN role with a random name (`sa_role_<random>`); `drop()` removes it. */
export async function createTempPostgresRole(): Promise<{ name: string; drop(): Promise<void> }> {
  const name = `sa_role_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE ROLE ${name} LOGIN`));
  return {
    name,
    // Grants live in databases; drop those databases (or REVOKE) before dropping the role.
    drop: () => withAdmin((client) => client.query(`DROP ROLE IF EXISTS ${name}`)).then(() => undefined),
  };
}

/** Runs SQL on one short-lived connection to `url`. */
export async function runPostgresSql(url: string, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
