import 'reflect-metadata';
import { Controller, Get, Injectable, Module, type INestApplication } from '@nestjs/common';
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

  it('rejects @Audited options that cannot work when the controller is declared', () => {
    expect(() => Audited({ action: '' })).toThrow(/action/);
    expect(() => Audited({ subject: 'id' as never })).toThrow(/subject/);
  });
});
