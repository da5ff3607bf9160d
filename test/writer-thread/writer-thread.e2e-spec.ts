/**
 * `writerThread: true`: the audit writer in a real worker thread (started from the library's
 * sources through its TypeScript bootstrap), against real SQLite files and a real PostgreSQL,
 * reached directly or through a TCP proxy that can cut it off. Nothing is mocked: the worker,
 * the database drivers, the hashing and the Ed25519 signatures are the real ones.
 *
 * What is checked is what an operator would see: rows read back through a connection of their
 * own, the chain and checkpoints verified as `sealed-audit verify` does, the database file's bytes.
 */
import 'reflect-metadata';
import Database from 'better-sqlite3';
import express from 'express';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';
import {
  AuditUnavailableError,
  AuditWriter,
  InvalidAuditOptionsError,
  createAuditRuntime,
  createEd25519Signer,
  verifyChains,
  type AuditEvent,
  type AuditOptions,
  type AuditRuntime,
  type SealedEntry,
  type VerificationReport,
} from 'sealed-audit';
import { PiiField, createAuditTrail, type AuditTrail } from 'sealed-audit/express';
import { runCli } from '../../libs/sealed-audit/src/cli/run-cli';
import { quiet, tempPlaces, waitFor } from '../support/audit-writer';
import { createTempMariaDbDatabase, type TempMariaDbDatabase } from '../support/mariadb';
import { createTempPostgresDatabase, type TempPostgresDatabase } from '../support/postgres';
import { readEntries } from '../support/stored-entries';
import { proxyDatabase, throughProxy, type TcpProxy } from '../support/tcp-proxy';

/** PII that only the DTO declaration can catch (no detector knows a name): redacted on the capture thread or not at all. */
const DECLARED_NAME = 'Wilhelmina Pemberton-Quayle';
/** PII the detectors catch wherever it is (metadata, undeclared body fields). */
const EMAIL = 'wilhelmina.quayle@example.org';
const CARD = '4111 1111 1111 1111';
const RAW_PII = [DECLARED_NAME, EMAIL, CARD, '4111111111111111'];

class PatientDto {
  @PiiField() fullName!: string;
  @PiiField({ strategy: 'mask', kind: 'phone' }) phone!: string;
}

const { newFile, newDir } = tempPlaces('sealed-audit-writer-thread-');

/** The worker thread behind a writer (an internal field of `AuditWriterThread`). */
function workerOf(runtime: AuditRuntime): Worker | undefined {
  return (runtime.writer as unknown as { worker: Worker | undefined }).worker;
}

/** Everything SQLite wrote to disk for `file` (the database and, if present, its WAL). */
function sqliteBytes(file: string): string {
  return [file, `${file}-wal`]
    .filter((path) => existsSync(path))
    .map((path) => readFileSync(path).toString('latin1'))
    .join('\n');
}

function expectNoRawPii(text: string): void {
  for (const value of RAW_PII) expect(text).not.toContain(value);
}

/** Runs `sealed-audit verify` as an operator would. */
async function verifyWithCli(args: string[]): Promise<{ code: number; report: VerificationReport }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['verify', ...args, '--json'], { out: (line) => out.push(line), err: (line) => err.push(line) });
  if (code === 2) throw new Error(`verify failed to run: ${err.join('\n')}`);
  return { code, report: JSON.parse(out.join('\n')) as VerificationReport };
}

/** An event with PII in a declared DTO body (+ an undeclared e-mail field) and in metadata. */
function patientEvent(n: number): AuditEvent {
  return {
    timestamp: new Date(),
    action: 'patient.create',
    outcome: 'success',
    actor: { id: `user-${n % 3}` },
    resource: 'patient',
    requestId: `dto-${n}`,
    request: { body: { fullName: DECLARED_NAME, phone: '+1 415 555 0100', contact: EMAIL }, bodyType: PatientDto },
    metadata: { n, card: CARD },
  };
}

async function listen(app: express.Express): Promise<{ server: Server; base: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const closeServer = (server: Server | undefined): Promise<unknown> => new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));

describe('writerThread: close() when Node delivers the answer and the exit in one turn', () => {
  it('counts every entry once when the exit is handled before close() resumes', async () => {
    const database = newFile();
    const runtime = await createAuditRuntime(
      { storage: { type: 'sqlite', database }, chainId: 'wt-close-race', writerThread: true, spool: { directory: newDir() }, redaction: { hmacKey: 'wt-close-race-key' } },
      quiet(),
    );
    const worker = workerOf(runtime) as Worker;
    // When this thread notices a worker's end before its last messages, Node delivers them
    // ('message' listeners run) and then emits 'exit', all in one synchronous sequence: no
    // promise continuation runs in between. That order is replayed here on the real worker: its
    // answer to the close request is followed at once by an 'exit' (code 0, what the worker ends
    // with right after answering). Its real 'exit' follows later, as in Node.
    const emit = worker.emit.bind(worker);
    let replayed = false;
    worker.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
      const handled = emit(event, ...args);
      if (event === 'message' && (args[0] as { t?: string }).t === 'done' && !replayed) {
        replayed = true;
        emit('exit', 0);
      }
      return handled;
    }) as typeof worker.emit;
    for (let n = 0; n < 50; n += 1) runtime.writer.enqueue({ timestamp: new Date(), action: 'before.close', outcome: 'success', subjectId: String(n) });
    await runtime.writer.close();
    expect(await readEntries({ type: 'sqlite', database })).toHaveLength(50);
    expect(runtime.writer.stats()).toMatchObject({ written: 50, queued: 0, dropped: 0 });
  });
});

describe('writerThread on a SQLite file (Express trail)', () => {
  const database = newFile();
  let trail: AuditTrail;

  beforeAll(async () => {
    trail = await createAuditTrail(
      {
        storage: { type: 'sqlite', database },
        chainId: 'wt-sqlite',
        writerThread: true,
        // Async entries wait for flush() or close() (or a full batch): nothing is written behind the tests' backs.
        batch: { maxDelayMs: 2000 },
        spool: { directory: newDir() },
        maxEntryBytes: 4096,
        redaction: { hmacKey: 'wt-sqlite-key' },
      },
      quiet(),
    );
  });

  afterAll(() => trail?.close());

  it('stores exactly what was recorded (record + recordSync), counts it exactly, the chain verifies, no raw PII in rows or file', async () => {
    const asyncCount = 300;
    const syncCount = 20;
    const syncs: Array<Promise<void>> = [];
    for (let n = 0; n < asyncCount; n += 1) {
      trail.record({ action: 'record.async', outcome: 'success', subject: n, metadata: { n, email: EMAIL, card: CARD } });
      if (n % 15 === 0) syncs.push(trail.recordSync({ action: 'record.sync', outcome: 'success', subject: n, metadata: { n, email: EMAIL } }));
    }
    expect(syncs).toHaveLength(syncCount);
    await Promise.all(syncs);
    await trail.flush();

    const all = await readEntries({ type: 'sqlite', database });
    expect(all).toHaveLength(asyncCount + syncCount);
    expect(all.filter((e) => e.action === 'record.async').map((e) => Number(e.subjectId)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: asyncCount }, (_, n) => n),
    );
    expect(all.filter((e) => e.action === 'record.sync')).toHaveLength(syncCount);
    expect(trail.stats()).toMatchObject({ written: asyncCount + syncCount, dropped: 0, queued: 0, spooledEntries: 0, chainId: 'wt-sqlite' });
    expect(await verifyChains(all)).toMatchObject({ ok: true, entries: asyncCount + syncCount });
    expectNoRawPii(JSON.stringify(all));
    expect((all[0]?.payload.metadata as Record<string, unknown>).email).toContain('[REDACTED');
  });

  it('recordSync resolves only once the row is committed: an independent connection sees it right away', async () => {
    for (let n = 0; n < 5; n += 1) {
      const marker = `visible-${n}`;
      await trail.recordSync({ action: 'record.visible', outcome: 'success', subject: marker });
      // No flush: read through a connection of our own, straight after the promise resolved.
      const db = new Database(database, { readonly: true, fileMustExist: true });
      try {
        const row = db.prepare('SELECT COUNT(*) AS c FROM audit_log WHERE subject_id = ?').get(marker) as { c: number };
        expect(row.c).toBe(1);
      } finally {
        db.close();
      }
    }
  });

  it('maxEntryBytes applies to entries built on this thread: an oversized part is cut and listed, the entry stays sealable', async () => {
    // Three parts of 3000 bytes (under the redactor's per-string cap): together over the entry cap.
    await trail.recordSync({ action: 'record.large', outcome: 'success', subject: 'large', metadata: { a: 'a'.repeat(3000), b: 'b'.repeat(3000), c: 'c'.repeat(3000) } });
    const all = await readEntries({ type: 'sqlite', database });
    const large = all.find((e) => e.subjectId === 'large');
    const truncated = Object.keys(large?.payload.truncated ?? {});
    expect(truncated.length).toBeGreaterThan(0);
    for (const path of truncated) expect(path).toMatch(/^metadata(\.|$)/);
    expect(JSON.stringify(large?.payload)).toContain('[Truncated:entry ');
    expect(Buffer.byteLength(JSON.stringify(large?.payload))).toBeLessThanOrEqual(4096);
    expect(await verifyChains(all)).toMatchObject({ ok: true });
  });

  it('close() writes everything recorded before it; afterwards record() is dropped and counted, recordSync() rejects, nothing throws', async () => {
    const before = (await readEntries({ type: 'sqlite', database })).length;
    for (let n = 0; n < 100; n += 1) trail.record({ action: 'before.close', outcome: 'success', subject: n });
    // Not posted to the worker yet, or waiting there for their batch: close() must still write all.
    expect(trail.stats().queued).toBeGreaterThan(0);
    await trail.close();
    const all = await readEntries({ type: 'sqlite', database });
    expect(all).toHaveLength(before + 100);
    expect(trail.stats()).toMatchObject({ written: before + 100, queued: 0, dropped: 0 });
    expect(await verifyChains(all)).toMatchObject({ ok: true });

    expect(() => trail.record({ action: 'after.close', outcome: 'success' })).not.toThrow();
    expect(trail.stats().dropped).toBe(1);
    const refused = await trail.recordSync({ action: 'after.close.sync', outcome: 'success' }).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(AuditUnavailableError);
    expect((refused as Error).message).toContain('closed');
    expect(trail.stats().dropped).toBe(2);
    await expect(trail.flush()).resolves.toBeUndefined();
    expect(await readEntries({ type: 'sqlite', database })).toHaveLength(before + 100);
    // The worker closed its connection: the last connection to close (this read's) removed the WAL.
    expect(existsSync(`${database}-wal`)).toBe(false);
  });
});

describe('writerThread: redaction with DTO classes happens on the capture thread (SQLite)', () => {
  const database = newFile();
  let runtime: AuditRuntime;

  beforeAll(async () => {
    runtime = await createAuditRuntime(
      { storage: { type: 'sqlite', database }, chainId: 'wt-dto', writerThread: true, spool: false, redaction: { hmacKey: 'wt-dto-key' } },
      quiet(),
    );
  });

  afterAll(() => runtime?.writer.close());

  it('declared @PiiField values (which no detector would catch) and detected PII never reach the rows or the file', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, n) => (n % 4 === 0 ? runtime.writer.enqueueAndWait(patientEvent(n)) : Promise.resolve(runtime.writer.enqueue(patientEvent(n))))));
    // The control: the same name in an event without a DTO class is stored as given, so the
    // redaction above is the DTO's doing (its class never crosses to the worker).
    await runtime.writer.enqueueAndWait({ timestamp: new Date(), action: 'control', outcome: 'success', request: { body: { fullName: 'Undeclared Control-Name' } } });
    await runtime.writer.flush();

    const all = await readEntries({ type: 'sqlite', database });
    expect(all).toHaveLength(41);
    const control = all.find((e) => e.action === 'control');
    expect((control?.payload.request as { body: Record<string, unknown> }).body.fullName).toBe('Undeclared Control-Name');
    const patient = all.find((e) => e.requestId === 'dto-1');
    expect(patient).toMatchObject({ actorId: 'user-1', resource: 'patient', outcome: 'success' });
    const body = (patient?.payload.request as { body: Record<string, unknown> }).body;
    expect(body.fullName).toEqual(expect.stringContaining('[REDACTED'));
    expect(body.phone).toMatch(/^\*+00$/);
    expect(body.contact).toEqual(expect.stringContaining('[REDACTED'));
    expectNoRawPii(JSON.stringify(all));
    expect(await verifyChains(all)).toMatchObject({ ok: true, entries: 41 });
  });

  it('close() while the worker restarts: waits for the new one, writes what was queued meanwhile, closes it; then enqueueAndWait rejects, enqueue is dropped; no raw PII in the file', async () => {
    // Counters reach this thread with the worker's reports; flush() makes them exact before the death.
    await runtime.writer.flush();
    const first = workerOf(runtime);
    const exited = new Promise((resolve) => first?.once('exit', resolve));
    void first?.terminate();
    await exited;
    expect(first?.threadId).toBe(-1);
    // The thread is gone and a new one is starting: these wait on this side for it.
    expect((runtime.writer as unknown as { state: string }).state).toBe('starting');
    for (let n = 100; n < 120; n += 1) runtime.writer.enqueue(patientEvent(n));
    await runtime.writer.close();
    expect(workerOf(runtime)).toBeUndefined();
    expect((runtime.writer as unknown as { state: string }).state).toBe('closed');
    const all = await readEntries({ type: 'sqlite', database });
    expect(all).toHaveLength(61);
    expect(all.slice(41).map((e) => e.requestId)).toEqual(Array.from({ length: 20 }, (_, n) => `dto-${100 + n}`));
    expect(await verifyChains(all)).toMatchObject({ ok: true, entries: 61 });
    // Counted across both threads.
    expect(runtime.writer.stats()).toMatchObject({ written: 61, dropped: 0, queued: 0 });
    // The new worker closed its connection too: the last connection to close (this read's) removed the WAL.
    expect(existsSync(`${database}-wal`)).toBe(false);

    await expect(runtime.writer.enqueueAndWait(patientEvent(200))).rejects.toThrow(/closed/);
    runtime.writer.enqueue(patientEvent(201));
    expect(runtime.writer.stats().dropped).toBe(2);
    await expect(runtime.writer.close()).resolves.toBeUndefined();
    expect(await readEntries({ type: 'sqlite', database })).toHaveLength(61);
    const bytes = sqliteBytes(database);
    expect(bytes).toContain('Undeclared Control-Name');
    expectNoRawPii(bytes);
  });
});

describe('writerThread behind an Express app on a real port (PostgreSQL through a cuttable TCP proxy)', () => {
  let db: TempPostgresDatabase;
  let proxy: TcpProxy;
  let trail: AuditTrail;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    db = await createTempPostgresDatabase();
    let viaProxy: string;
    ({ proxy, url: viaProxy } = await proxyDatabase(db.url));
    trail = await createAuditTrail(
      {
        storage: { type: 'postgres', url: viaProxy },
        chainId: 'wt-pg',
        writerThread: true,
        batch: { maxDelayMs: 5 },
        spool: { directory: newDir() },
        redaction: { hmacKey: 'wt-pg-key' },
      },
      quiet(),
    );
    const app = express();
    app.use(trail.middleware);
    app.use(express.json());
    const auth: express.RequestHandler = (req, res, next) => {
      const token = req.headers.authorization;
      if (token === 'Bearer staff' || token === 'Bearer guest') {
        (req as unknown as { user: unknown }).user = { id: token === 'Bearer staff' ? 'staff-7' : 'guest-1', type: 'user', roles: [] };
        next();
        return;
      }
      res.status(401).json({ error: 'unauthorized' });
    };
    const staffOnly: express.RequestHandler = (req, res, next) => {
      if ((req as unknown as { user: { id: string } }).user.id !== 'staff-7') {
        res.status(403).json({ error: 'forbidden' });
        return;
      }
      next();
    };
    app.post('/patients', trail.audited({ action: 'patient.create', resource: 'patient', bodyType: PatientDto }), auth, staffOnly, (_req, res) => {
      res.status(201).json({ id: 'p-1' });
    });
    app.post('/transfers', trail.audited({ action: 'transfer.create', durability: 'sync' }), auth, (_req, res) => {
      res.status(201).json({ ok: true });
    });
    app.get('/admin', (_req, res) => {
      res.sendStatus(403);
    });
    app.use(trail.errorHandler);
    ({ server, base } = await listen(app));
  });

  afterAll(async () => {
    await closeServer(server);
    await trail?.close();
    await proxy?.close();
    await db?.drop();
  });

  /** Read straight from the database (not through the proxy), on a connection of its own. */
  const stored = (): Promise<SealedEntry[]> => readEntries({ type: 'postgres', url: db.url });

  /** Posts PII: the declared name only to /patients (its DTO declares it); detectable PII everywhere. */
  const post = (path: string, id: string, token?: string): Promise<Response> =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id, ...(token ? { authorization: token } : {}) },
      body: JSON.stringify({ ...(path === '/patients' ? { fullName: DECLARED_NAME } : {}), phone: '+1 415 555 0100', contact: EMAIL, card: CARD }),
    });

  it('records audited requests with actor/action/outcome/status, 401 and 403 as denied, PII redacted; a sync route answers after its commit', async () => {
    expect((await post('/patients', 'pg-ok', 'Bearer staff')).status).toBe(201);
    expect((await post('/patients', 'pg-401')).status).toBe(401);
    expect((await post('/patients', 'pg-403', 'Bearer guest')).status).toBe(403);
    expect((await fetch(`${base}/admin`, { headers: { 'x-request-id': 'pg-admin' } })).status).toBe(403);
    expect((await post('/transfers', 'pg-sync', 'Bearer staff')).status).toBe(201);
    // The sync route's entry is in the database once the response arrived, without a flush.
    expect((await stored()).filter((e) => e.requestId === 'pg-sync')).toMatchObject([
      { action: 'transfer.create', outcome: 'success', actorId: 'staff-7', payload: { http: { status: 201 } } },
    ]);

    await trail.flush();
    const all = await stored();
    const byId = (id: string): SealedEntry[] => all.filter((e) => e.requestId === id);
    expect(all).toHaveLength(5);
    expect(byId('pg-ok')).toMatchObject([
      { action: 'patient.create', outcome: 'success', actorId: 'staff-7', actorType: 'user', resource: 'patient', payload: { http: { method: 'POST', route: '/patients', status: 201 } } },
    ]);
    expect(byId('pg-401')).toMatchObject([{ action: 'patient.create', outcome: 'denied', actorId: null, payload: { http: { status: 401 } } }]);
    expect(byId('pg-403')).toMatchObject([{ action: 'patient.create', outcome: 'denied', actorId: 'guest-1', payload: { http: { status: 403 } } }]);
    expect(byId('pg-admin')).toMatchObject([{ action: 'access.denied', outcome: 'denied', payload: { http: { route: '/admin', status: 403 } } }]);
    const body = ((byId('pg-ok')[0]?.payload.request as { body: Record<string, unknown> }) ?? { body: {} }).body;
    expect(body.fullName).toEqual(expect.stringContaining('[REDACTED'));
    expect(body.phone).toMatch(/^\*+00$/);
    expectNoRawPii(JSON.stringify(all));
    expect(trail.stats()).toMatchObject({ written: 5, dropped: 0 });
    expect(await verifyChains(all)).toMatchObject({ ok: true, entries: 5 });
  });

  it('outage: recordSync rejects with AuditUnavailableError, a sync route answers 503, async entries are spooled; afterwards each is stored exactly once and the chain verifies', async () => {
    const before = (await stored()).length;
    for (let n = 0; n < 10; n += 1) trail.record({ action: 'before.outage', outcome: 'success', subject: `before-${n}` });
    await trail.recordSync({ action: 'before.outage', outcome: 'success', subject: 'before-sync' });

    proxy.cut();
    try {
      const refused = await trail.recordSync({ action: 'during.outage', outcome: 'success', subject: 'during-sync' }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(AuditUnavailableError);
      expect((refused as Error).name).toBe('AuditUnavailableError');
      expect((refused as Error).message).toMatch(/^The audit trail is unavailable: the audit entry was not committed \(.+\)\. It stays queued or spooled/);
      const down = await post('/transfers', 'pg-down', 'Bearer staff');
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ statusCode: 503, message: expect.stringContaining('audit trail is unavailable') });
      for (let n = 0; n < 25; n += 1) trail.record({ action: 'during.outage', outcome: 'success', subject: `during-${n}` });
      await trail.flush();
      // What the database refused went to the worker's spool (its count is exact after flush()).
      expect(trail.stats()).toMatchObject({ circuit: 'open', dropped: 0 });
      expect(trail.stats().spooledEntries).toBeGreaterThan(0);
      expect((await stored()).length).toBe(before + 11);
    } finally {
      proxy.restore();
    }
    // The replay runs in the worker; its counters reach this thread with its reports and after flush().
    await waitFor(() => trail.stats().spooledEntries === 0, 'the spool to be replayed', 50);
    await trail.flush();
    await trail.recordSync({ action: 'after.outage', outcome: 'success', subject: 'after-sync' });
    // stats() is the worker's last report (<= 100 ms old): exact after flush().
    await trail.flush();

    const all = await stored();
    const subjects = ['before-sync', 'during-sync', 'after-sync', ...Array.from({ length: 10 }, (_, n) => `before-${n}`), ...Array.from({ length: 25 }, (_, n) => `during-${n}`)];
    for (const subject of subjects) expect([subject, all.filter((e) => e.subjectId === subject).length]).toEqual([subject, 1]);
    expect(all.filter((e) => e.requestId === 'pg-down')).toMatchObject([{ action: 'transfer.create', outcome: 'success' }]);
    expect(all).toHaveLength(before + subjects.length + 1);
    expect(trail.stats()).toMatchObject({ spooledEntries: 0, dropped: 0, circuit: 'closed', written: all.length });
    expect(await verifyChains(all)).toMatchObject({ ok: true, entries: all.length });
  });

  it('a worker that dies with entries in its spool: the next one replays them, each stored exactly once', async () => {
    const viaProxy = throughProxy(db.url, proxy);
    // The Express trail keeps its writer to itself: a runtime of its own (own chain and spool) on the same database.
    const runtime = await createAuditRuntime(
      { storage: { type: 'postgres', url: viaProxy }, chainId: 'wt-pg-spool', writerThread: true, batch: { maxDelayMs: 5 }, spool: { directory: newDir() } },
      quiet(),
    );
    try {
      await runtime.writer.enqueueAndWait({ timestamp: new Date(), action: 'spool.before', outcome: 'success', subjectId: 'before' });
      proxy.cut();
      for (let n = 0; n < 10; n += 1) runtime.writer.enqueue({ timestamp: new Date(), action: 'spool.down', outcome: 'success', subjectId: `down-${n}` });
      await runtime.writer.flush();
      expect(runtime.writer.stats()).toMatchObject({ spooledEntries: 10, written: 1, circuit: 'open' });

      const first = workerOf(runtime);
      const exited = new Promise((resolve) => first?.once('exit', resolve));
      void first?.terminate();
      await exited;
      // Back before the new thread opens its connection (it is only starting to load).
      proxy.restore();
      for (let n = 0; n < 5; n += 1) runtime.writer.enqueue({ timestamp: new Date(), action: 'spool.after', outcome: 'success', subjectId: `after-${n}` });
      await runtime.writer.flush();
      await waitFor(() => runtime.writer.stats().spooledEntries === 0, 'the spool of the dead worker to be replayed', 50);
      await runtime.writer.flush();

      const chain = (await stored()).filter((e) => e.chainId === 'wt-pg-spool');
      const subjects = ['before', ...Array.from({ length: 10 }, (_, n) => `down-${n}`), ...Array.from({ length: 5 }, (_, n) => `after-${n}`)];
      expect(chain.map((e) => e.subjectId).sort()).toEqual([...subjects].sort());
      // Spooled entries keep their place: before the ones recorded after the death.
      expect(chain.map((e) => e.subjectId).slice(0, 11)).toEqual(subjects.slice(0, 11));
      expect(await verifyChains(chain)).toMatchObject({ ok: true, entries: 16 });
      expect(runtime.writer.stats()).toMatchObject({ written: 16, replayed: 10, spooledEntries: 0, dropped: 0 });
    } finally {
      proxy.restore();
      await runtime.writer.close();
    }
  });
});

describe('writerThread on MariaDB', () => {
  let db: TempMariaDbDatabase;
  let runtime: AuditRuntime | undefined;

  beforeAll(async () => {
    db = await createTempMariaDbDatabase();
  });

  afterAll(async () => {
    await runtime?.writer.close();
    await db?.drop();
  });

  it('stores async and sync entries exactly once, counted exactly, and the chain verifies', async () => {
    runtime = await createAuditRuntime(
      { storage: { type: 'mariadb', url: db.url }, chainId: 'wt-mariadb', writerThread: true, spool: false, batch: { maxDelayMs: 5 }, redaction: { hmacKey: 'wt-mariadb-key' } },
      quiet(),
    );
    const syncs: Array<Promise<void>> = [];
    for (let n = 0; n < 60; n += 1) {
      if (n % 10 === 0) syncs.push(runtime.writer.enqueueAndWait(patientEvent(n)));
      else runtime.writer.enqueue(patientEvent(n));
    }
    await Promise.all(syncs);
    await runtime.writer.flush();
    const all = await readEntries({ type: 'mariadb', url: db.url });
    expect(all.map((e) => e.requestId).sort()).toEqual(Array.from({ length: 60 }, (_, n) => `dto-${n}`).sort());
    expect(runtime.writer.stats()).toMatchObject({ written: 60, dropped: 0 });
    expectNoRawPii(JSON.stringify(all));
    expect(await verifyChains(all)).toMatchObject({ ok: true, entries: 60 });
  });
});

describe('writerThread: signed checkpoints and the file anchor in the worker (SQLite)', () => {
  it('signs checkpoints every 10 entries and at close, into the table and the anchor; verify with the public key and anchor passes', async () => {
    const database = newFile();
    const dir = newDir();
    const anchorFile = join(dir, 'anchor.jsonl');
    const publicKeyFile = join(dir, 'audit.pub');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
    const runtime = await createAuditRuntime(
      {
        storage: { type: 'sqlite', database },
        chainId: 'wt-checkpoints',
        writerThread: true,
        spool: false,
        batch: { size: 5, maxDelayMs: 5 },
        redaction: { hmacKey: 'wt-checkpoints-key' },
        checkpoints: { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), everyEntries: 10, intervalMs: 0, anchor: { file: anchorFile } },
      },
      quiet(),
    );
    // The checkpointer lives in the worker: none in this thread.
    expect(runtime.checkpointer).toBeUndefined();
    const checkpointSizes = (): number[] => {
      const rows = new Database(database, { readonly: true });
      try {
        return (rows.prepare("SELECT tree_size FROM audit_checkpoint WHERE chain_id = 'wt-checkpoints' ORDER BY seq").all() as Array<{ tree_size: number }>).map((r) =>
          Number(r.tree_size),
        );
      } finally {
        rows.close();
      }
    };
    // Ten entries at a time, then wait for the worker's checkpoint (signed off the commit path):
    // nothing else is written meanwhile, so each covers exactly the entries so far.
    for (let n = 1; n <= 35; n += 1) {
      runtime.writer.enqueue({ timestamp: new Date(), action: 'doc.read', outcome: 'success', subjectId: `doc-${n}`, metadata: { n } });
      if (n % 5 === 0) await runtime.writer.flush();
      if (n % 10 === 0) await waitFor(() => checkpointSizes().length === n / 10, `the checkpoint after entry ${n}`, 20);
    }
    expect(checkpointSizes()).toEqual([10, 20, 30]);
    await runtime.writer.close();
    // The last one is signed at close, for the 5 entries after the third.
    expect(checkpointSizes()).toEqual([10, 20, 30, 35]);
    const anchored = readFileSync(anchorFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { chainId: string; treeSize: number; keyId: string });
    expect(anchored.map((c) => [c.chainId, c.treeSize])).toEqual([10, 20, 30, 35].map((size) => ['wt-checkpoints', size]));
    expect(anchored[0]?.keyId).toBe(createEd25519Signer(privateKey).keyId);

    const { code, report } = await verifyWithCli(['--database', database, '--public-key', publicKeyFile, '--anchor', anchorFile]);
    expect(report).toMatchObject({ ok: true, entries: 35, trust: 'public-keys', anchored: true });
    expect(report.chains.find((c) => c.chainId === 'wt-checkpoints')).toMatchObject({ signedSize: 35, anchoredSize: 35 });
    expect(code).toBe(0);
    // And a key that did not sign them is refused: the check above is not vacuous.
    const otherKeyFile = join(dir, 'other.pub');
    writeFileSync(otherKeyFile, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    expect((await verifyWithCli(['--database', database, '--public-key', otherKeyFile])).code).toBe(1);
  });
});

describe('writerThread: the worker dies (SQLite)', () => {
  const database = newFile();
  let runtime: AuditRuntime;
  const log = quiet();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    runtime = await createAuditRuntime(
      { storage: { type: 'sqlite', database }, chainId: 'wt-death', writerThread: true, spool: { directory: newDir() }, batch: { maxDelayMs: 5 }, redaction: { hmacKey: 'wt-death-key' } },
      log,
    );
  });

  afterAll(async () => {
    await runtime?.writer.close();
    process.off('unhandledRejection', onUnhandled);
  });

  const state = (): string => (runtime.writer as unknown as { state: string }).state;

  /** Terminates the current worker with `pending` sync entries in flight; resolves once a new worker has started. */
  async function kill(pending: number): Promise<Array<Promise<unknown>>> {
    const worker = workerOf(runtime);
    expect(worker).toBeDefined();
    const waits = Array.from({ length: pending }, (_, n) =>
      runtime.writer.enqueueAndWait({ timestamp: new Date(), action: 'in.flight', outcome: 'success', subjectId: `in-flight-${n}` }).then(
        () => 'resolved',
        (error: unknown) => error,
      ),
    );
    // Terminated in the same turn: the entries are not even posted yet, so none can be committed.
    const exited = new Promise((resolve) => worker?.once('exit', resolve));
    void worker?.terminate();
    await exited;
    return waits;
  }

  it('pending sync entries fail with AuditUnavailableError, a new worker takes over (flush() waits for it), later events are written, counters carry over', async () => {
    await runtime.writer.enqueueAndWait({ timestamp: new Date(), action: 'before.death', outcome: 'success' });
    await runtime.writer.flush();
    expect(runtime.writer.stats().written).toBe(1);
    const first = workerOf(runtime);
    const waits = await kill(3);
    for (const outcome of await Promise.all(waits)) {
      expect(outcome).toBeInstanceOf(AuditUnavailableError);
      expect((outcome as Error).message).toContain('the audit writer thread stopped');
    }
    // While the new thread starts: events are accepted, and flush() waits for them to be written.
    expect(state()).toBe('starting');
    for (let n = 0; n < 5; n += 1) runtime.writer.enqueue({ timestamp: new Date(), action: 'during.restart', outcome: 'success', subjectId: `r-${n}` });
    const syncDuringRestart = runtime.writer.enqueueAndWait({ timestamp: new Date(), action: 'during.restart.sync', outcome: 'success' });
    await runtime.writer.flush();
    await expect(syncDuringRestart).resolves.toBeUndefined();
    expect(state()).toBe('started');
    expect(workerOf(runtime)).toBeDefined();
    expect(workerOf(runtime)).not.toBe(first);

    await runtime.writer.enqueueAndWait({ timestamp: new Date(), action: 'after.death', outcome: 'success' });
    runtime.writer.enqueue({ timestamp: new Date(), action: 'after.death.async', outcome: 'success' });
    await runtime.writer.flush();
    const all = await readEntries({ type: 'sqlite', database });
    expect(all.map((e) => e.action)).toEqual(['before.death', ...Array(5).fill('during.restart'), 'during.restart.sync', 'after.death', 'after.death.async']);
    // The new worker continued the chain where the dead one left it.
    expect(await verifyChains(all)).toMatchObject({ ok: true, entries: 9 });
    // Counters are the writer's since start, across threads: they do not fall back to the new thread's.
    expect(runtime.writer.stats()).toMatchObject({ written: 9, dropped: 0 });
    expect(log.lines.some((line) => line.includes('starting a new one'))).toBe(true);
  });

  it('after the restart budget is spent (a 4th death within a minute), events are dropped and counted; nothing throws into the caller', async () => {
    // Deaths 2 and 3 are still restarted (3 restarts per minute).
    for (let death = 2; death <= 3; death += 1) {
      await Promise.all(await kill(1));
      await waitFor(() => state() === 'started' && workerOf(runtime) !== undefined, `writer thread after death ${death}`, 10);
    }
    const [pending] = await kill(1);
    expect(await pending).toBeInstanceOf(AuditUnavailableError);
    expect(state()).toBe('failed');
    expect(workerOf(runtime)).toBeUndefined();
    expect(log.lines.some((line) => line.includes('stopped 4 times within a minute'))).toBe(true);

    const droppedBefore = runtime.writer.stats().dropped;
    expect(() => runtime.writer.enqueue({ timestamp: new Date(), action: 'while.failed', outcome: 'success' })).not.toThrow();
    const refused = await runtime.writer.enqueueAndWait({ timestamp: new Date(), action: 'while.failed.sync', outcome: 'success' }).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(AuditUnavailableError);
    expect((refused as Error).message).toContain('down');
    expect(runtime.writer.stats().dropped).toBe(droppedBefore + 2);
    await expect(runtime.writer.flush()).resolves.toBeUndefined();
    expect((await readEntries({ type: 'sqlite', database })).some((e) => e.action.startsWith('while.failed'))).toBe(false);
    expect(unhandled).toEqual([]);
  });
});

describe('writerThread: options', () => {
  const file = (): string => newFile();
  const base = (overrides: Partial<AuditOptions>): AuditOptions => ({ storage: { type: 'sqlite', database: file() }, spool: false, writerThread: true, ...overrides });

  async function refusal(options: AuditOptions): Promise<Error> {
    const error = await createAuditRuntime(options, quiet()).then(
      async (runtime) => {
        await runtime.writer.close();
        return new Error('createAuditRuntime accepted the options');
      },
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(InvalidAuditOptionsError);
    return error;
  }

  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it.each([
    ['a non-boolean', () => base({ writerThread: 'yes' as unknown as boolean }), /`writerThread` must be true or false/],
    [
      'a DataSource',
      () => base({ storage: { dataSource: new DataSource({ type: 'better-sqlite3', database: ':memory:' }) } }),
      /`writerThread` needs `storage` as connection options.*leave `writerThread` out/,
    ],
    ['SQLite :memory:', () => base({ storage: { type: 'sqlite', database: ':memory:' } }), /`writerThread` cannot use SQLite `:memory:`.*give a file, or leave `writerThread` out/],
    [
      'a checkpoint signer object',
      () => base({ checkpoints: { signer: createEd25519Signer(pem) } }),
      /`writerThread` cannot use `checkpoints.signer`.*give `checkpoints.privateKey`, or leave `writerThread` out/,
    ],
    [
      'an anchor sink object',
      () => base({ checkpoints: { privateKey: pem, anchor: { write: async () => undefined } } }),
      /`writerThread` supports `checkpoints.anchor: \{ file \}` only.*use a file anchor, or leave `writerThread` out/,
    ],
  ])('refuses %s with InvalidAuditOptionsError naming writerThread and the fix', async (_name, options, message) => {
    const error = await refusal(options());
    expect(error.message).toMatch(message);
  });

  it('a private key that cannot sign is refused at start-up with the same error as without writerThread', async () => {
    const options = (writerThread: boolean): AuditOptions => base({ writerThread, checkpoints: { privateKey: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n' } });
    const inThread = await refusal(options(false));
    const inWorker = await refusal(options(true));
    expect(inWorker.message).toBe(inThread.message);
    expect(inWorker.message).toContain('`checkpoints.privateKey`');
  });

  it('writerThread: false (and absent) keeps the in-thread AuditWriter, which writes as before', async () => {
    for (const writerThread of [false, undefined]) {
      const database = file();
      const runtime = await createAuditRuntime({ storage: { type: 'sqlite', database }, spool: false, chainId: 'in-thread', ...(writerThread === false ? { writerThread } : {}) }, quiet());
      try {
        expect(runtime.writer).toBeInstanceOf(AuditWriter);
        await runtime.writer.enqueueAndWait({ timestamp: new Date(), action: 'in.thread', outcome: 'success' });
        expect(await readEntries({ type: 'sqlite', database })).toMatchObject([{ action: 'in.thread', chainId: 'in-thread' }]);
      } finally {
        await runtime.writer.close();
      }
    }
  });
});
