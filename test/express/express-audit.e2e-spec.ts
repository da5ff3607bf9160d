import 'reflect-metadata';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyChains, type SealedEntry } from 'sealed-audit';
import { PiiField, createAuditTrail, type AuditTrail } from 'sealed-audit/express';
import { removeTempSqlite, tempSqlitePath } from '../support/sqlite';
import { readEntries } from '../support/stored-entries';

class SignupDto {
  @PiiField({ strategy: 'mask' }) phone!: string;
}

describe('Express middleware on a real port (SQLite)', () => {
  let audit: AuditTrail;
  let server: Server;
  let base: string;
  const database = tempSqlitePath();

  beforeAll(async () => {
    audit = await createAuditTrail(
      { storage: { type: 'sqlite', database }, chainId: 'e2e-express', batch: { size: 5, maxDelayMs: 10 } },
      { log: () => undefined, warn: () => undefined, error: () => undefined },
    );
    const app = express();
    app.use(audit.middleware);
    app.use(express.json());
    const auth: express.RequestHandler = (req, res, next) => {
      if (req.headers.authorization !== 'Bearer good') {
        res.status(401).json({ error: 'unauthorized' });
        return;
      }
      (req as unknown as { user: unknown }).user = { id: 'u-1', roles: ['staff'] };
      next();
    };
    app.post('/signups', audit.audited({ action: 'signup.create', resource: 'signup', bodyType: SignupDto }), auth, (req, res) => {
      audit.record({ action: 'signup.mail-sent', outcome: 'success' });
      res.status(201).json({ ok: true });
    });
    app.get('/signups/:id', audit.audited({ action: 'signup.read', subject: (req) => req.params.id }), auth, (req, _res, next) => {
      next(Object.assign(new Error(`signup ${req.params.id} of bob@example.org not found`), { status: 404 }));
    });
    app.get('/admin', (_req, res) => {
      res.sendStatus(403);
    });
    app.use(audit.errorHandler);
    app.use((error: Error & { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(error.status ?? 500).json({ error: 'failed' });
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await audit.close();
    removeTempSqlite(database);
  });

  async function stored(): Promise<SealedEntry[]> {
    await audit.flush();
    return readEntries({ type: 'sqlite', database });
  }

  it('records audited routes, manual events, denials and errors, and the chain verifies', async () => {
    const created = await fetch(`${base}/signups`, {
      method: 'POST',
      headers: { authorization: 'Bearer good', 'content-type': 'application/json' },
      body: JSON.stringify({ phone: '+1 415 555 0100', password: 'pw-123' }),
    });
    expect(created.status).toBe(201);
    expect((await fetch(`${base}/signups`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${base}/signups/9`, { headers: { authorization: 'Bearer good' } })).status).toBe(404);
    expect((await fetch(`${base}/admin`)).status).toBe(403);

    const all = await stored();
    expect(all.map((e) => [e.action, e.outcome])).toEqual([
      ['signup.mail-sent', 'success'],
      ['signup.create', 'success'],
      ['signup.create', 'denied'],
      ['signup.read', 'failure'],
      ['access.denied', 'denied'],
    ]);
    const [mail, create] = all;
    expect(mail?.requestId).toBe(create?.requestId);
    expect(mail?.actorId).toBe('u-1');
    const body = (create?.payload.request as { body: Record<string, unknown> }).body;
    expect(body).toEqual({ phone: '********0100', password: '[REDACTED]' });
    expect(all[3]?.payload.error).toEqual({ name: 'Error', message: 'signup 9 of [REDACTED:email] not found', status: 404 });
    expect(all[3]?.payload.http).toMatchObject({ route: '/signups/:id', status: 404 });
    expect(all[4]?.payload.http).toMatchObject({ route: '/admin', status: 403 });
    expect(await verifyChains(all)).toMatchObject({ ok: true, entries: 5 });
  });
});

describe('Express middleware: the client address follows `trust proxy`', () => {
  const database = tempSqlitePath();
  let audit: AuditTrail;
  const servers: Server[] = [];

  beforeAll(async () => {
    audit = await createAuditTrail(
      // `ip: false` keeps addresses as they are, so the test can tell which one was taken.
      { storage: { type: 'sqlite', database }, chainId: 'e2e-express-ip', batch: { size: 5, maxDelayMs: 10 }, redaction: { detectors: { ip: false } } },
      { log: () => undefined, warn: () => undefined, error: () => undefined },
    );
  });

  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    await audit.close();
    removeTempSqlite(database);
  });

  async function serve(trustProxy: boolean): Promise<string> {
    const app = express();
    app.set('trust proxy', trustProxy);
    app.use(audit.middleware);
    app.get('/whoami', audit.audited({ action: trustProxy ? 'ip.trusted' : 'ip.untrusted' }), (_req, res) => {
      res.json({ ok: true });
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('takes X-Forwarded-For only when Express trusts the proxy, else the socket address', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.7' };
    expect((await fetch(`${await serve(true)}/whoami`, { headers })).status).toBe(200);
    expect((await fetch(`${await serve(false)}/whoami`, { headers })).status).toBe(200);
    await audit.flush();
    const all = await readEntries({ type: 'sqlite', database });
    const ipOf = (action: string) => (all.find((e) => e.action === action)?.payload.http as { ip?: string } | undefined)?.ip;
    expect(ipOf('ip.trusted')).toBe('203.0.113.7');
    expect(ipOf('ip.untrusted')).toBe('127.0.0.1');
  });
});
