import 'reflect-metadata';
import Database from 'better-sqlite3';
import { createHash, createHmac } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AUDIT_APPEND_ONLY_TABLES, AUDIT_LOG_GUARDS, createAuditStore, type AuditStorageOptions, type SealedEntry } from 'sealed-audit';
import { runCli, type CliIo } from '../../libs/sealed-audit/src/cli';
import { MARIADB_ADMIN_URL, createTempMariaDbDatabase, runMariaDbSql } from '../support/mariadb';
import { POSTGRES_ADMIN_URL, createTempPostgresDatabase, runPostgresSql } from '../support/postgres';
import { removeTempSqlite, tempSqlitePath } from '../support/sqlite';
import { bootSampleApp, objectAt, readEntries, type RunningSampleApp } from './sample-app.harness';

/**
 * The real patient-records sample app (apps/sample-app) on a real port, driven over HTTP, on each
 * engine it supports: what lands in the trail, what never does, what the database refuses, and
 * what `sealed-audit verify` says before and after someone with owner rights edits the table.
 */

const HMAC_KEY = 'sample-app-e2e-hmac-key-0123456789abcdef0123456789';
const HMAC_KEY_ID = createHash('sha256').update(HMAC_KEY, 'utf8').digest('hex').slice(0, 8);
const hmacOf = (value: string): string => `hmac-sha256:${HMAC_KEY_ID}:${createHmac('sha256', HMAC_KEY).update(value, 'utf8').digest('hex')}`;

const TOKENS = { doctor: 'doctor-token', nurse: 'nurse-token', admin: 'admin-token' } as const;

/** A statement the database must refuse, and how it says so. */
interface Refusal {
  sql: string;
  /** The driver's error code (and, where the driver has one, the SQLSTATE). */
  code: string;
  sqlState?: string;
  message: RegExp;
}

/** A fresh database per run, on each engine; `database` is what `--database` of the CLI takes. */
interface Backend {
  env: { DATABASE_URL?: string; AUDIT_SQLITE?: string };
  storage: AuditStorageOptions;
  database: string;
  /** Files holding the raw bytes at rest (SQLite), read while the app runs. */
  files: string[];
  /** Every row of audit_log as the driver returns it, in key order. */
  rawRows(database: string): Promise<Array<Record<string, unknown>>>;
  /** Runs one statement with the owner's rights; `$1`-style parameters. */
  exec(database: string, sql: string, params?: unknown[]): Promise<void>;
  /** Drops the append-only triggers (AUDIT_LOG_GUARDS), as a table owner or superuser can. */
  dropGuards(database: string): Promise<void>;
  /** A second database with the same rows, made after the app is closed. */
  copy(): Promise<string>;
  cleanup(): Promise<void>;
}

const refusedByPostgres = (op: string) => ({ code: '42501', message: new RegExp(`audit_log is append-only: ${op} is not allowed`) });

const refusedByMariaDb = (op: string) => ({
  code: 'ER_SIGNAL_EXCEPTION',
  sqlState: '45000',
  message: new RegExp(`audit_log is append-only: ${op} is not allowed`),
});

const backends: Array<{ name: string; refusals: Refusal[]; make: () => Promise<Backend> }> = [
  {
    name: 'SQLite',
    // SQLite has no TRUNCATE: `DELETE FROM` without WHERE is its truncate.
    refusals: [
      { sql: `UPDATE audit_log SET subject_id = 'someone-else'`, code: 'SQLITE_CONSTRAINT_TRIGGER', message: /append-only: UPDATE is not allowed/ },
      { sql: `DELETE FROM audit_log WHERE seq = 1`, code: 'SQLITE_CONSTRAINT_TRIGGER', message: /append-only: DELETE is not allowed/ },
      { sql: `DELETE FROM audit_log`, code: 'SQLITE_CONSTRAINT_TRIGGER', message: /append-only: DELETE is not allowed/ },
    ],
    make: async () => {
      const file = tempSqlitePath();
      const copyFile = join(dirname(file), 'copy.db');
      const open = <T>(database: string, work: (db: Database.Database) => T, readonly = false): T => {
        const db = new Database(database, { readonly, fileMustExist: true });
        try {
          return work(db);
        } finally {
          db.close();
        }
      };
      return {
        env: { AUDIT_SQLITE: file },
        storage: { type: 'sqlite', database: file },
        database: file,
        files: [file, `${file}-wal`],
        rawRows: async (database) =>
          open(database, (db) => db.prepare('SELECT * FROM audit_log ORDER BY chain_id, seq').all() as Array<Record<string, unknown>>, true),
        // better-sqlite3 binds anonymous `?` in order; the statements here use $1, $2 in order.
        exec: async (database, sql, params = []) => {
          open(database, (db) => db.prepare(sql.replace(/\$\d+/g, '?')).run(...params));
        },
        dropGuards: async (database) => {
          open(database, (db) => {
            db.exec(`DROP TRIGGER ${AUDIT_LOG_GUARDS.sqliteUpdateTrigger}`);
            db.exec(`DROP TRIGGER ${AUDIT_LOG_GUARDS.sqliteDeleteTrigger}`);
          });
        },
        copy: async () => {
          copyFileSync(file, copyFile);
          if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copyFile}-wal`);
          return copyFile;
        },
        cleanup: async () => removeTempSqlite(file),
      };
    },
  },
  {
    name: 'PostgreSQL',
    refusals: [
      { sql: `UPDATE audit_log SET subject_id = 'someone-else'`, ...refusedByPostgres('UPDATE') },
      { sql: `DELETE FROM audit_log WHERE seq = 1`, ...refusedByPostgres('DELETE') },
      { sql: `DELETE FROM audit_log`, ...refusedByPostgres('DELETE') },
      { sql: `TRUNCATE audit_log`, ...refusedByPostgres('TRUNCATE') },
    ],
    make: async () => {
      const db = await createTempPostgresDatabase();
      const copyName = `${db.name}_copy`;
      return {
        env: { DATABASE_URL: db.url },
        storage: { type: 'postgres', url: db.url },
        database: db.url,
        files: [],
        rawRows: (database) => runPostgresSql(database, 'SELECT * FROM audit_log ORDER BY chain_id, seq'),
        exec: async (database, sql, params = []) => {
          await runPostgresSql(database, sql, params);
        },
        dropGuards: async (database) => {
          await runPostgresSql(database, `DROP TRIGGER ${AUDIT_LOG_GUARDS.postgresRowTrigger} ON audit_log`);
          await runPostgresSql(database, `DROP TRIGGER ${AUDIT_LOG_GUARDS.postgresTruncateTrigger} ON audit_log`);
        },
        copy: async () => {
          // TEMPLATE needs the source idle: the app is closed and every helper connection ended.
          await runPostgresSql(POSTGRES_ADMIN_URL, `CREATE DATABASE ${copyName} TEMPLATE ${db.name}`);
          const url = new URL(db.url);
          url.pathname = `/${copyName}`;
          return url.toString();
        },
        cleanup: async () => {
          await runPostgresSql(POSTGRES_ADMIN_URL, `DROP DATABASE IF EXISTS ${copyName} WITH (FORCE)`);
          await db.drop();
        },
      };
    },
  },
  {
    name: 'MariaDB',
    // TRUNCATE fires no trigger on MariaDB: the table owner may truncate. Only a user without DROP
    // is refused, see mariadb-app-role.e2e-spec.ts.
    refusals: [
      { sql: `UPDATE audit_log SET subject_id = 'someone-else'`, ...refusedByMariaDb('UPDATE') },
      { sql: `DELETE FROM audit_log WHERE seq = 1`, ...refusedByMariaDb('DELETE') },
      { sql: `DELETE FROM audit_log`, ...refusedByMariaDb('DELETE') },
    ],
    make: async () => {
      const db = await createTempMariaDbDatabase();
      const copyName = `${db.name}_copy`;
      const copyUrl = new URL(db.url);
      copyUrl.pathname = `/${copyName}`;
      return {
        env: { DATABASE_URL: db.url },
        storage: { type: 'mariadb', url: db.url },
        database: db.url,
        files: [],
        rawRows: (database) => runMariaDbSql(database, 'SELECT * FROM audit_log ORDER BY chain_id, seq'),
        // mysql2 binds `?` in order; the statements here use $1, $2 in order.
        exec: async (database, sql, params = []) => {
          await runMariaDbSql(database, sql.replace(/\$\d+/g, '?'), params);
        },
        dropGuards: async (database) => {
          await runMariaDbSql(database, `DROP TRIGGER ${AUDIT_LOG_GUARDS.mariadbUpdateTrigger}; DROP TRIGGER ${AUDIT_LOG_GUARDS.mariadbDeleteTrigger}`);
        },
        copy: async () => {
          // No TEMPLATE on MariaDB: install the schema in a new database and copy the rows over.
          await runMariaDbSql(MARIADB_ADMIN_URL, `CREATE DATABASE ${copyName} CHARACTER SET utf8mb4`);
          const store = createAuditStore({ type: 'mariadb', url: copyUrl.toString() });
          await store.init();
          await store.close();
          for (const { table } of AUDIT_APPEND_ONLY_TABLES) {
            await runMariaDbSql(MARIADB_ADMIN_URL, `INSERT INTO ${copyName}.${table} SELECT * FROM ${db.name}.${table}`);
          }
          return copyUrl.toString();
        },
        cleanup: async () => {
          await runMariaDbSql(MARIADB_ADMIN_URL, `DROP DATABASE IF EXISTS ${copyName}`);
          await db.drop();
        },
      };
    },
  },
];

/** Distinctive values that must never be stored as sent. */
const PII = {
  fullName: 'Ottoline Vandergriff-Quarles',
  email: 'ottoline.vq@quarles-mail.example',
  otherEmail: 'bartholomew.zz@quarles-mail.example',
  phone: '+1 (555) 013-8842',
  newPhone: '+1 (555) 013-9917',
  ssn: '612-73-4859',
  cardNumber: '4539 7712 0394 8821',
  dateOfBirth: '1931-07-19',
  notes: 'Allergic to penicillin; lives with sister Wilhelmina',
  street: '17 Quinceberry Crescent',
  postcode: 'QX7 4ZJ',
  referralLetter: 'Dear colleague, please see Ms Quarles about her recurring migraines',
  wrongPassword: 'Wr0ng-Passw0rd-Zx81',
  rightPassword: 'doctor-pass',
};
const CITY = 'Llanwrtyd Wells';

/** Every raw value a request of this suite sent that the trail must not hold. */
const PLANTED: string[] = [
  ...Object.values(PII),
  PII.cardNumber.replaceAll(' ', ''),
  ...Object.values(TOKENS),
];

describe.each(backends)('sample app on a real port ($name)', ({ name, refusals, make }) => {
  let backend: Backend;
  let running: RunningSampleApp;

  beforeAll(async () => {
    backend = await make();
    running = await bootSampleApp({ ...backend.env, AUDIT_HMAC_KEY: HMAC_KEY });
  });

  afterAll(async () => {
    await running?.close();
    await backend?.cleanup();
  });

  interface Sent {
    status: number;
    /** The response's x-request-id header. */
    requestId: string;
    text: string;
    /** Date.now() right before the request and right after the response. */
    before: number;
    after: number;
  }

  async function send(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; requestId?: string; headers?: Record<string, string> } = {},
  ): Promise<Sent> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.requestId) headers['x-request-id'] = options.requestId;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const before = Date.now();
    const res = await fetch(`${running.base}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    const after = Date.now();
    return { status: res.status, requestId: res.headers.get('x-request-id') ?? '(no x-request-id header)', text, before, after };
  }

  async function allEntries(): Promise<SealedEntry[]> {
    await running.flush();
    return readEntries(backend.storage);
  }

  async function entriesOf(sent: Sent): Promise<SealedEntry[]> {
    return (await allEntries()).filter((entry) => entry.requestId === sent.requestId);
  }

  /** The one entry of a request (fails when there are none or several). */
  async function entryOf(sent: Sent): Promise<SealedEntry> {
    const entries = await entriesOf(sent);
    expect(entries).toHaveLength(1);
    return entries[0] as SealedEntry;
  }

  async function createPatient(token: string = TOKENS.nurse): Promise<string> {
    const sent = await send('POST', '/patients', {
      token,
      body: { fullName: 'Test Patient', email: 'test.patient@clinic.example', dateOfBirth: '1990-01-01' },
    });
    expect(sent.status).toBe(201);
    return (JSON.parse(sent.text) as { id: string }).id;
  }

  /** The fields every HTTP entry has, checked against the request that made it. */
  function expectHttpEntry(
    entry: SealedEntry,
    sent: Sent,
    expected: { action: string; outcome: string; method: string; route: string; resource: string | null; subjectId: string | null },
  ): void {
    expect(entry).toMatchObject({
      chainId: running.chainId,
      action: expected.action,
      outcome: expected.outcome,
      resource: expected.resource,
      subjectId: expected.subjectId,
      requestId: sent.requestId,
    });
    const http = objectAt(entry.payload, 'http');
    expect(http).toMatchObject({ method: expected.method, route: expected.route, status: sent.status });
    // The client address is personal data: masked to its network by default (redaction.detectors.ip).
    expect(http.ip).toMatch(/^(::ffff:)?127\.0\.0\.\*$/);
    expect(typeof http.userAgent).toBe('string');
    expect(typeof http.durationMs).toBe('number');
    expect(http.durationMs as number).toBeGreaterThanOrEqual(0);
    // `ts` is when the request came in, stored to the millisecond.
    const ts = Date.parse(entry.ts);
    expect(ts).toBeGreaterThanOrEqual(sent.before);
    expect(ts).toBeLessThanOrEqual(sent.after);
  }

  describe('entries of audited routes', () => {
    let patientId: string;

    beforeAll(async () => {
      patientId = await createPatient(TOKENS.admin);
    });

    it('records a create: actor, roles, route pattern, status, and the incoming x-request-id', async () => {
      const sent = await send('POST', '/patients', {
        token: TOKENS.nurse,
        requestId: `e2e-create-${name}`,
        body: { fullName: 'Create Patient', email: 'create.patient@clinic.example', dateOfBirth: '1980-05-06' },
      });
      expect(sent.status).toBe(201);
      expect(sent.requestId).toBe(`e2e-create-${name}`);
      const entry = await entryOf(sent);
      expectHttpEntry(entry, sent, { action: 'patient.create', outcome: 'success', method: 'POST', route: '/patients', resource: 'patient', subjectId: null });
      expect(entry).toMatchObject({ actorId: 'u-nurse', actorType: 'user' });
      expect(entry.payload.actorRoles).toEqual(['nurse']);
      expect(entry.payload).not.toHaveProperty('error');
    });

    it('records a read with the record id as subject and /patients/:id as route, with a generated request id', async () => {
      const sent = await send('GET', `/patients/${patientId}`, { token: TOKENS.doctor });
      expect(sent.status).toBe(200);
      expect(sent.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const entry = await entryOf(sent);
      expectHttpEntry(entry, sent, { action: 'patient.read', outcome: 'success', method: 'GET', route: '/patients/:id', resource: 'patient', subjectId: patientId });
      expect(entry).toMatchObject({ actorId: 'u-doctor', actorType: 'user' });
      expect(entry.payload.actorRoles).toEqual(['doctor']);
      expect(objectAt(entry.payload, 'request', 'params')).toEqual({ id: patientId });
    });

    it('records an update', async () => {
      const sent = await send('PATCH', `/patients/${patientId}`, { token: TOKENS.nurse, body: { address: { street: 'Somewhere 1', city: CITY } } });
      expect(sent.status).toBe(200);
      const entry = await entryOf(sent);
      expectHttpEntry(entry, sent, { action: 'patient.update', outcome: 'success', method: 'PATCH', route: '/patients/:id', resource: 'patient', subjectId: patientId });
      expect(entry).toMatchObject({ actorId: 'u-nurse', actorType: 'user' });
      expect(entry.payload.actorRoles).toEqual(['nurse']);
    });

    it('records a list without a subject', async () => {
      const sent = await send('GET', '/patients', { token: TOKENS.doctor });
      expect(sent.status).toBe(200);
      expect((JSON.parse(sent.text) as unknown[]).length).toBeGreaterThan(0);
      const entry = await entryOf(sent);
      expectHttpEntry(entry, sent, { action: 'patient.list', outcome: 'success', method: 'GET', route: '/patients', resource: 'patient', subjectId: null });
      expect(entry.actorId).toBe('u-doctor');
    });

    it('records a file download with the patient as subject and the route pattern, not the file path', async () => {
      const sent = await send('GET', `/patients/${patientId}/files/lab-results.txt`, { token: TOKENS.doctor });
      expect(sent.status).toBe(200);
      expect(sent.text).toContain('Haemoglobin');
      const entry = await entryOf(sent);
      expectHttpEntry(entry, sent, {
        action: 'file.download',
        outcome: 'success',
        method: 'GET',
        route: '/patients/:id/files/:name',
        resource: 'patient-file',
        subjectId: patientId,
      });
      expect(entry.actorId).toBe('u-doctor');
      expect(objectAt(entry.payload, 'request', 'params')).toEqual({ id: patientId, name: 'lab-results.txt' });
    });

    it('records a delete by an admin', async () => {
      const sent = await send('DELETE', `/patients/${patientId}`, { token: TOKENS.admin });
      expect(sent.status).toBe(204);
      const entry = await entryOf(sent);
      expectHttpEntry(entry, sent, { action: 'patient.delete', outcome: 'success', method: 'DELETE', route: '/patients/:id', resource: 'patient', subjectId: patientId });
      expect(entry).toMatchObject({ actorId: 'u-admin', actorType: 'user' });
      expect(entry.payload.actorRoles).toEqual(['admin']);
      expect((await send('GET', `/patients/${patientId}`, { token: TOKENS.admin })).status).toBe(404);
    });
  });

  describe('denied and failed requests', () => {
    it('records a doctor deleting (403 from RolesGuard) as denied with the route action', async () => {
      const patientId = await createPatient();
      const sent = await send('DELETE', `/patients/${patientId}`, { token: TOKENS.doctor });
      expect(sent.status).toBe(403);
      const entry = await entryOf(sent);
      expectHttpEntry(entry, sent, { action: 'patient.delete', outcome: 'denied', method: 'DELETE', route: '/patients/:id', resource: 'patient', subjectId: patientId });
      expect(entry).toMatchObject({ actorId: 'u-doctor', actorType: 'user' });
      expect(entry.payload.actorRoles).toEqual(['doctor']);
      expect((await send('GET', `/patients/${patientId}`, { token: TOKENS.doctor })).status).toBe(200);
    });

    it('records a request without a token (401) on an audited route as denied, without an actor', async () => {
      const patientId = await createPatient();
      const sent = await send('GET', `/patients/${patientId}`);
      expect(sent.status).toBe(401);
      const entry = await entryOf(sent);
      expectHttpEntry(entry, sent, { action: 'patient.read', outcome: 'denied', method: 'GET', route: '/patients/:id', resource: 'patient', subjectId: patientId });
      expect(entry).toMatchObject({ actorId: null, actorType: null });
      expect(entry.payload).not.toHaveProperty('actorRoles');
    });

    it('records an unknown token (401) on the audited file route as denied', async () => {
      const patientId = await createPatient();
      const sent = await send('GET', `/patients/${patientId}/files/lab-results.txt`, { token: 'not-a-token' });
      expect(sent.status).toBe(401);
      const entry = await entryOf(sent);
      expectHttpEntry(entry, sent, {
        action: 'file.download',
        outcome: 'denied',
        method: 'GET',
        route: '/patients/:id/files/:name',
        resource: 'patient-file',
        subjectId: patientId,
      });
      expect(entry.actorId).toBeNull();
    });

    it('records a failed login (401 on a route that is not audited) as access.denied plus a manual auth.login failure, same request id', async () => {
      const sent = await send('POST', '/auth/login', {
        requestId: `e2e-login-failed-${name}`,
        body: { username: 'doctor', password: PII.wrongPassword },
      });
      expect(sent.status).toBe(401);
      expect(sent.requestId).toBe(`e2e-login-failed-${name}`);
      const entries = await entriesOf(sent);
      expect(entries.map((entry) => entry.action).sort()).toEqual(['access.denied', 'auth.login']);

      const denied = entries.find((entry) => entry.action === 'access.denied') as SealedEntry;
      expectHttpEntry(denied, sent, { action: 'access.denied', outcome: 'denied', method: 'POST', route: '/auth/login', resource: null, subjectId: null });
      expect(denied.actorId).toBeNull();
      // Not an audited route: no request parts are kept, so the body (and its password) never reaches the trail.
      expect(denied.payload).not.toHaveProperty('request');

      const login = entries.find((entry) => entry.action === 'auth.login') as SealedEntry;
      expect(login).toMatchObject({ chainId: running.chainId, outcome: 'failure', resource: 'session', actorId: null, requestId: sent.requestId });
      expect(login.payload.metadata).toEqual({ username: 'doctor' });
    });

    it('records a successful login as a manual auth.login success with the user as actor and the response request id', async () => {
      const sent = await send('POST', '/auth/login', { body: { username: 'doctor', password: PII.rightPassword } });
      expect(sent.status).toBe(200);
      expect(JSON.parse(sent.text)).toMatchObject({ token: TOKENS.doctor, user: { id: 'u-doctor' } });
      // Only the manual event: a 200 on a route that is not audited records nothing by itself.
      const login = await entryOf(sent);
      expect(login).toMatchObject({ chainId: running.chainId, action: 'auth.login', outcome: 'success', resource: 'session', actorId: 'u-doctor', actorType: 'user' });
      expect(login.payload.actorRoles).toEqual(['doctor']);
      expect(login.payload.metadata).toEqual({ username: 'doctor' });
      expect(Date.parse(login.ts)).toBeGreaterThanOrEqual(sent.before);
      expect(Date.parse(login.ts)).toBeLessThanOrEqual(sent.after);
    });

    it('records a missing token (401) on a guarded route that is not audited as access.denied', async () => {
      const sent = await send('GET', '/auth/me', {});
      expect(sent.status).toBe(401);
      const entry = await entryOf(sent);
      expectHttpEntry(entry, sent, { action: 'access.denied', outcome: 'denied', method: 'GET', route: '/auth/me', resource: null, subjectId: null });
      expect(entry.actorId).toBeNull();
      const ok = await send('GET', '/auth/me', { token: TOKENS.nurse });
      expect(ok.status).toBe(200);
      await running.flush();
      expect((await allEntries()).filter((e) => e.requestId === ok.requestId)).toEqual([]);
    });

    it('records a missing patient (404) as a failure with the NotFoundException', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      const sent = await send('GET', `/patients/${missing}`, { token: TOKENS.doctor });
      expect(sent.status).toBe(404);
      const entry = await entryOf(sent);
      expectHttpEntry(entry, sent, { action: 'patient.read', outcome: 'failure', method: 'GET', route: '/patients/:id', resource: 'patient', subjectId: missing });
      expect(entry.payload.error).toMatchObject({ name: 'NotFoundException', status: 404 });
    });
  });

  describe('PII redaction', () => {
    let created: SealedEntry;
    let updated: SealedEntry;
    let other: SealedEntry;

    beforeAll(async () => {
      const createSent = await send('POST', '/patients', {
        token: TOKENS.admin,
        headers: { 'x-contact-email': PII.email },
        body: {
          fullName: PII.fullName,
          email: PII.email,
          phone: PII.phone,
          ssn: PII.ssn,
          cardNumber: PII.cardNumber,
          dateOfBirth: PII.dateOfBirth,
          notes: PII.notes,
          referralLetter: PII.referralLetter,
          address: { street: PII.street, city: CITY, postcode: PII.postcode },
        },
      });
      expect(createSent.status).toBe(201);
      const id = (JSON.parse(createSent.text) as { id: string }).id;
      const updateSent = await send('PATCH', `/patients/${id}`, { token: TOKENS.nurse, body: { email: PII.email, phone: PII.newPhone } });
      expect(updateSent.status).toBe(200);
      const otherSent = await send('POST', '/patients', {
        token: TOKENS.doctor,
        body: { fullName: 'Other Patient', email: PII.otherEmail, dateOfBirth: '1970-01-01' },
      });
      expect(otherSent.status).toBe(201);
      created = await entryOf(createSent);
      updated = await entryOf(updateSent);
      other = await entryOf(otherSent);
    });

    it('applies each @PiiField strategy as declared on CreatePatientDto and AddressDto', () => {
      const body = objectAt(created.payload, 'request', 'body');
      expect(body).toEqual({
        fullName: '********rles', // mask: the last 4 of a long value
        email: hmacOf(PII.email), // hash: HMAC-SHA-256 under AUDIT_HMAC_KEY, tagged with the key id
        phone: '********42', // mask, kind phone: the last 2 digits
        ssn: '[REDACTED:ssn]',
        cardNumber: '[REDACTED:payment-card]',
        dateOfBirth: '[REDACTED:date-of-birth]',
        notes: '[REDACTED:free-text]',
        // referralLetter: omit — not even the key is kept
        address: { street: '[REDACTED:street]', city: CITY, postcode: '*****ZJ' }, // city is not PII: as sent
      });
      expect(body.email).toMatch(/^hmac-sha256:[0-9a-f]{8}:[0-9a-f]{64}$/);
    });

    it('hashes equal inputs to equal pseudonyms across requests and DTOs, different inputs to different ones', () => {
      const createdBody = objectAt(created.payload, 'request', 'body');
      const updatedBody = objectAt(updated.payload, 'request', 'body');
      const otherBody = objectAt(other.payload, 'request', 'body');
      expect(updatedBody).toEqual({ email: createdBody.email, phone: '********17' });
      expect(otherBody.email).toBe(hmacOf(PII.otherEmail));
      expect(otherBody.email).not.toBe(createdBody.email);
    });

    it('redacts the Authorization header and scrubs PII out of other headers', () => {
      const headers = objectAt(created.payload, 'request', 'headers');
      expect(headers.authorization).toBe('[REDACTED]');
      expect(headers['x-contact-email']).toEqual(expect.stringContaining('REDACTED'));
    });

    it('omits the login password: no entry carries a password key or a login body', async () => {
      const logins = (await allEntries()).filter((entry) => entry.payload.http && objectAt(entry.payload, 'http').route === '/auth/login');
      const manual = (await allEntries()).filter((entry) => entry.action === 'auth.login');
      expect(logins.length).toBeGreaterThan(0);
      expect(manual.length).toBeGreaterThan(0);
      for (const entry of [...logins, ...manual]) {
        expect(JSON.stringify(entry)).not.toMatch(/"password"/i);
        expect(objectAt(entry.payload, 'request', 'body')).toEqual({});
      }
    });

    it('stores no planted raw value anywhere: not in any entry, any raw row, nor (SQLite) the database file or its WAL', async () => {
      const entries = await allEntries();
      expect(entries.length).toBeGreaterThan(10);
      const text = JSON.stringify(entries) + JSON.stringify(await backend.rawRows(backend.database));
      const bytes = Buffer.concat(backend.files.flatMap((file) => (existsSync(file) ? [readFileSync(file)] : [])));
      if (backend.files.length > 0) {
        // The byte search must be looking at the stored rows, or it proves nothing.
        expect(bytes.includes(Buffer.from(running.chainId))).toBe(true);
        expect(bytes.includes(Buffer.from(CITY))).toBe(true);
      }
      const leaks = PLANTED.filter((value) => text.includes(value) || bytes.includes(Buffer.from(value)));
      expect(leaks).toEqual([]);
    });
  });

  describe('the database refuses changes to audit_log', () => {
    it.each(refusals)('refuses $sql and leaves every row as it was', async (refusal) => {
      await running.flush();
      const before = await backend.rawRows(backend.database);
      expect(before.length).toBeGreaterThan(0);
      await expect(backend.exec(backend.database, refusal.sql)).rejects.toMatchObject({
        code: refusal.code,
        ...(refusal.sqlState ? { sqlState: refusal.sqlState } : {}),
        message: expect.stringMatching(refusal.message),
      });
      expect(await backend.rawRows(backend.database)).toEqual(before);
    });
  });

  describe('sealed-audit verify, after the app is closed', () => {
    let copy: string;

    beforeAll(async () => {
      await running.close();
      copy = await backend.copy();
    });

    async function verify(database: string): Promise<{ code: number; out: string; err: string }> {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line) };
      const code = await runCli(['verify', '--database', database], io);
      return { code, out: out.join('\n'), err: err.join('\n') };
    }

    it('exits 0 on the intact log, with every entry in one chain', async () => {
      const rows = await backend.rawRows(backend.database);
      expect(rows.length).toBeGreaterThan(3);
      const result = await verify(backend.database);
      expect(result).toMatchObject({ code: 0, err: '' });
      expect(result.out).toContain(`OK: ${rows.length} entries in 1 chain verified.`);
      expect(result.out).toContain(running.chainId);
    });

    it('exits 1 naming the chain, seq 3 and modified once a row is edited behind the dropped triggers', async () => {
      await backend.dropGuards(backend.database);
      await backend.exec(backend.database, `UPDATE audit_log SET subject_id = 'someone-else' WHERE chain_id = $1 AND seq = 3`, [running.chainId]);
      const edited = (await backend.rawRows(backend.database)).filter((row) => row.subject_id === 'someone-else');
      expect(edited).toHaveLength(1);

      const result = await verify(backend.database);
      expect(result.code).toBe(1);
      expect(result.out).toContain(`chain "${running.chainId}" seq 3 (modified)`);
      expect(result.err).toMatch(/append-only triggers of audit_log are missing/);
    });

    it('exits 1 with "missing" once a middle row is deleted (on a second copy)', async () => {
      const intact = await verify(copy);
      expect(intact.code).toBe(0);

      await backend.dropGuards(copy);
      await backend.exec(copy, 'DELETE FROM audit_log WHERE chain_id = $1 AND seq = 3', [running.chainId]);
      const result = await verify(copy);
      expect(result.code).toBe(1);
      expect(result.out).toContain(`chain "${running.chainId}" seq 3 (missing)`);
      expect(result.out).toMatch(/entry 3 is missing/);
    });
  });
});
