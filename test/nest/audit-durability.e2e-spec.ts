import 'reflect-metadata';
import { Controller, Get, HttpCode, INestApplication, NotFoundException, Param, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { AuditModule, AuditService, Audited, verifyChains, type SealedEntry } from 'sealed-audit';
import { createTempPostgresDatabase, type TempPostgresDatabase } from '../support/postgres';
import { proxyDatabase, type TcpProxy } from '../support/tcp-proxy';
import { readEntries } from '../support/stored-entries';

@Controller()
class OrdersController {
  @Post('orders')
  @Audited({ action: 'order.create', resource: 'order', durability: 'sync' })
  create(): { ok: true } {
    return { ok: true };
  }

  @Get('orders/:id')
  @Audited({ action: 'order.read', resource: 'order', durability: 'sync', subject: (req) => req.params.id })
  read(@Param('id') id: string): { id: string } {
    if (id === 'missing') throw new NotFoundException('no such order');
    return { id };
  }

  @Post('jobs')
  @HttpCode(202)
  @Audited({ action: 'job.start', durability: 'sync' })
  start(): { queued: true } {
    return { queued: true };
  }

  @Post('notes')
  @Audited({ action: 'note.create' })
  note(): { ok: true } {
    return { ok: true };
  }
}

/**
 * Durability modes through a real Nest app on a real port, against PostgreSQL reached through a
 * TCP proxy that can cut the connection (a real outage as the app sees it).
 */
describe('durability: sync routes and the spool (Nest, PostgreSQL)', () => {
  let db: TempPostgresDatabase;
  let proxy: TcpProxy;
  let app: INestApplication;
  let audit: AuditService;
  let spoolDir: string;

  beforeAll(async () => {
    db = await createTempPostgresDatabase();
    let viaProxy: string;
    ({ proxy, url: viaProxy } = await proxyDatabase(db.url));
    spoolDir = mkdtempSync(join(tmpdir(), 'sealed-audit-nest-spool-'));
    const moduleRef = await Test.createTestingModule({
      imports: [
        AuditModule.forRoot({
          storage: { type: 'postgres', url: viaProxy },
          chainId: 'nest-durability',
          batch: { maxDelayMs: 5 },
          spool: { directory: spoolDir },
          redaction: { hmacKey: 'nest-durability-key' },
        }),
      ],
      controllers: [OrdersController],
    })
      .setLogger({ log: () => undefined, warn: () => undefined, error: () => undefined })
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    audit = app.get(AuditService);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await proxy?.close();
    await db?.drop();
    if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
  });

  /** Read straight from the database (not through the proxy). */
  async function stored(): Promise<SealedEntry[]> {
    return readEntries({ type: 'postgres', url: db.url });
  }

  const byRequest = (entries: SealedEntry[], id: string): SealedEntry[] => entries.filter((entry) => entry.requestId === id);

  it('sends a sync response only after its entry is committed (success, @HttpCode and an exception)', async () => {
    await request(app.getHttpServer()).post('/orders').set('x-request-id', 'sync-ok').expect(201, { ok: true });
    // Read right after the response, without any flush: the entry is already in the database.
    const [created] = byRequest(await stored(), 'sync-ok');
    expect(created).toMatchObject({ action: 'order.create', outcome: 'success', payload: { http: { status: 201 } } });

    await request(app.getHttpServer()).post('/jobs').set('x-request-id', 'sync-202').expect(202);
    expect(byRequest(await stored(), 'sync-202')[0]).toMatchObject({ action: 'job.start', payload: { http: { status: 202 } } });

    await request(app.getHttpServer()).get('/orders/missing').set('x-request-id', 'sync-404').expect(404);
    expect(byRequest(await stored(), 'sync-404')[0]).toMatchObject({ action: 'order.read', outcome: 'failure', subjectId: 'missing', payload: { http: { status: 404 } } });
    await audit.flush();
    // Recorded once, not again by the end-of-response hook.
    const all = await stored();
    for (const id of ['sync-ok', 'sync-202', 'sync-404']) expect(byRequest(all, id)).toHaveLength(1);
  });

  it('concurrent sync requests share transactions (group commit)', async () => {
    const before = audit.stats().batches;
    const ids = Array.from({ length: 30 }, (_, i) => `group-${i}`);
    await Promise.all(ids.map((id) => request(app.getHttpServer()).post('/orders').set('x-request-id', id).expect(201)));
    expect(audit.stats().batches - before).toBeLessThan(30);
    const all = await stored();
    for (const id of ids) expect(byRequest(all, id)).toHaveLength(1);
  });

  it('during an outage: sync routes answer 503 with a clear body, async routes do not wait; all is written once after it', async () => {
    proxy.cut();
    try {
      const refused = await request(app.getHttpServer()).post('/orders').set('x-request-id', 'outage-sync').expect(503);
      expect(refused.body).toMatchObject({ statusCode: 503, message: expect.stringContaining('audit trail is unavailable') });
      await request(app.getHttpServer()).post('/notes').set('x-request-id', 'outage-async-1').expect(201);
      await request(app.getHttpServer()).post('/notes').set('x-request-id', 'outage-async-2').expect(201);
      // Known down now: rejected at once instead of waiting for a timeout.
      await request(app.getHttpServer()).post('/orders').set('x-request-id', 'outage-sync-2').expect(503);
      const deadline = Date.now() + 15_000;
      while (audit.stats().spooledEntries < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(audit.stats()).toMatchObject({ circuit: 'open', spooledEntries: 4, queued: 0 });
    } finally {
      proxy.restore();
    }
    const deadline = Date.now() + 30_000;
    while (audit.stats().spooledEntries > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await audit.flush();
    expect(audit.stats()).toMatchObject({ spooledEntries: 0, circuit: 'closed', dropped: 0 });
    await request(app.getHttpServer()).post('/orders').set('x-request-id', 'after-sync').expect(201);

    const all = await stored();
    for (const id of ['outage-sync', 'outage-sync-2', 'outage-async-1', 'outage-async-2', 'after-sync']) expect(byRequest(all, id)).toHaveLength(1);
    // The refused request's action did happen (the handler ran): recorded as it happened, at least once.
    expect(byRequest(all, 'outage-sync')[0]).toMatchObject({ action: 'order.create', outcome: 'success' });
    expect(await verifyChains(all)).toMatchObject({ ok: true });
  }, 60_000);
});
