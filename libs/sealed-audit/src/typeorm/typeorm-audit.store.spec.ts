import { DataSource } from 'typeorm';
import { createTempMariaDbDatabase, type TempMariaDbDatabase } from '../../../../test/support/mariadb';
import { createTempPostgresDatabase, type TempPostgresDatabase } from '../../../../test/support/postgres';
import { sealChain } from '../../../../test/support/sealed-entries';
import { removeTempSqlite, tempSqlitePath } from '../../../../test/support/sqlite';
import type { JsonObject, SealedEntry } from '../core/audit-event';
import { ChainConflictError } from '../core/audit-store.interface';
import { canonicalize } from '../core/sealing/canonical-json';
import { verifyChains } from '../core/verify/chain-verifier';
import { AUDIT_ENTITIES } from './audit-log.entity';
import { inspectAuditSchema, installAuditSchema } from './audit-schema';
import { AUDIT_MIGRATIONS } from './audit-schema.migration';
import type { MariaDbStorageOptions, PostgresStorageOptions, SqliteStorageOptions } from './audit-storage.options';
import { AuditEntitiesMissingError, AuditSchemaMissingError } from './audit-store.errors';
import { auditDataSourceOptions, createAuditStore } from './create-audit-store';
import { TypeOrmAuditStore } from './typeorm-audit.store';

type OwnedStorage = (SqliteStorageOptions | PostgresStorageOptions | MariaDbStorageOptions) & { install?: boolean };

/** One database per backend; each test gets fresh chain ids so tests stay independent. */
interface Backend {
  name: 'sqlite' | 'postgres' | 'mariadb';
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** Storage options of a fresh, empty database. */
  fresh(): Promise<OwnedStorage>;
}

function sqliteBackend(): Backend {
  const files: string[] = [];
  return {
    name: 'sqlite',
    setup: async () => undefined,
    teardown: async () => files.forEach(removeTempSqlite),
    fresh: async () => {
      const file = tempSqlitePath();
      files.push(file);
      return { type: 'sqlite', database: file };
    },
  };
}

function postgresBackend(): Backend {
  const databases: TempPostgresDatabase[] = [];
  return {
    name: 'postgres',
    setup: async () => undefined,
    teardown: async () => {
      await Promise.all(databases.map((db) => db.drop()));
    },
    fresh: async () => {
      const db = await createTempPostgresDatabase();
      databases.push(db);
      return { type: 'postgres', url: db.url };
    },
  };
}

function mariadbBackend(): Backend {
  const databases: TempMariaDbDatabase[] = [];
  return {
    name: 'mariadb',
    setup: async () => undefined,
    teardown: async () => {
      await Promise.all(databases.map((db) => db.drop()));
    },
    fresh: async () => {
      const db = await createTempMariaDbDatabase();
      databases.push(db);
      return { type: 'mariadb', url: db.url };
    },
  };
}

let chainCounter = 0;
const newChain = (): string => `chain-${++chainCounter}`;

async function readAll(store: TypeOrmAuditStore, pageSize?: number): Promise<SealedEntry[]> {
  const entries: SealedEntry[] = [];
  for await (const entry of store.read(pageSize ? { pageSize } : {})) entries.push(entry);
  return entries;
}

describe.each([sqliteBackend(), postgresBackend(), mariadbBackend()])('TypeOrmAuditStore on $name', (backend) => {
  let storage: OwnedStorage;
  let store: TypeOrmAuditStore;

  beforeAll(async () => {
    await backend.setup();
    storage = await backend.fresh();
    store = createAuditStore(storage);
    await store.init();
  });

  afterAll(async () => {
    await store?.close();
    await backend.teardown();
  });

  it('round-trips sealed entries exactly, page by page, and they verify', async () => {
    const fresh = createAuditStore(await backend.fresh());
    try {
      const a = sealChain('orders', 7);
      const b = sealChain('billing', 5);
      await fresh.append(a.entries.slice(0, 4));
      await fresh.append([...a.entries.slice(4), ...b.entries]);

      expect(await fresh.readHead('orders')).toEqual(a.head);
      expect(await fresh.readHead('billing')).toEqual(b.head);
      expect(await fresh.readHead('nobody')).toBeNull();

      // Page size 3 crosses the chain boundary mid-page: keyset pagination must not skip or repeat.
      const stored = await readAll(fresh, 3);
      expect(stored).toEqual([...b.entries, ...a.entries]);
      const report = await verifyChains(fresh.read({ pageSize: 2 }));
      expect(report).toMatchObject({ ok: true, entries: 12 });
      expect(report.chains.map((chain) => [chain.chainId, chain.headSeq])).toEqual([
        ['billing', 5],
        ['orders', 7],
      ]);

      const onlyOrders = [];
      for await (const entry of fresh.read({ chainId: 'orders', pageSize: 2 })) onlyOrders.push(entry);
      expect(onlyOrders).toEqual(a.entries);
    } finally {
      await fresh.close();
    }
  });

  it('keeps payloads (unicode, nesting, numbers) and timestamps byte for byte', async () => {
    const payload: JsonObject = {
      text: 'Zoë 🙂 \u2028 "quoted" \\ back\tslash — 名前',
      combining: 'e\u0301',
      nested: { deeper: { list: [1, 'two', null, true, { three: 3 }], empty: {} }, array: [] },
      numbers: [0, -1, 0.1, 1e21, 1.5e-7, 123456789012345, -0.000001, 2 ** 53 - 1],
      '': 'empty key',
      z: 1,
      a: 2,
    };
    const chainId = newChain();
    const { entries } = sealChain(chainId, 2, {
      start: new Date('1999-12-31T23:59:59.999Z'),
      entry: (index) => ({ payload: { ...payload, index }, actorId: index === 0 ? null : 'ü-actor' }),
    });
    await store.append(entries);

    const stored: SealedEntry[] = [];
    for await (const entry of store.read({ chainId })) stored.push(entry);
    expect(stored).toEqual(entries);
    expect(stored[0]?.ts).toBe('1999-12-31T23:59:59.999Z');
    expect(stored[1]?.ts).toBe('2000-01-01T00:00:00.000Z');
    expect(stored.map((entry) => canonicalize(entry.payload))).toEqual(entries.map((entry) => canonicalize(entry.payload)));
    expect((await verifyChains(stored)).ok).toBe(true);

    // Stored as the canonical text, not re-serialized JSON(B).
    const [row] = (await store.dataSource.query(
      `SELECT payload FROM audit_log WHERE chain_id = ${backend.name === 'postgres' ? '$1' : '?'} AND seq = 1`,
      [chainId],
    )) as Array<{ payload: string }>;
    expect(row?.payload).toBe(canonicalize(entries[0]?.payload));
  });

  it('orders and tells apart chain ids by code point, as every backend does (case, trailing space, accents, astral)', async () => {
    const fresh = createAuditStore(await backend.fresh());
    try {
      // Code point order; UTF-16 order would put the emoji before U+FF01, a PAD SPACE collation
      // would make 'x' and 'x ' one key, a case-insensitive one 'X' and 'x'.
      const ids = ['X', 'x', 'x ', 'xy', 'x\u00a0', '\u00e9', '\uff01', '\u{1f600}'];
      for (const id of [...ids].reverse()) await fresh.append(sealChain(id, 2).entries);
      expect(await fresh.listChainIds()).toEqual(ids);
      const report = await verifyChains(fresh.read({ pageSize: 3 }));
      expect(report).toMatchObject({ ok: true, entries: ids.length * 2 });
      expect(report.chains.map((chain) => chain.chainId)).toEqual(ids);
      for (const id of ids) expect(await fresh.readHead(id)).toMatchObject({ chainId: id, seq: 2 });
    } finally {
      await fresh.close();
    }
  });

  it('stores a batch larger than MariaDB\'s 16 MiB max_allowed_packet in one append (several INSERTs, one transaction)', async () => {
    const chainId = newChain();
    const filler = 'é'.repeat(20_000); // 40 KB of UTF-8 per entry, 24 MB in all
    const { entries, head } = sealChain(chainId, 600, { entry: (index) => ({ payload: { filler, index } }) });
    await store.append(entries);
    expect(await store.readHead(chainId)).toEqual(head);
    let count = 0;
    for await (const entry of store.read({ chainId, pageSize: 250 })) {
      expect(entry.payload).toEqual({ filler, index: count });
      count += 1;
    }
    expect(count).toBe(600);
  });

  it('rejects a timestamp the database would not give back unchanged', async () => {
    const [entry] = sealChain(newChain(), 1).entries;
    await expect(store.append([{ ...entry!, ts: '2025-01-02T03:04:05Z' }])).rejects.toThrow(TypeError);
    await expect(store.append([{ ...entry!, ts: '2025-01-02T03:04:05.123+01:00' }])).rejects.toThrow(/milliseconds/);
  });

  it('throws ChainConflictError when (chain, seq) is taken, and writes nothing of the batch', async () => {
    const chainId = newChain();
    const first = sealChain(chainId, 3);
    await store.append(first.entries);
    const other = sealChain('innocent-' + chainId, 2);
    const rival = sealChain(chainId, 1, { after: { chainId, seq: 2, hash: first.entries[1]!.hash } });

    const error = await store.append([...other.entries, ...rival.entries]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChainConflictError);
    expect((error as ChainConflictError).chainId).toBe(chainId);
    expect(await store.readHead('innocent-' + chainId)).toBeNull();
    expect(await store.readHead(chainId)).toEqual(first.head);
  });

  // MariaDB cannot refuse TRUNCATE with a trigger: its privilege test is in mariadb-roles.spec.ts.
  it(`lets the database refuse UPDATE, DELETE${backend.name === 'postgres' ? ' and TRUNCATE' : ''}`, async () => {
    const chainId = newChain();
    await store.append(sealChain(chainId, 2).entries);
    const p = backend.name === 'postgres' ? '$1' : '?';
    await expect(store.dataSource.query(`UPDATE audit_log SET action = 'x' WHERE chain_id = ${p}`, [chainId])).rejects.toThrow(
      /audit_log is append-only: UPDATE is not allowed/,
    );
    await expect(store.dataSource.query(`DELETE FROM audit_log WHERE chain_id = ${p}`, [chainId])).rejects.toThrow(
      /audit_log is append-only: DELETE is not allowed/,
    );
    await expect(store.dataSource.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    if (backend.name === 'mariadb') {
      // SIGNAL SQLSTATE '45000' from the BEFORE UPDATE trigger (TRUNCATE: see mariadb-roles.spec.ts).
      const error = (await store.dataSource.query(`UPDATE audit_log SET seq = seq + 100`).catch((caught: unknown) => caught)) as {
        driverError?: Record<string, unknown>;
      };
      expect(error.driverError).toMatchObject({ sqlState: '45000', errno: 1644, code: 'ER_SIGNAL_EXCEPTION' });
    }
    if (backend.name === 'postgres') {
      await expect(store.dataSource.query('TRUNCATE audit_log')).rejects.toThrow(/audit_log is append-only: TRUNCATE is not allowed/);
      // Even with replication-role tricks the triggers fire (ENABLE ALWAYS).
      const runner = store.dataSource.createQueryRunner();
      try {
        await runner.query(`SET session_replication_role = replica`);
        await expect(runner.query(`DELETE FROM audit_log WHERE chain_id = $1`, [chainId])).rejects.toThrow(/append-only/);
      } finally {
        await runner.query(`RESET session_replication_role`);
        await runner.release();
      }
    }
    expect(await store.readHead(chainId)).toMatchObject({ seq: 2 });
  });

  if (backend.name === 'sqlite') {
    it('opens SQLite in WAL mode with synchronous = FULL', async () => {
      expect(await store.dataSource.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await store.dataSource.query('PRAGMA synchronous')).toEqual([{ synchronous: 2 }]);
    });
  }

  it('installs idempotently and keeps the rows', async () => {
    const chainId = newChain();
    await store.append(sealChain(chainId, 2).entries);
    await installAuditSchema(store.dataSource);
    await installAuditSchema(store.dataSource);
    expect(await inspectAuditSchema(store.dataSource)).toEqual({ table: true, checkpointTables: true, appendOnly: true, unguarded: [] });

    const again = createAuditStore(storage);
    try {
      await again.init();
      await again.init();
      expect(await again.readHead(chainId)).toMatchObject({ seq: 2 });
    } finally {
      await again.close();
    }
  });

  it('serializes concurrent appends to different chains', async () => {
    const chains = Array.from({ length: 6 }, () => sealChain(newChain(), 4));
    await Promise.all(
      chains.flatMap((chain) => [store.append(chain.entries.slice(0, 2)), store.append([])]).concat(
        chains.map(async (chain) => {
          await Promise.resolve();
          await store.readHead(chain.entries[0]!.chainId);
        }),
      ),
    );
    await Promise.all(chains.map((chain) => store.append(chain.entries.slice(2))));
    for (const chain of chains) expect(await store.readHead(chain.entries[0]!.chainId)).toEqual(chain.head);
    expect((await verifyChains(store.read())).ok).toBe(true);
  });

  it('with install: false, names the install command when the table is missing', async () => {
    const empty = createAuditStore({ ...(await backend.fresh()), install: false });
    try {
      const error = await empty.init().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AuditSchemaMissingError);
      expect((error as Error).message).toContain('sealed-audit install --database <owner url>');
    } finally {
      await empty.close();
    }
  });

  it('a read-only store reads, and the database refuses its writes', async () => {
    const chainId = newChain();
    await store.append(sealChain(chainId, 1).entries);
    const reader = createAuditStore({ ...storage, readOnly: true });
    try {
      expect(await reader.readHead(chainId)).toMatchObject({ seq: 1 });
      const next = sealChain(chainId, 1, { after: await reader.readHead(chainId) });
      await expect(reader.append(next.entries)).rejects.toThrow(/read-only|readonly|READ ONLY transaction/i);
    } finally {
      await reader.close();
    }
  });

  it('reuses an application DataSource, without destroying it', async () => {
    const options = auditDataSourceOptions(storage);
    const app = new DataSource({ ...options, entities: [...AUDIT_ENTITIES] });
    await app.initialize();
    try {
      const shared = createAuditStore({ dataSource: app });
      const chainId = newChain();
      await shared.append(sealChain(chainId, 1).entries);
      await shared.close();
      expect(app.isInitialized).toBe(true);
      expect(await store.readHead(chainId)).toMatchObject({ seq: 1 });
    } finally {
      await app.destroy();
    }

    const bare = new DataSource({ ...options, entities: [] });
    await bare.initialize();
    try {
      const error = await createAuditStore({ dataSource: bare }).init().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AuditEntitiesMissingError);
      expect((error as Error).message).toContain('...AUDIT_ENTITIES');
    } finally {
      await bare.destroy();
    }
  });

  it('ships the same schema as a TypeORM migration', async () => {
    const target = await backend.fresh();
    const migrating = new DataSource({ ...auditDataSourceOptions(target), migrations: AUDIT_MIGRATIONS });
    await migrating.initialize();
    try {
      expect(await migrating.runMigrations()).toHaveLength(1);
      expect(await inspectAuditSchema(migrating)).toEqual({ table: true, checkpointTables: true, appendOnly: true, unguarded: [] });
      await expect(migrating.undoLastMigration()).rejects.toThrow(/cannot be reverted/);
    } finally {
      await migrating.destroy();
    }
    // The store accepts a migrated database as is (no install rights needed).
    const onMigrated = createAuditStore({ ...target, install: false });
    try {
      await onMigrated.append(sealChain('after-migration', 1).entries);
      expect((await verifyChains(onMigrated.read())).ok).toBe(true);
    } finally {
      await onMigrated.close();
    }
  });
});

describe('TypeOrmAuditStore on postgres with a schema', () => {
  let db: TempPostgresDatabase;
  beforeAll(async () => {
    db = await createTempPostgresDatabase();
  });
  afterAll(() => db.drop());

  it('creates and uses audit_log inside that schema', async () => {
    const store = createAuditStore({ type: 'postgres', url: db.url, schema: 'audit trail' });
    try {
      const { entries, head } = sealChain('schema-chain', 3);
      await store.append(entries);
      expect(await store.readHead('schema-chain')).toEqual(head);
      const [row] = (await store.dataSource.query(
        `SELECT count(*)::int AS n FROM "audit trail".audit_log`,
      )) as Array<{ n: number }>;
      expect(row?.n).toBe(3);
      await expect(store.dataSource.query(`TRUNCATE "audit trail".audit_log`)).rejects.toThrow(/append-only/);
      expect(await inspectAuditSchema(store.dataSource)).toEqual({ table: true, checkpointTables: true, appendOnly: true, unguarded: [] });
    } finally {
      await store.close();
    }
  });
});

describe('TypeOrmAuditStore on postgres: one statement per append, prepared when the size recurs', () => {
  let db: TempPostgresDatabase;
  beforeAll(async () => {
    db = await createTempPostgresDatabase();
  });
  afterAll(() => db.drop());

  /** A store on a one-connection pool, so the connection's prepared statements can be listed. */
  function storeOn(prepareInserts?: boolean): TypeOrmAuditStore {
    const options = auditDataSourceOptions({ type: 'postgres', url: db.url });
    return new TypeOrmAuditStore(new DataSource({ ...options, extra: { max: 1 } } as typeof options), {
      ownsDataSource: true,
      ...(prepareInserts === undefined ? {} : { prepareInserts }),
    });
  }

  async function prepared(store: TypeOrmAuditStore): Promise<string[]> {
    const rows = (await store.dataSource.query(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'sealed_audit_insert_%' ORDER BY name`)) as Array<{ name: string }>;
    return rows.map((row) => row.name);
  }

  it('prepares recurring sizes only (at most 4), stores every row, and still reports a lost race', async () => {
    const store = storeOn();
    try {
      const chainId = 'prepared';
      const { entries, head } = sealChain(chainId, 6 * 3 + (1 + 2 + 4 + 5 + 6 + 7 + 8));
      let at = 0;
      const take = async (count: number) => {
        await store.append(entries.slice(at, at + count));
        at += count;
      };
      for (let i = 0; i < 6; i += 1) await take(3);
      expect(await prepared(store)).toEqual([expect.stringMatching(/^sealed_audit_insert_3_[0-9a-f]{16}$/)]);
      // Odd sizes seen once are not worth a prepared statement each.
      for (const count of [1, 2, 4, 5, 6, 7, 8]) await take(count);
      expect(await prepared(store)).toHaveLength(1);
      expect(at).toBe(entries.length);
      expect(await store.readHead(chainId)).toEqual(head);

      const stored: SealedEntry[] = [];
      for await (const entry of store.read({ chainId })) stored.push(entry);
      expect(stored).toEqual(entries);
      expect(await verifyChains(stored)).toMatchObject({ ok: true, entries: entries.length });

      // A 3-row append through the prepared statement that collides: nothing of it is written.
      const rival = sealChain(chainId, 3, { after: { chainId, seq: entries.length - 1, hash: entries[entries.length - 2]!.hash } });
      const error = await store.append(rival.entries).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ChainConflictError);
      expect(await store.readHead(chainId)).toEqual(head);

      // Many recurring sizes: the prepared ones stay bounded.
      for (const count of [9, 10, 11, 12, 13, 14]) {
        const more = sealChain(`sizes-${count}`, count * 5);
        for (let i = 0; i < 5; i += 1) await store.append(more.entries.slice(i * count, (i + 1) * count));
      }
      expect(await prepared(store)).toHaveLength(4);
    } finally {
      await store.close();
    }
  });

  it('createAuditStore passes prepareInserts through (URL and DataSource storage)', () => {
    const setting = (store: TypeOrmAuditStore) => (store as unknown as { prepareInserts: boolean }).prepareInserts;
    expect(setting(createAuditStore({ type: 'postgres', url: db.url }))).toBe(true);
    expect(setting(createAuditStore({ type: 'postgres', url: db.url, prepareInserts: false }))).toBe(false);
    const dataSource = new DataSource(auditDataSourceOptions({ type: 'postgres', url: db.url }));
    expect(setting(createAuditStore({ dataSource, prepareInserts: false }))).toBe(false);
  });

  it('with prepareInserts: false, prepares nothing', async () => {
    const store = storeOn(false);
    try {
      const { entries, head } = sealChain('unprepared', 30);
      for (let i = 0; i < 30; i += 3) await store.append(entries.slice(i, i + 3));
      expect(await store.readHead('unprepared')).toEqual(head);
      expect(await prepared(store)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
