import { Client } from 'pg';
import { createTempPostgresDatabase, type TempPostgresDatabase } from '../../../../test/support/postgres';
import { sealChain } from '../../../../test/support/sealed-entries';
import { removeTempSqlite, tempSqlitePath } from '../../../../test/support/sqlite';
import type { SealedEntry } from '../core/audit-event';
import { Checkpointer } from '../core/checkpoint/checkpointer';
import { PublicKeyRing, createEd25519Signer, generateSigningKeyPair } from '../core/checkpoint/checkpoint-signer';
import { STORED_PAYLOAD_TEXT } from '../core/sealing/seal';
import { verifyTrail } from '../core/verify/trail-verifier';
import { openTrailSnapshot, type TrailSnapshot } from './audit-trail-snapshot';
import { createAuditStore } from './create-audit-store';
import type { TypeOrmAuditStore } from './typeorm-audit.store';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

/** Plain copies (the snapshot's payload is an accessor; spreading reads it). */
const plain = (entries: SealedEntry[]): SealedEntry[] => entries.map((entry) => JSON.parse(JSON.stringify(entry)) as SealedEntry);

describe('openTrailSnapshot on PostgreSQL (real server)', () => {
  let db: TempPostgresDatabase;
  let store: TypeOrmAuditStore;
  let admin: Client;
  const keys = generateSigningKeyPair();
  const publicKeys = new PublicKeyRing([keys.publicKeyPem]);

  beforeAll(async () => {
    db = await createTempPostgresDatabase();
    store = createAuditStore({ type: 'postgres', url: db.url });
    await store.init();
    admin = new Client({ connectionString: db.url });
    await admin.connect();
    const checkpointer = new Checkpointer(store, { signer: createEd25519Signer(keys.privateKeyPem), intervalMs: 0, everyEntries: 1e9, logger: quiet });
    await checkpointer.start();
    // Two chains, odd values: nulls, non-ASCII and escapes in the payload, a year before 1000.
    const alpha = sealChain('alpha', 23, {
      entry: (i) => ({
        ...(i % 4 === 0 ? { actorId: null, subjectId: null, requestId: null } : {}),
        ...(i === 5 ? { ts: '0999-03-04T05:06:07.089Z' } : {}),
        payload: { i, text: 'é😀 "quoted" \\ \n\u0001', nested: { b: [1, 2.5, -3e-7, true, null], a: {} } },
      }),
    });
    const beta = sealChain('beta', 9);
    for (const [chainId, entries] of [['alpha', alpha.entries], ['beta', beta.entries]] as const) {
      for (let i = 0; i < entries.length; i += 5) {
        const batch = entries.slice(i, i + 5);
        await store.append(batch);
        checkpointer.hook.afterAppend?.(batch);
        await checkpointer.checkpoint(chainId);
      }
    }
    await checkpointer.close();
  });

  afterAll(async () => {
    await admin?.end();
    await store?.close();
    await db?.drop();
  });

  async function withSnapshot<T>(work: (snapshot: TrailSnapshot) => Promise<T>, batchSize?: number): Promise<T> {
    const snapshot = await openTrailSnapshot(store, batchSize === undefined ? {} : { batchSize });
    try {
      return await work(snapshot);
    } finally {
      await snapshot.close();
    }
  }

  it.each([1, 3, 32, 2000])('reads exactly what the store readers read (batch size %i)', async (batchSize) => {
    const expected = { entries: await collect(store.read()), checkpoints: await collect(store.readCheckpoints()), keys: await store.readSigningKeys() };
    await withSnapshot(async (snapshot) => {
      expect(plain(await collect(snapshot.entries))).toEqual(plain(expected.entries));
      expect(await collect(snapshot.checkpoints)).toEqual(expected.checkpoints);
      expect(snapshot.storedKeys).toEqual(expected.keys);
    }, batchSize);
    expect(expected.entries).toHaveLength(32);
    expect(expected.checkpoints.length).toBeGreaterThan(5);
  });

  it('verifies the trail, with the stored payload text on every entry and the payload parsed only when read', async () => {
    await withSnapshot(async (snapshot) => {
      const report = await verifyTrail(snapshot, { publicKeys });
      expect(report).toMatchObject({ ok: true, entries: 32, trust: 'public-keys' });
      expect(report.chains.map((chain) => chain.signedSize)).toEqual([23, 9]);
    });
    await withSnapshot(async (snapshot) => {
      const [first] = await collect(snapshot.entries);
      const entry = first as SealedEntry & { [STORED_PAYLOAD_TEXT]?: string };
      expect(typeof Object.getOwnPropertyDescriptor(entry, 'payload')?.get).toBe('function');
      expect(entry[STORED_PAYLOAD_TEXT]).toBe(JSON.stringify(JSON.parse(entry[STORED_PAYLOAD_TEXT] as string)));
      expect(JSON.parse(JSON.stringify(entry)).payload).toEqual(entry.payload);
      expect(Object.keys(entry)).toContain('payload');
      entry.payload = { replaced: true };
      expect(entry.payload).toEqual({ replaced: true });
      expect(entry[STORED_PAYLOAD_TEXT]).toBeUndefined();
    });
  });

  it('sees one consistent state: rows and checkpoints appended after it opened are not in it', async () => {
    const snapshot = await openTrailSnapshot(store, { batchSize: 4 });
    const extra = sealChain('gamma', 3);
    const checkpointer = new Checkpointer(store, { signer: createEd25519Signer(keys.privateKeyPem), intervalMs: 0, logger: quiet });
    try {
      await checkpointer.start();
      await store.append(extra.entries);
      await checkpointer.checkpoint('gamma');
      const report = await verifyTrail(snapshot, { publicKeys });
      expect(report).toMatchObject({ ok: true, entries: 32 });
      expect(report.chains.map((chain) => chain.chainId)).toEqual(['alpha', 'beta']);
    } finally {
      await snapshot.close();
      await snapshot.close();
      await checkpointer.close();
    }
    await withSnapshot(async (later) => expect(await verifyTrail(later, { publicKeys })).toMatchObject({ ok: true, entries: 35 }));
  });

  it('keeps reporting tampering like the store readers: edited, re-spaced (same content) and unparsable payloads', async () => {
    const verifyBoth = async (): Promise<[unknown, unknown]> => {
      const viaStore = await verifyTrail({ entries: store.read(), checkpoints: store.readCheckpoints(), storedKeys: await store.readSigningKeys() }, { publicKeys });
      const viaSnapshot = await withSnapshot((snapshot) => verifyTrail(snapshot, { publicKeys }), 5);
      return [viaStore.firstProblem, viaSnapshot.firstProblem];
    };
    await admin.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    try {
      const original = (await admin.query<{ payload: string }>("SELECT payload FROM audit_log WHERE chain_id = 'alpha' AND seq = 7")).rows[0]?.payload as string;
      // Same content, not canonical: re-serializing it gives the hashed bytes back, so it verifies (as before).
      await admin.query("UPDATE audit_log SET payload = $1 WHERE chain_id = 'alpha' AND seq = 7", [JSON.stringify(JSON.parse(original), null, 2)]);
      expect(await verifyBoth()).toEqual([undefined, undefined]);
      // Keys reordered: same content again.
      const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(original) as object).reverse()));
      await admin.query("UPDATE audit_log SET payload = $1 WHERE chain_id = 'alpha' AND seq = 7", [reordered]);
      expect(await verifyBoth()).toEqual([undefined, undefined]);
      // Different content, canonical text: modified.
      await admin.query("UPDATE audit_log SET payload = $1 WHERE chain_id = 'alpha' AND seq = 7", [original.replace('"i":6', '"i":60')]);
      const [edited, editedSnapshot] = await verifyBoth();
      expect(editedSnapshot).toEqual(edited);
      expect(editedSnapshot).toMatchObject({ chainId: 'alpha', seq: 7, kind: 'modified' });
      // Not JSON at all: malformed.
      await admin.query("UPDATE audit_log SET payload = '{\"i\":' WHERE chain_id = 'alpha' AND seq = 7");
      const [broken, brokenSnapshot] = await verifyBoth();
      expect(brokenSnapshot).toEqual(broken);
      expect(brokenSnapshot).toMatchObject({ chainId: 'alpha', seq: 7, kind: 'malformed' });
      // A timestamp moved by one millisecond: modified.
      await admin.query("UPDATE audit_log SET payload = $1 WHERE chain_id = 'alpha' AND seq = 7", [original]);
      await admin.query("UPDATE audit_log SET ts = ts + interval '1 millisecond' WHERE chain_id = 'alpha' AND seq = 6");
      const [moved, movedSnapshot] = await verifyBoth();
      expect(movedSnapshot).toEqual(moved);
      expect(movedSnapshot).toMatchObject({ chainId: 'alpha', seq: 6, kind: 'modified' });
      await admin.query("UPDATE audit_log SET ts = ts - interval '1 millisecond' WHERE chain_id = 'alpha' AND seq = 6");
      expect(await verifyBoth()).toEqual([undefined, undefined]);
    } finally {
      await admin.query('ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only');
    }
  });

  it('returns its connection: many snapshots in a row do not exhaust the pool', async () => {
    for (let i = 0; i < 15; i += 1) {
      const snapshot = await openTrailSnapshot(store, { batchSize: 2 });
      // Abandoned after one entry: close() still ends the transaction.
      for await (const _entry of snapshot.entries) break;
      await snapshot.close();
    }
    const { rows } = await admin.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'");
    expect(Number(rows[0]?.n)).toBe(0);
  });

  /** Counts the entry FETCHes the snapshot's connection sends (the query runner's client, wrapped). */
  function countEntryFetches(): { sent: () => number; restore: () => void } {
    const dataSource = store.dataSource;
    const original = dataSource.createQueryRunner.bind(dataSource);
    let sent = 0;
    const spy = jest.spyOn(dataSource, 'createQueryRunner').mockImplementation((...args) => {
      const runner = original(...args);
      const connect = runner.connect.bind(runner);
      runner.connect = async () => {
        const client = (await connect()) as { query: (...a: unknown[]) => unknown };
        const query = client.query.bind(client);
        client.query = (config: unknown, ...rest: unknown[]) => {
          if (/^execute sealed_audit_verify_entries /.test((config as { text?: string }).text ?? '')) sent += 1;
          return query(config, ...rest);
        };
        return client;
      };
      return runner;
    });
    return { sent: () => sent, restore: () => spy.mockRestore() };
  }

  it('hands rows on as they arrive but reads at most two batches ahead of a consumer that waits', async () => {
    const fetches = countEntryFetches();
    try {
      await withSnapshot(async (snapshot) => {
        const rows = (snapshot.entryRows as AsyncIterable<readonly unknown[][]>)[Symbol.asyncIterator]();
        const first = await rows.next();
        expect(first.done).toBe(false);
        // The consumer is busy: no row taken for a while (32 rows or more in batches of 2: 17 FETCHes or more).
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(fetches.sent()).toBeLessThanOrEqual(2);
        const seen = [...(first.value as unknown[][])];
        for (let next = await rows.next(); !next.done; next = await rows.next()) seen.push(...next.value);
        const expected = (await collect(store.read())).map((entry) => `${entry.chainId}:${entry.seq}`);
        expect(expected.length).toBeGreaterThanOrEqual(32);
        expect(seen.map((row) => `${String(row[0])}:${String(row[1])}`)).toEqual(expected);
        expect(seen.every((row) => row.length === 14)).toBe(true);
        // Batches of 2: the full ones, then a short or empty one that shows the end.
        expect(fetches.sent()).toBe(Math.floor(expected.length / 2) + 1);
      }, 2);
    } finally {
      fetches.restore();
    }
  });

  it('rejects (does not hang) when reading the rows fails', async () => {
    const snapshot = await openTrailSnapshot(store, { batchSize: 3 });
    try {
      const rows = snapshot.entryRows as AsyncIterable<readonly unknown[][]>;
      let read = 0;
      const reading = (async () => {
        for await (const batch of rows) {
          read += batch.length;
          // The snapshot's session is ended under it (an administrator, a failover) after the first rows.
          if (read === batch.length) {
            await admin.query(
              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%to_char(ts AT TIME ZONE%'",
            );
          }
        }
      })();
      await expect(reading).rejects.toThrow();
      expect(read).toBeGreaterThan(0);
      expect(read).toBeLessThan(32);
    } finally {
      await snapshot.close().catch(() => undefined);
    }
  });

  it('rejects (does not hang) when the entries query fails, and returns its connection', async () => {
    await admin.query('ALTER TABLE audit_log RENAME TO audit_log_moved');
    try {
      await expect(openTrailSnapshot(store)).rejects.toThrow(/audit_log/);
    } finally {
      await admin.query('ALTER TABLE audit_log_moved RENAME TO audit_log');
    }
    const { rows } = await admin.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'");
    expect(Number(rows[0]?.n)).toBe(0);
    await withSnapshot(async (snapshot) => expect(await verifyTrail(snapshot, { publicKeys })).toMatchObject({ ok: true }));
  });

  it('rejects a batch size that is not a positive integer', async () => {
    await expect(openTrailSnapshot(store, { batchSize: 0 })).rejects.toThrow(RangeError);
  });
});

describe('openTrailSnapshot on SQLite', () => {
  it('is the store readers', async () => {
    const file = tempSqlitePath();
    const store = createAuditStore({ type: 'sqlite', database: file });
    try {
      await store.init();
      await store.append(sealChain('alpha', 4).entries);
      const snapshot = await openTrailSnapshot(store);
      expect(await verifyTrail(snapshot)).toMatchObject({ ok: true, entries: 4 });
      await snapshot.close();
    } finally {
      await store.close();
      removeTempSqlite(file);
    }
  });
});
