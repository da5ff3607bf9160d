import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { verifyChains, type SealedEntry } from 'sealed-audit';
import { createAuditTrail, type AuditTrail } from 'sealed-audit/express';
import { createTempPostgresDatabase, type TempPostgresDatabase } from '../support/postgres';
import { proxyDatabase, type TcpProxy } from '../support/tcp-proxy';
import { readEntries } from '../support/stored-entries';

/** `audited({ durability: 'sync' })` on plain Express: `res.end` waits for the commit; 503 when the trail is down. */
describe('Express sync durability (PostgreSQL through a cuttable proxy)', () => {
  let db: TempPostgresDatabase;
  let proxy: TcpProxy;
  let trail: AuditTrail;
  let server: Server;
  let spoolDir: string;

  beforeAll(async () => {
    db = await createTempPostgresDatabase();
    let viaProxy: string;
    ({ proxy, url: viaProxy } = await proxyDatabase(db.url));
    spoolDir = mkdtempSync(join(tmpdir(), 'sealed-audit-express-spool-'));
    const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
    trail = await createAuditTrail(
      { storage: { type: 'postgres', url: viaProxy }, chainId: 'express-sync', batch: { maxDelayMs: 5 }, spool: { directory: spoolDir } },
      silent,
    );
    const app = express();
    app.use(express.json());
    app.use(trail.middleware);
    app.post('/transfers', trail.audited({ action: 'transfer.create', durability: 'sync' }), (_req, res) => {
      res.status(201).json({ ok: true });
    });
    app.get('/streamed', trail.audited({ action: 'report.stream', durability: 'sync' }), (_req, res) => {
      res.write('part 1;');
      res.end('part 2');
    });
    app.use(trail.errorHandler);
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await trail?.close();
    await proxy?.close();
    await db?.drop();
    if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
  });

  async function stored(): Promise<SealedEntry[]> {
    return readEntries({ type: 'postgres', url: db.url });
  }

  it('answers only after the commit, and 503 (JSON) while the database is cut off; the entry is written once afterwards', async () => {
    await request(server).post('/transfers').set('x-request-id', 'ex-ok').expect(201, { ok: true });
    expect((await stored()).filter((e) => e.requestId === 'ex-ok')).toMatchObject([{ action: 'transfer.create', payload: { http: { status: 201 } } }]);
    await request(server).get('/streamed').set('x-request-id', 'ex-stream').expect(200, 'part 1;part 2');
    expect((await stored()).filter((e) => e.requestId === 'ex-stream')).toHaveLength(1);

    proxy.cut();
    try {
      const refused = await request(server).post('/transfers').set('x-request-id', 'ex-down').expect(503);
      expect(refused.headers['content-type']).toContain('application/json');
      expect(refused.body).toMatchObject({ statusCode: 503, message: expect.stringContaining('audit trail is unavailable') });
      // A response whose headers already left cannot become a 503: the connection is cut instead.
      await expect(request(server).get('/streamed').set('x-request-id', 'ex-stream-down')).rejects.toThrow();
    } finally {
      proxy.restore();
    }
    const deadline = Date.now() + 30_000;
    while (trail.stats().spooledEntries > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await trail.flush();
    await trail.recordSync({ action: 'after.outage', outcome: 'success' });
    const all = await stored();
    for (const id of ['ex-ok', 'ex-down', 'ex-stream-down']) expect(all.filter((e) => e.requestId === id)).toHaveLength(1);
    expect(all.some((e) => e.action === 'after.outage')).toBe(true);
    expect(await verifyChains(all)).toMatchObject({ ok: true });
  }, 60_000);
});
