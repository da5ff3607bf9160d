import 'reflect-metadata';
import { Controller, ForbiddenException, Get, Injectable, Req, Module, UseGuards, type CanActivate, type INestApplication } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AUDIT_ENTITIES, AuditModule, AuditService, Audited, verifyChains } from 'sealed-audit';
import { removeTempSqlite, tempSqlitePath } from '../support/sqlite';
import { readEntries } from '../support/stored-entries';

@Controller('ping')
class PingController {
  @Audited({ action: 'ping.read' })
  @Get()
  ping() {
    return 'pong';
  }
}

@Injectable()
class RefuseAll implements CanActivate {
  canActivate(): boolean {
    throw new ForbiddenException();
  }
}

@Controller('things')
class ThingsController {
  constructor(private readonly audit: AuditService) {}

  @Audited({ action: 'thing.delete' })
  @UseGuards(RefuseAll)
  @Get('refused')
  refused() {
    return 'never';
  }

  /** A manual event inside a request: the request context gives it the actor and request id (or not). */
  @Get('manual')
  manual() {
    this.audit.record({ action: 'thing.export', outcome: 'success' });
    return 'ok';
  }

  /** The same, naming its request: needs no request context. */
  @Get('manual-explicit')
  manualExplicit(@Req() request: object) {
    this.audit.record({ action: 'thing.export', outcome: 'success', request });
    return 'ok';
  }
}

/** Pretends an auth middleware ran: every request has a user. */
function withUser(app: INestApplication): void {
  app.use((req: { user?: unknown }, _res: unknown, next: () => void) => {
    req.user = { id: 'u-7', type: 'user' };
    next();
  });
}

@Injectable()
class AuditConfig {
  readonly database = tempSqlitePath();
}

@Module({ providers: [AuditConfig], exports: [AuditConfig] })
class ConfigModule {}

const quiet = { logger: false as const };

describe('AuditModule options', () => {
  it('forRootAsync takes options from an injected provider, and app.close() flushes the queue', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AuditModule.forRootAsync({
          imports: [ConfigModule],
          inject: [AuditConfig],
          // A long delay: only the shutdown flush can write the entry before the assertion.
          useFactory: (config: AuditConfig) => ({ storage: { type: 'sqlite', database: config.database }, batch: { maxDelayMs: 60_000 } }),
          isGlobal: true,
        }),
      ],
      controllers: [PingController],
    }).compile();
    const database = moduleRef.get(AuditConfig).database;
    const app = moduleRef.createNestApplication(quiet);
    await app.listen(0, '127.0.0.1');
    const res = await fetch(`${await app.getUrl()}/ping`);
    expect(res.status).toBe(200);
    expect(app.get(AuditService).stats()).toMatchObject({ written: 0 });
    await app.close();
    const all = await readEntries({ type: 'sqlite', database, install: false });
    expect(all.map((e) => e.action)).toEqual(['ping.read']);
    removeTempSqlite(database);
  });

  it("reuses the application's DataSource when it lists AUDIT_ENTITIES, and leaves it open", async () => {
    const database = tempSqlitePath();
    const dataSource = new DataSource({ type: 'better-sqlite3', database, entities: [...AUDIT_ENTITIES] });
    await dataSource.initialize();
    const moduleRef = await Test.createTestingModule({
      imports: [AuditModule.forRoot({ storage: { dataSource }, chainId: 'shared-ds' })],
      controllers: [PingController],
    }).compile();
    const app: INestApplication = moduleRef.createNestApplication(quiet);
    await app.listen(0, '127.0.0.1');
    await fetch(`${await app.getUrl()}/ping`);
    await app.close();
    expect(dataSource.isInitialized).toBe(true);
    const rows = await dataSource.query('SELECT chain_id, seq, action FROM audit_log');
    expect(rows).toEqual([{ chain_id: 'shared-ds', seq: 1, action: 'ping.read' }]);
    await dataSource.destroy();
    expect(await verifyChains(await readEntries({ type: 'sqlite', database, install: false }))).toMatchObject({ ok: true, entries: 1 });
    removeTempSqlite(database);
  });

  it('refuses a DataSource without the audit entities, naming the fix', async () => {
    const database = tempSqlitePath();
    const dataSource = new DataSource({ type: 'better-sqlite3', database, entities: [] });
    await dataSource.initialize();
    const compiling = Test.createTestingModule({
      imports: [AuditModule.forRoot({ storage: { dataSource } })],
    }).compile();
    await expect(compiling).rejects.toThrow(/AUDIT_ENTITIES/);
    await dataSource.destroy();
    removeTempSqlite(database);
  });

  it.each([
    [{}, /storage/],
    [{ storage: { type: 'sqlite', database: tempSqlitePath() }, chainId: '' }, /chainId/],
    [{ storage: { type: 'sqlite', database: tempSqlitePath() }, batch: { size: 0 } }, /batch\.size/],
    [{ storage: { type: 'sqlite', database: tempSqlitePath() }, redaction: { hmacKey: '' } }, /hmacKey/],
    [{ storage: { type: 'sqlite', database: tempSqlitePath() }, actor: 'req.user' }, /actor/],
  ])('rejects bad options at start-up with a message that names the fix (%#)', async (options, message) => {
    const compiling = Test.createTestingModule({ imports: [AuditModule.forRoot(options as never)] }).compile();
    await expect(compiling).rejects.toThrow(message);
  });

  it("audits requests that reach the app through a server of the user's own, denials included", async () => {
    const database = tempSqlitePath();
    const moduleRef = await Test.createTestingModule({
      imports: [AuditModule.forRoot({ storage: { type: 'sqlite', database }, chainId: 'own-server' })],
      controllers: [PingController, ThingsController],
    }).compile();
    const app = moduleRef.createNestApplication(quiet);
    await app.init();
    // Not app.listen(): the Express instance is mounted on another server, as with http + https.
    const server: Server = createServer(app.getHttpAdapter().getInstance());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ping = await fetch(`${base}/ping`, { headers: { 'x-request-id': 'own-1' } });
    expect(ping.headers.get('x-request-id')).toBe('own-1');
    expect((await fetch(`${base}/things/refused`)).status).toBe(403);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.close();
    const all = await readEntries({ type: 'sqlite', database, install: false });
    expect(all.map((e) => [e.action, e.outcome, e.requestId === 'own-1'])).toEqual([
      ['ping.read', 'success', true],
      ['thing.delete', 'denied', false], // the route's action, not `access.denied`: the route was known before the guard refused
    ]);
    removeTempSqlite(database);
  });

  it.each([
    [undefined, 'manual', { id: 'u-7', type: 'user' }, true],
    [false, 'manual', undefined, false],
    [false, 'manual-explicit', { id: 'u-7', type: 'user' }, true],
  ])('requestContext %s, /things/%s: record() carries the request actor and id when the context or the request tells it', async (requestContext, path, actor, hasRequestId) => {
    const database = tempSqlitePath();
    const moduleRef = await Test.createTestingModule({
      imports: [AuditModule.forRoot({ storage: { type: 'sqlite', database }, ...(requestContext === undefined ? {} : { requestContext }) })],
      controllers: [ThingsController],
    }).compile();
    const app = moduleRef.createNestApplication(quiet);
    withUser(app);
    await app.listen(0, '127.0.0.1');
    expect((await fetch(`${await app.getUrl()}/things/${path}`, { headers: { 'x-request-id': 'manual-1' } })).status).toBe(200);
    await app.close();
    const [entry, ...rest] = await readEntries({ type: 'sqlite', database, install: false });
    expect(rest).toEqual([]);
    expect(entry?.action).toBe('thing.export');
    expect(entry?.actorId ?? undefined).toBe(actor?.id);
    expect(entry?.requestId === 'manual-1').toBe(hasRequestId);
    removeTempSqlite(database);
  });

  it('rejects @Audited options that cannot work when the controller is declared', () => {
    expect(() => Audited({ action: '' })).toThrow(/action/);
    expect(() => Audited({ subject: 'id' as never })).toThrow(/subject/);
  });
});
