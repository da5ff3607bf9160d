import { createTempPostgresDatabase, type TempPostgresDatabase } from '../../../../../test/support/postgres';
import { event as plainEvent, injectedOutage, ns, SwitchedStore, tempPlaces, waitFor, writerFactory } from '../../../../../test/support/audit-writer';
import { readEntries } from '../../../../../test/support/stored-entries';
import { createAuditStore } from '../../typeorm';
import type { AuditEvent, SealedEntry } from '../audit-event';
import { verifyChains } from '../verify/chain-verifier';
import { AuditUnavailableError } from './audit-writer';

/*
 * The writer seals batch N+1 while batch N's INSERT is in flight, and sends N+1 only after N
 * committed. These tests hold an append open (a gate in front of a REAL store) and act while it is
 * in flight: another writer takes the chain, the store goes down, the queue overflows.
 */

const { newFile, newDir } = tempPlaces('sealed-audit-pipeline-');

/**
 * A real store whose appends can be held at a gate (`hold()` … `release()`) and made to fail like
 * an unreachable database (`down`). `sent` lists every append that reached the real store (first
 * seq and size), in order, whether it committed or not.
 */
class GatedStore extends SwitchedStore {
  readonly sent: Array<{ first: number; count: number }> = [];
  private gate: { opened: Promise<void>; open(): void } | undefined;
  private holding = 0;

  /** The next appends wait until `release()`. */
  hold(): void {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    this.gate = { opened, open };
  }

  release(): void {
    const gate = this.gate;
    this.gate = undefined;
    gate?.open();
  }

  /** Appends waiting at the gate. */
  get waiting(): number {
    return this.holding;
  }

  override async append(entries: readonly SealedEntry[]): Promise<void> {
    if (this.gate) {
      this.holding += 1;
      await this.gate.opened;
      this.holding -= 1;
    }
    if (this.down) throw injectedOutage();
    this.sent.push({ first: entries[0]?.seq ?? 0, count: entries.length });
    await this.inner.append(entries);
  }
}

/**
 * An event that records when the writer builds its entry (buildEntry reads `metadata` once), so a
 * test can see which events were sealed while an append was held.
 */
function event(n: number, built: number[] = [], overrides: Partial<AuditEvent> = {}): AuditEvent {
  const value = plainEvent(n, overrides);
  Object.defineProperty(value, 'metadata', {
    enumerable: true,
    get: () => {
      // buildEntry reads it more than once per build.
      if (built[built.length - 1] !== n) built.push(n);
      return { n };
    },
  });
  return value;
}

const writer = writerFactory('pipeline-spec-key');
const readBack = (file: string): Promise<SealedEntry[]> => readEntries({ type: 'sqlite', database: file });

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('AuditWriter pipeline (next batch sealed while one is committed) on real SQLite', () => {
  it('seals batch N+1 while batch N is in flight, sends it only after N committed, in order', async () => {
    const file = newFile();
    const store = new GatedStore(createAuditStore({ type: 'sqlite', database: file }));
    const built: number[] = [];
    // Transactions of a fixed size (no growth with the backlog): the pipelining is what is looked at.
    const w = writer(store, { maxBatchSize: 5 });
    await w.start();
    store.hold();
    for (let n = 0; n < 23; n += 1) w.enqueue(event(n, built));
    const flushed = w.flush();
    await waitFor(() => store.waiting === 1 && built.length >= 10, 'batch 1 held and batch 2 sealed');
    // Batch 2 is sealed, but nothing of it was sent: one append is in flight, the first one.
    expect(built.slice(0, 10)).toEqual(range(0, 10));
    expect(store.sent).toEqual([]);
    expect(w.stats()).toMatchObject({ written: 0, queued: 23 });
    store.release();
    await flushed;
    // Each event built once: the batch sealed ahead was used, not sealed again.
    expect(built).toEqual(range(0, 23));
    expect(store.sent).toEqual([
      { first: 1, count: 5 },
      { first: 6, count: 5 },
      { first: 11, count: 5 },
      { first: 16, count: 5 },
      { first: 21, count: 3 },
    ]);
    expect(w.stats()).toMatchObject({ written: 23, batches: 5, queued: 0, conflicts: 0, writeFailures: 0, dropped: 0 });
    await w.close();
    const entries = await readBack(file);
    expect(ns(entries)).toEqual(range(0, 23));
    expect(await verifyChains(entries)).toMatchObject({ ok: true, entries: 23 });
  });

  it('a lost race on batch N re-seals batch N+1 too (sealed after a head that never got stored)', async () => {
    const file = newFile();
    const store = new GatedStore(createAuditStore({ type: 'sqlite', database: file }));
    const built: number[] = [];
    const a = writer(store, { chainId: 'shared' });
    await a.start();
    store.hold();
    for (let n = 0; n < 10; n += 1) a.enqueue(event(n, built));
    const flushed = a.flush();
    await waitFor(() => store.waiting === 1 && built.length >= 10, 'batch 1 held and batch 2 sealed');
    // Meanwhile another process appends to the same chain: batch 1 (seq 1..5) and batch 2 (6..10) are both stale.
    const b = writer(createAuditStore({ type: 'sqlite', database: file }), { chainId: 'shared' });
    await b.start();
    b.enqueue(event(100));
    b.enqueue(event(101));
    await b.flush();
    await b.close();
    store.release();
    await flushed;
    expect(a.stats()).toMatchObject({ written: 10, conflicts: 1, writeFailures: 0, queued: 0 });
    // The failed first try (seq 1), then batch 1 re-sealed from seq 3, then batch 2 re-sealed from 8.
    expect(store.sent).toEqual([
      { first: 1, count: 5 },
      { first: 3, count: 5 },
      { first: 8, count: 5 },
    ]);
    await a.close();
    const entries = await readBack(file);
    expect(entries.map((entry) => entry.seq)).toEqual(range(1, 13));
    expect(ns(entries)).toEqual([100, 101, ...range(0, 10)]);
    expect(await verifyChains(entries)).toMatchObject({ ok: true, chains: [{ chainId: 'shared', entries: 12 }] });
  });

  it('an outage while batch N is in flight spools N and the batch sealed after it, linked; the replay stores both once, in order', async () => {
    const file = newFile();
    const dir = newDir();
    const store = new GatedStore(createAuditStore({ type: 'sqlite', database: file }));
    const built: number[] = [];
    const w = writer(store, { spool: { directory: dir } });
    await w.start();
    w.enqueue(event(0, built));
    await w.flush();
    store.hold();
    for (let n = 1; n <= 10; n += 1) w.enqueue(event(n, built));
    // A sync caller in the batch sealed ahead: told that its entry is not committed.
    const waited = w.enqueueAndWait(event(11, built));
    await waitFor(() => store.waiting === 1 && built.length >= 11, 'batch 1 held and batch 2 sealed');
    store.down = true;
    store.release();
    await expect(waited).rejects.toBeInstanceOf(AuditUnavailableError);
    await waitFor(() => w.stats().spooledEntries === 11, 'both batches spooled');
    expect(w.stats()).toMatchObject({ written: 1, circuit: 'open', queued: 0 });
    store.down = false;
    for (let n = 12; n <= 13; n += 1) w.enqueue(event(n, built));
    await waitFor(() => w.stats().spooledEntries === 0 && w.stats().queued === 0, 'the replay');
    await w.flush();
    // 12 and 13 arrived while the circuit was open: spooled behind the others, replayed too.
    expect(w.stats()).toMatchObject({ written: 14, replayed: 13, dropped: 0 });
    await w.close();
    const entries = await readBack(file);
    expect(ns(entries)).toEqual(range(0, 14));
    expect(await verifyChains(entries)).toMatchObject({ ok: true, entries: 14 });
  });

  it('without a spool, an outage while batch N is in flight keeps N and N+1 queued; both are written once, later, in order', async () => {
    const file = newFile();
    const store = new GatedStore(createAuditStore({ type: 'sqlite', database: file }));
    const w = writer(store);
    await w.start();
    store.hold();
    for (let n = 0; n < 10; n += 1) w.enqueue(event(n));
    const flushed = w.flush();
    await waitFor(() => store.waiting === 1, 'batch 1 held');
    store.down = true;
    store.release();
    await flushed;
    expect(w.stats()).toMatchObject({ written: 0, queued: 10, writeFailures: 1, circuit: 'open' });
    store.down = false;
    await w.flush();
    expect(w.stats()).toMatchObject({ written: 10, queued: 0, dropped: 0 });
    await w.close();
    const entries = await readBack(file);
    expect(ns(entries)).toEqual(range(0, 10));
    expect(await verifyChains(entries)).toMatchObject({ ok: true, entries: 10 });
  });

  it('a full queue never drops an event of the batch in flight (it may be committed already)', async () => {
    const file = newFile();
    const store = new GatedStore(createAuditStore({ type: 'sqlite', database: file }));
    const w = writer(store, { maxQueue: 8 });
    await w.start();
    store.hold();
    for (let n = 0; n < 8; n += 1) w.enqueue(event(n));
    const flushed = w.flush();
    await waitFor(() => store.waiting === 1, 'batch 1 held');
    // 0..4 are in flight; each new event drops the oldest one not in flight: 5, 6, 7, 8, 9.
    for (let n = 8; n < 13; n += 1) w.enqueue(event(n));
    expect(w.stats()).toMatchObject({ queued: 8, dropped: 5 });
    store.release();
    await flushed;
    await w.flush();
    expect(w.stats()).toMatchObject({ written: 8, dropped: 5, queued: 0 });
    await w.close();
    const entries = await readBack(file);
    expect(ns(entries)).toEqual([0, 1, 2, 3, 4, 10, 11, 12]);
    expect(await verifyChains(entries)).toMatchObject({ ok: true, entries: 8 });
  });

  it('an event that cannot be sealed, met while sealing ahead, is dropped and counted once', async () => {
    const file = newFile();
    const store = new GatedStore(createAuditStore({ type: 'sqlite', database: file }));
    const w = writer(store);
    await w.start();
    store.hold();
    for (let n = 0; n < 10; n += 1) w.enqueue(event(n, [], n === 7 ? { timestamp: new Date(Number.NaN) } : {}));
    const flushed = w.flush();
    await waitFor(() => store.waiting === 1 && w.stats().dropped === 1, 'batch 2 sealed ahead');
    // A lost race makes the writer seal both batches again: the bad event is not counted twice.
    const b = writer(createAuditStore({ type: 'sqlite', database: file }));
    await b.start();
    b.enqueue(event(100));
    await b.flush();
    await b.close();
    store.release();
    await flushed;
    expect(w.stats()).toMatchObject({ written: 9, dropped: 1, conflicts: 1, queued: 0 });
    await w.close();
    const entries = await readBack(file);
    expect(ns(entries)).toEqual([100, 0, 1, 2, 3, 4, 5, 6, 8, 9]);
    expect(await verifyChains(entries)).toMatchObject({ ok: true, entries: 10 });
  });
});

describe('AuditWriter pipeline on real PostgreSQL', () => {
  let db: TempPostgresDatabase;
  beforeAll(async () => {
    db = await createTempPostgresDatabase();
  });
  afterAll(() => db.drop());

  it('two pipelined writers racing on one chain never fork it and lose nothing', async () => {
    const writers = ['A', 'B'].map(() => writer(createAuditStore({ type: 'postgres', url: db.url }), { chainId: 'raced', batchSize: 20, maxDelayMs: 1 }));
    await Promise.all(writers.map((w) => w.start()));
    const per = 400;
    writers.forEach((w, i) => {
      for (let n = 0; n < per; n += 1) w.enqueue(event(i * per + n));
    });
    // A writer that loses the race ten times in a row keeps its batch queued and retries later.
    const deadline = Date.now() + 30_000;
    do await Promise.all(writers.map((w) => w.flush()));
    while (writers.some((w) => w.stats().queued > 0) && Date.now() < deadline);
    const stats = writers.map((w) => w.stats());
    expect(stats.map((s) => s.written)).toEqual([per, per]);
    expect(stats.map((s) => s.dropped)).toEqual([0, 0]);
    await Promise.all(writers.map((w) => w.close()));

    const store = createAuditStore({ type: 'postgres', url: db.url });
    try {
      const entries: SealedEntry[] = [];
      for await (const entry of store.read({ chainId: 'raced' })) entries.push(entry);
      expect(await verifyChains(entries)).toMatchObject({ ok: true, chains: [{ chainId: 'raced', entries: 2 * per }] });
      const seen = ns(entries) as number[];
      // Every event exactly once, and each writer's events in the order it received them.
      expect([...seen].sort((x, y) => x - y)).toEqual(range(0, 2 * per));
      expect(seen.filter((n) => n < per)).toEqual(range(0, per));
      expect(seen.filter((n) => n >= per)).toEqual(range(per, 2 * per));
    } finally {
      await store.close();
    }
  });
});
