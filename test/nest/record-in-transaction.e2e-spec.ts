import 'reflect-metadata';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import {
  AUDIT_ENTITIES,
  AuditService,
  AuditTransactionRequiredError,
  createAuditRuntime,
  createAuditStore,
  transactionalChainId,
  verifyChains,
  type AuditRuntime,
  type SealedEntry,
} from 'sealed-audit';
import { createTempPostgresDatabase } from '../support/postgres';
import { removeTempSqlite, tempSqlitePath } from '../support/sqlite';

@Entity('refund')
class Refund {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id!: string;
  @Column({ type: 'integer' }) amount!: number;
}

interface Backend {
  dataSource: DataSource;
  cleanup(): Promise<void>;
}

const backends: Array<[string, () => Promise<Backend>]> = [
  [
    'SQLite',
    async () => {
      const database = tempSqlitePath();
      const dataSource = new DataSource({ type: 'better-sqlite3', database, entities: [Refund, ...AUDIT_ENTITIES], enableWAL: true });
      return { dataSource, cleanup: async () => removeTempSqlite(database) };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const db = await createTempPostgresDatabase();
      const dataSource = new DataSource({ type: 'postgres', url: db.url, entities: [Refund, ...AUDIT_ENTITIES] });
      return { dataSource, cleanup: () => db.drop() };
    },
  ],
];

/** The audit entry written in the application's own transaction: it commits and rolls back with the business change. */
describe.each(backends)('AuditService.recordInTransaction on %s', (name, makeBackend) => {
  let backend: Backend;
  let runtime: AuditRuntime;
  let audit: AuditService;
  const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

  beforeAll(async () => {
    backend = await makeBackend();
    await backend.dataSource.initialize();
    await backend.dataSource.query('CREATE TABLE refund (id varchar(64) PRIMARY KEY, amount integer NOT NULL)');
    runtime = await createAuditRuntime({ storage: { dataSource: backend.dataSource }, chainId: `tx-${name}`, spool: false, redaction: { hmacKey: 'tx-key' } }, silent);
    audit = new AuditService(runtime);
  }, 60_000);

  afterAll(async () => {
    await runtime?.writer.close();
    if (backend?.dataSource.isInitialized) await backend.dataSource.destroy();
    await backend?.cleanup();
  });

  async function trail(): Promise<SealedEntry[]> {
    const out: SealedEntry[] = [];
    for await (const entry of createAuditStore({ dataSource: backend.dataSource }).read({ chainId: transactionalChainId(`tx-${name}`) })) out.push(entry);
    return out;
  }

  it('commits the entry with the business change, redacted, on the `.tx` chain', async () => {
    await backend.dataSource.transaction(async (manager) => {
      await manager.save(Refund, { id: 'r1', amount: 10 });
      await audit.recordInTransaction(manager, { action: 'refund.create', outcome: 'success', subject: 'r1', metadata: { email: 'bob@example.com' } });
    });
    const entries = await trail();
    expect(entries).toMatchObject([{ seq: 1, action: 'refund.create', subjectId: 'r1', chainId: `tx-${name}.tx` }]);
    expect(JSON.stringify(entries)).not.toContain('bob@example.com');
    expect(await backend.dataSource.getRepository(Refund).count()).toBe(1);
  });

  it('rolls the entry back with the business change', async () => {
    await expect(
      backend.dataSource.transaction(async (manager) => {
        await manager.save(Refund, { id: 'r2', amount: 20 });
        await audit.recordInTransaction(manager, { action: 'refund.create', outcome: 'success', subject: 'r2' });
        throw new Error('payment provider said no');
      }),
    ).rejects.toThrow('payment provider said no');
    expect((await trail()).map((entry) => entry.subjectId)).toEqual(['r1']);
    expect(await backend.dataSource.getRepository(Refund).findOneBy({ id: 'r2' })).toBeNull();
  });

  it('refuses to run outside a transaction', async () => {
    await expect(audit.recordInTransaction(backend.dataSource.manager, { action: 'x', outcome: 'success' })).rejects.toBeInstanceOf(AuditTransactionRequiredError);
  });

  it('keeps one valid chain under concurrent transactions', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `c${i}`);
    if (name === 'PostgreSQL') {
      // Concurrent transactions on separate connections serialize on the chain's advisory lock.
      await Promise.all(
        ids.map((id, i) =>
          backend.dataSource.transaction(async (manager) => {
            await manager.save(Refund, { id, amount: i });
            await audit.recordInTransaction(manager, { action: 'refund.create', outcome: 'success', subject: id });
          }),
        ),
      );
    } else {
      // better-sqlite3 has one connection: transactions take turns.
      for (const [i, id] of ids.entries()) {
        await backend.dataSource.transaction(async (manager) => {
          await manager.save(Refund, { id, amount: i });
          await audit.recordInTransaction(manager, { action: 'refund.create', outcome: 'success', subject: id });
        });
      }
    }
    const entries = await trail();
    expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect(new Set(entries.map((entry) => entry.subjectId))).toEqual(new Set(['r1', ...ids]));
    expect(await verifyChains(entries)).toMatchObject({ ok: true });
  });
});
