import 'reflect-metadata';
import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { PII_EXPOSURE_ACTION, type AuditStorageOptions, type PiiExposure, type SealedEntry } from 'sealed-audit';
import { LeakAlertsService } from '../../apps/sample-app/src/audit/leak-alerts.service';
import { createTempMariaDbDatabase, runMariaDbSql } from '../support/mariadb';
import { createTempPostgresDatabase, runPostgresSql } from '../support/postgres';
import { removeTempSqlite, tempSqlitePath } from '../support/sqlite';
import { bootSampleApp, objectAt, readEntries, type RunningSampleApp } from './sample-app.harness';

/**
 * Issue 3 end to end, on the real sample app over HTTP, on SQLite, PostgreSQL and MariaDB: PII planted in
 * every part of a request (body, query string, route params and path, headers, cookies, user agent,
 * error messages, manual record() metadata) and in responses; then the stored rows (and SQLite's
 * file and WAL) are searched byte for byte for every planted value. And the leak check: a response
 * carrying undeclared PII raises `pii.exposure` (trail entry + subscriber); with `mask` the client
 * receives the masked value.
 */

const HMAC_KEY = 'sample-app-pii-e2e-hmac-key-0123456789abcdef012345678';
const TOKENS = { doctor: 'doctor-token', nurse: 'nurse-token', admin: 'admin-token' } as const;

/** Distinctive values; none may be stored as sent. */
const P = {
  fullName: 'Philippa Rutherford-Ainsworth',
  email: 'philippa.ra@ainsworth-mail.example',
  phone: '+44 20 7946 0958',
  ssn: '534-82-1937',
  card: '4916 3384 1267 5003',
  dateOfBirth: '1942-03-28',
  notes: 'Prefers calls on 07700 900123; IBAN GB82 WEST 1234 5698 7654 32',
  street: '9 Larkspur Mews',
  postcode: 'LK9 3WP',
  searchEmail: 'searched.person@ainsworth-mail.example',
  pathEmail: 'path.person@ainsworth-mail.example',
  fileEmail: 'file.person@ainsworth-mail.example',
  headerPhone: '+1 (555) 017-3344',
  forwardedIp: '198.51.100.23',
  apiKey: 'sk_live_51HqZt8QWv3xYz0123456789',
  cookieJwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwaGlsaXBwYSJ9.Qm9ndXNTaWduYXR1cmVGb3JUZXN0cw',
  urlSecret: 'Tr0ub4dor-and-3',
  agentEmail: 'agent.person@ainsworth-mail.example',
  loginEmail: 'login.person@ainsworth-mail.example',
  loginPassword: 'N0t-The-Right-Pa55',
};

const PLANTED = [
  ...Object.values(P),
  P.card.replaceAll(' ', ''),
  'GB82 WEST 1234 5698 7654 32',
  '07700 900123',
  ...Object.values(TOKENS),
];

interface Backend {
  env: { DATABASE_URL?: string; AUDIT_SQLITE?: string };
  storage: AuditStorageOptions;
  files: string[];
  rawRows(): Promise<unknown[]>;
  cleanup(): Promise<void>;
}

const backends: Array<{ name: string; make: () => Promise<Backend> }> = [
  {
    name: 'SQLite',
    make: async () => {
      const file = tempSqlitePath();
      return {
        env: { AUDIT_SQLITE: file },
        storage: { type: 'sqlite', database: file },
        files: [file, `${file}-wal`],
        rawRows: async () => {
          const db = new Database(file, { readonly: true, fileMustExist: true });
          try {
            return db.prepare('SELECT * FROM audit_log').all();
          } finally {
            db.close();
          }
        },
        cleanup: async () => removeTempSqlite(file),
      };
    },
  },
  {
    name: 'PostgreSQL',
    make: async () => {
      const db = await createTempPostgresDatabase();
      return {
        env: { DATABASE_URL: db.url },
        storage: { type: 'postgres', url: db.url },
        files: [],
        rawRows: () => runPostgresSql(db.url, 'SELECT * FROM audit_log'),
        cleanup: () => db.drop(),
      };
    },
  },
  {
    name: 'MariaDB',
    make: async () => {
      const db = await createTempMariaDbDatabase();
      return {
        env: { DATABASE_URL: db.url },
        storage: { type: 'mariadb', url: db.url },
        files: [],
        rawRows: () => runMariaDbSql(db.url, 'SELECT * FROM audit_log'),
        cleanup: () => db.drop(),
      };
    },
  },
];

describe.each(backends)('sample app: no raw PII at rest, leaks caught ($name)', ({ make }) => {
  let backend: Backend;
  let running: RunningSampleApp;
  let patientId: string;

  beforeAll(async () => {
    backend = await make();
    running = await bootSampleApp({ ...backend.env, AUDIT_HMAC_KEY: HMAC_KEY });
    const created = await send('POST', '/patients', {
      token: TOKENS.admin,
      body: {
        fullName: P.fullName,
        email: P.email,
        phone: P.phone,
        ssn: P.ssn,
        cardNumber: P.card,
        dateOfBirth: P.dateOfBirth,
        notes: P.notes,
        address: { street: P.street, city: 'Harrogate', postcode: P.postcode },
      },
    });
    expect(created.status).toBe(201);
    patientId = (JSON.parse(created.text) as { id: string }).id;
  });

  afterAll(async () => {
    await running?.close();
    await backend?.cleanup();
  });

  interface Sent {
    status: number;
    requestId: string;
    text: string;
  }

  async function send(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Sent> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${running.base}${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
    return { status: res.status, requestId: res.headers.get('x-request-id') ?? '(none)', text: await res.text() };
  }

  async function entriesOf(sent: Sent): Promise<SealedEntry[]> {
    await running.flush();
    return (await readEntries(backend.storage)).filter((entry) => entry.requestId === sent.requestId);
  }

  function only(entries: SealedEntry[], action: string): SealedEntry {
    const found = entries.filter((entry) => entry.action === action);
    expect(found).toHaveLength(1);
    return found[0] as SealedEntry;
  }

  describe('every part of a request passes the redactor', () => {
    it('query string: a searched e-mail address is redacted, the search still works', async () => {
      const sent = await send('GET', `/patients?search=${encodeURIComponent(P.email)}`, { token: TOKENS.doctor });
      expect(sent.status).toBe(200);
      expect((JSON.parse(sent.text) as unknown[]).length).toBe(1);
      const entry = only(await entriesOf(sent), 'patient.list');
      expect(objectAt(entry.payload, 'request', 'query')).toEqual({ search: '[REDACTED:email]' });
      expect(entry.payload.redactions).toMatchObject({ 'request.query.search': 'redact:email' });
      const other = await send('GET', `/patients?search=${encodeURIComponent(P.searchEmail)}`, { token: TOKENS.doctor });
      expect(other.status).toBe(200);
    });

    it('route params and the path: /patients/<e-mail> keeps the route pattern, the param and subject are redacted', async () => {
      const sent = await send('GET', `/patients/${encodeURIComponent(P.pathEmail)}`, { token: TOKENS.doctor });
      expect(sent.status).toBe(400); // ParseUUIDPipe
      const entry = only(await entriesOf(sent), 'patient.read');
      expect(entry.outcome).toBe('failure');
      expect(objectAt(entry.payload, 'http').route).toBe('/patients/:id');
      expect(objectAt(entry.payload, 'request', 'params')).toEqual({ id: '[REDACTED:email]' });
      expect(entry.subjectId).toBe('[REDACTED:email]');
    });

    it('error messages: a NotFoundException naming an e-mail address is stored scrubbed', async () => {
      const sent = await send('GET', `/patients/${patientId}/files/${encodeURIComponent(P.fileEmail)}`, { token: TOKENS.doctor });
      expect(sent.status).toBe(404);
      expect(sent.text).toContain(P.fileEmail); // the client is told; the trail is not
      const entry = only(await entriesOf(sent), 'file.download');
      expect(entry.payload.error).toEqual({ name: 'NotFoundException', message: `Patient ${patientId} has no file named [REDACTED:email]`, status: 404 });
      expect(entry.payload.redactions).toMatchObject({ 'error.message': 'redact:email', 'request.params.name': 'redact:email' });
    });

    it('headers, cookies and the user agent: key rules and detectors, with the summary of what was done', async () => {
      const sent = await send('GET', `/patients/${patientId}`, {
        token: TOKENS.doctor,
        headers: {
          'x-contact-phone': P.headerPhone,
          'x-forwarded-for': P.forwardedIp,
          'x-api-key': P.apiKey,
          'x-callback': `https://svc:${P.urlSecret}@hooks.example/cb`,
          cookie: `session=${P.cookieJwt}; theme=dark`,
          'user-agent': `PatientPortal/2.1 (+mailto:${P.agentEmail})`,
        },
      });
      expect(sent.status).toBe(200);
      const entry = only(await entriesOf(sent), 'patient.read');
      const headers = objectAt(entry.payload, 'request', 'headers');
      expect(headers).toMatchObject({
        authorization: '[REDACTED]',
        'x-api-key': '[REDACTED]',
        cookie: '[REDACTED]',
        'x-contact-phone': '[REDACTED:phone]',
        'x-forwarded-for': '198.51.100.*',
        'x-callback': 'https://[REDACTED:url-credentials]@hooks.example/cb',
      });
      expect(objectAt(entry.payload, 'http').userAgent).toBe('PatientPortal/2.1 (+mailto:[REDACTED:email])');
      expect(entry.payload.redactions).toMatchObject({
        'request.headers.authorization': 'redact:sensitive-key',
        'request.headers.x-api-key': 'redact:sensitive-key',
        'request.headers.cookie': 'redact:sensitive-key',
        'request.headers.x-contact-phone': 'redact:phone',
        'request.headers.x-forwarded-for': 'mask:ip',
        'request.headers.x-callback': 'redact:url-credentials',
        'http.userAgent': 'redact:email',
        'http.ip': 'mask:ip',
      });
    });

    it('manual record() metadata: a user name that is an e-mail address is redacted', async () => {
      const sent = await send('POST', '/auth/login', { body: { username: P.loginEmail, password: P.loginPassword } });
      expect(sent.status).toBe(401);
      const login = only(await entriesOf(sent), 'auth.login');
      expect(login.payload.metadata).toEqual({ username: '[REDACTED:email]' });
      expect(login.payload.redactions).toEqual({ 'metadata.username': 'redact:email' });
    });

    it('the request body: declared fields by their strategies, the summary names each one', async () => {
      const sent = await send('PATCH', `/patients/${patientId}`, { token: TOKENS.nurse, body: { phone: P.phone, notes: P.notes } });
      expect(sent.status).toBe(200);
      const entry = only(await entriesOf(sent), 'patient.update');
      expect(objectAt(entry.payload, 'request', 'body')).toEqual({ phone: '********58', notes: '[REDACTED:free-text]' });
      expect(entry.payload.redactions).toMatchObject({ 'request.body.phone': 'mask:phone', 'request.body.notes': 'redact:free-text' });
    });
  });

  describe('leak check of audited responses', () => {
    it('observe (default): the client gets the response as it is; a pii.exposure entry and event name the path, kinds and counts only', async () => {
      const sent = await send('GET', `/patients/${patientId}/summary`, { token: TOKENS.doctor });
      expect(sent.status).toBe(200);
      expect(JSON.parse(sent.text)).toEqual({ id: patientId, summary: `${P.fullName}, reachable at ${P.email} or ${P.phone}` });

      const entries = await entriesOf(sent);
      expect(only(entries, 'patient.summary').outcome).toBe('success');
      const exposure = only(entries, PII_EXPOSURE_ACTION);
      expect(exposure).toMatchObject({ outcome: 'failure', actorId: 'u-doctor', resource: 'patient', subjectId: patientId, requestId: sent.requestId });
      expect(exposure.payload.metadata).toEqual({
        route: 'GET /patients/:id/summary',
        routeAction: 'patient.summary',
        policy: 'observe',
        masked: false,
        total: 2,
        findings: [
          { path: '$.summary', kind: 'email', count: 1 },
          { path: '$.summary', kind: 'phone', count: 1 },
        ],
      });

      const alerts = running.app.get(LeakAlertsService).exposures().filter((e: PiiExposure) => e.requestId === sent.requestId);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ type: 'pii.exposure', method: 'GET', route: '/patients/:id/summary', action: 'patient.summary', status: 200, policy: 'observe', masked: false, total: 2 });
      expect(JSON.stringify(alerts[0])).not.toContain(P.email);
    });

    it('mask: the client receives the masked values, the declared name as is; the exposure is recorded as prevented', async () => {
      const sent = await send('GET', `/patients/${patientId}/contact-card`, { token: TOKENS.nurse });
      expect(sent.status).toBe(200);
      expect(JSON.parse(sent.text)).toEqual({ id: patientId, name: P.fullName, reachAt: 'p***@***.example, ********58' });

      const exposure = only(await entriesOf(sent), PII_EXPOSURE_ACTION);
      expect(exposure.outcome).toBe('success');
      expect(exposure.payload.metadata).toMatchObject({ policy: 'mask', masked: true, findings: [{ path: '$.reachAt', kind: 'email', count: 1 }, { path: '$.reachAt', kind: 'phone', count: 1 }] });
      const alert = running.app.get(LeakAlertsService).exposures().find((e: PiiExposure) => e.requestId === sent.requestId);
      expect(alert?.masked).toBe(true);
    });

    it('declared response fields are not leaks: reading and listing patients raises nothing', async () => {
      const read = await send('GET', `/patients/${patientId}`, { token: TOKENS.doctor });
      const list = await send('GET', '/patients', { token: TOKENS.doctor });
      expect(read.status).toBe(200);
      expect(JSON.parse(read.text)).toMatchObject({ email: P.email }); // the API is meant to return it
      expect(list.status).toBe(200);
      expect((await entriesOf(read)).map((entry) => entry.action)).toEqual(['patient.read']);
      expect((await entriesOf(list)).map((entry) => entry.action)).toEqual(['patient.list']);
    });
  });

  it('stores no planted value anywhere: not in any entry, any raw row, nor (SQLite) the database file or its WAL', async () => {
    await running.flush();
    const entries = await readEntries(backend.storage);
    expect(entries.filter((entry) => entry.action === PII_EXPOSURE_ACTION).length).toBeGreaterThanOrEqual(2);
    const text = JSON.stringify(entries) + JSON.stringify(await backend.rawRows());
    const bytes = Buffer.concat(backend.files.flatMap((file) => (existsSync(file) ? [readFileSync(file)] : [])));
    if (backend.files.length > 0) {
      // The byte search must be looking at the stored rows, or it proves nothing.
      expect(bytes.includes(Buffer.from(running.chainId))).toBe(true);
      expect(bytes.includes(Buffer.from('Harrogate'))).toBe(true);
    }
    const leaks = PLANTED.filter((value) => text.includes(value) || bytes.includes(Buffer.from(value)));
    expect(leaks).toEqual([]);
  });
});
