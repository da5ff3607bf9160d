import { removeTempSqlite, tempSqlitePath } from '../../../../../test/support/sqlite';
import { createAuditStore } from '../../typeorm';
import type { AuditEvent, ChainHead, SealedEntry } from '../audit-event';
import { ChainConflictError, type AuditReadOptions, type AuditStore } from '../audit-store.interface';
import { Redactor } from '../redaction/redactor';
import { verifyChains } from '../verify/chain-verifier';
import { AuditWriter, AuditWriterStateError, type AuditWriterOptions } from './audit-writer';
import type { AuditLogger } from './audit-logger';

const files: string[] = [];
afterAll(() => files.forEach(removeTempSqlite));

function newFile(): string {
  const file = tempSqlitePath();
  files.push(file);
  return file;
}

/** Collects log lines instead of printing them. */
function memoryLogger(): AuditLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (m) => void lines.push(m), warn: (m) => void lines.push(m), error: (m) => void lines.push(m) };
}

function event(n: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    timestamp: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, n % 1000)),
    action: 'record.read',
    outcome: 'success',
    actor: { id: 'user-1' },
    resource: 'record',
    subjectId: `subject-${n}`,
    metadata: { n },
    ...overrides,
  };
}

function writerOn(store: AuditStore, options: Partial<AuditWriterOptions> = {}): AuditWriter {
  return new AuditWriter(store, new Redactor({ hmacKey: 'writer-spec-key' }), { chainId: 'chain-1', logger: memoryLogger(), ...options });
}

/** Reads a chain back through a store of its own (the writer's store is closed by `close()`). */
async function readBack(file: string, options: AuditReadOptions = {}): Promise<SealedEntry[]> {
  const store = createAuditStore({ type: 'sqlite', database: file });
  try {
    await store.init();
    const entries: SealedEntry[] = [];
    for await (const entry of store.read(options)) entries.push(entry);
    return entries;
  } finally {
    await store.close();
  }
}

function metadataN(entries: SealedEntry[]): unknown[] {
  return entries.map((entry) => (entry.payload.metadata as { n?: unknown } | undefined)?.n);
}

/** Polls a condition (no assertion on how long it takes; the cap only stops a hung test). */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('AuditWriter on a real SQLite store', () => {
  it('writes a backlog in larger transactions (whole batches up to maxBatchSize), a short queue in batches of batchSize', async () => {
    const file = newFile();
    const writer = writerOn(createAuditStore({ type: 'sqlite', database: file }), { batchSize: 5, maxBatchSize: 20 });
    await writer.start();
    // 47 waiting: 20 + 20 (more than two batches each time), then 7 → 5 and 2.
    for (let n = 0; n < 47; n += 1) writer.enqueue(event(n));
    await writer.flush();
    expect(writer.stats()).toMatchObject({ written: 47, batches: 4, dropped: 0 });
    // 10 waiting (two batches, no backlog): batches of 5.
    for (let n = 47; n < 57; n += 1) writer.enqueue(event(n));
    await writer.flush();
    expect(writer.stats()).toMatchObject({ written: 57, batches: 6, dropped: 0 });
    await writer.close();
    const entries = await readBack(file);
    expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 57 }, (_, i) => i + 1));
    expect(metadataN(entries)).toEqual(Array.from({ length: 57 }, (_, i) => i));
    expect(await verifyChains(entries)).toMatchObject({ ok: true, entries: 57 });
  });

  it('commits 12 events in batches of 5 as 3 transactions, seq 1..12, verifiable', async () => {
    const file = newFile();
    const writer = writerOn(createAuditStore({ type: 'sqlite', database: file }), { batchSize: 5, maxBatchSize: 5 });
    await writer.start();
    for (let n = 0; n < 12; n += 1) writer.enqueue(event(n));
    await writer.flush();
    expect(writer.stats()).toMatchObject({ chainId: 'chain-1', queued: 0, written: 12, batches: 3, dropped: 0, writeFailures: 0, lastError: null });
    await writer.close();

    const entries = await readBack(file);
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(metadataN(entries)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(entries.every((entry) => entry.chainId === 'chain-1')).toBe(true);
    const report = await verifyChains(entries);
    expect(report).toMatchObject({ ok: true, entries: 12 });
  });

  it('stores redacted, not raw, values', async () => {
    const file = newFile();
    const writer = writerOn(createAuditStore({ type: 'sqlite', database: file }));
    await writer.start();
    writer.enqueue(
      event(1, {
        metadata: { note: 'mail alice@example.com', password: 'hunter2' },
        request: { headers: { authorization: 'Bearer secret-token', 'user-agent': 'curl/8' }, body: { card: '4111 1111 1111 1111' } },
        error: { name: 'Error', message: 'no user 123-45-6789' },
      }),
    );
    await writer.close();
    const text = JSON.stringify(await readBack(file));
    for (const raw of ['alice@example.com', 'hunter2', 'secret-token', '4111 1111 1111 1111', '123-45-6789']) expect(text).not.toContain(raw);
    expect(text).toContain('curl/8');
  });

  it('writes a full batch and a lone event on its own (size and delay triggers), without flush', async () => {
    const file = newFile();
    const writer = writerOn(createAuditStore({ type: 'sqlite', database: file }), { batchSize: 5, maxDelayMs: 10 });
    await writer.start();
    for (let n = 0; n < 5; n += 1) writer.enqueue(event(n));
    await waitFor(() => writer.stats().written === 5, 'the full batch');
    writer.enqueue(event(5));
    await waitFor(() => writer.stats().written === 6, 'the delayed single event');
    expect(writer.stats().batches).toBe(2);
    await writer.close();
    expect((await readBack(file)).map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('drains everything on close() and counts events that arrive afterwards as dropped, without throwing', async () => {
    const file = newFile();
    const writer = writerOn(createAuditStore({ type: 'sqlite', database: file }), { batchSize: 3, maxDelayMs: 60_000 });
    await writer.start();
    for (let n = 0; n < 7; n += 1) writer.enqueue(event(n));
    await writer.close();
    expect(writer.stats()).toMatchObject({ written: 7, queued: 0, dropped: 0 });
    expect(() => writer.enqueue(event(99))).not.toThrow();
    expect(writer.stats().dropped).toBe(1);
    await expect(writer.close()).resolves.toBeUndefined();
    const entries = await readBack(file);
    expect(metadataN(entries)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect((await verifyChains(entries)).ok).toBe(true);
  });

  it('continues the same chain from the stored head after a restart', async () => {
    const file = newFile();
    const first = writerOn(createAuditStore({ type: 'sqlite', database: file }), { chainId: 'api' });
    await first.start();
    for (let n = 0; n < 3; n += 1) first.enqueue(event(n));
    await first.close();
    const headBefore = (await readBack(file)).at(-1) as SealedEntry;

    const second = writerOn(createAuditStore({ type: 'sqlite', database: file }), { chainId: 'api' });
    await second.start();
    for (let n = 3; n < 5; n += 1) second.enqueue(event(n));
    await second.close();

    const entries = await readBack(file);
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries[3]?.prevHash).toBe(headBefore.hash);
    expect(metadataN(entries)).toEqual([0, 1, 2, 3, 4]);
    expect(await verifyChains(entries)).toMatchObject({ ok: true, chains: [{ chainId: 'api', entries: 5 }] });
  });

  it('keeps chains apart: another chain in the same file starts at seq 1', async () => {
    const file = newFile();
    for (const chainId of ['a', 'b']) {
      const writer = writerOn(createAuditStore({ type: 'sqlite', database: file }), { chainId });
      await writer.start();
      writer.enqueue(event(1));
      writer.enqueue(event(2));
      await writer.close();
    }
    const report = await verifyChains(await readBack(file));
    expect(report.ok).toBe(true);
    expect(report.chains.map((chain) => [chain.chainId, chain.headSeq])).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
  });

  it('never forks a chain shared by two writers on one file: a lost race re-seals from the new head', async () => {
    const file = newFile();
    const a = writerOn(createAuditStore({ type: 'sqlite', database: file }), { chainId: 'shared', batchSize: 4 });
    const b = writerOn(createAuditStore({ type: 'sqlite', database: file }), { chainId: 'shared', batchSize: 4 });
    await a.start();
    await b.start();
    // Alternate: each writer's cached head is stale whenever the other one wrote in between.
    let n = 0;
    for (let round = 0; round < 5; round += 1) {
      for (const writer of [a, b]) {
        const tag = writer === a ? 'A' : 'B';
        for (let i = 0; i < 3; i += 1) writer.enqueue(event(n, { metadata: { n, writer: tag } })), (n += 1);
        await writer.flush();
      }
    }
    expect(a.stats().conflicts + b.stats().conflicts).toBeGreaterThan(0);
    expect(a.stats().writeFailures + b.stats().writeFailures).toBe(0);
    expect(a.stats().written + b.stats().written).toBe(n);
    await a.close();
    await b.close();

    const entries = await readBack(file);
    expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    // Every event exactly once.
    expect([...metadataN(entries)].sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(await verifyChains(entries)).toMatchObject({ ok: true, chains: [{ chainId: 'shared', entries: n }] });
  });

  it('drops the oldest events when the queue is full, and counts them', async () => {
    const file = newFile();
    const logger = memoryLogger();
    const writer = writerOn(createAuditStore({ type: 'sqlite', database: file }), { maxQueue: 3, logger });
    // Not started yet: nothing is written, so the queue fills up.
    for (let n = 0; n < 5; n += 1) writer.enqueue(event(n));
    expect(writer.stats()).toMatchObject({ queued: 3, dropped: 2 });
    expect(logger.lines.some((line) => line.includes('queue full'))).toBe(true);
    await writer.start();
    await writer.flush();
    await writer.close();
    expect(metadataN(await readBack(file))).toEqual([2, 3, 4]);
  });

  it('drops an event that cannot be sealed, alone, and writes the rest of its batch', async () => {
    const file = newFile();
    const logger = memoryLogger();
    const writer = writerOn(createAuditStore({ type: 'sqlite', database: file }), { batchSize: 10, logger });
    await writer.start();
    writer.enqueue(event(0));
    writer.enqueue(event(1));
    // An invalid Date has no ISO form: building the entry throws (RangeError from toISOString).
    writer.enqueue(event(2, { timestamp: new Date(Number.NaN) }));
    writer.enqueue(event(3));
    writer.enqueue(event(4));
    await writer.flush();
    expect(writer.stats()).toMatchObject({ written: 4, dropped: 1, batches: 1, writeFailures: 0, queued: 0 });
    expect(logger.lines.some((line) => line.includes('could not be sealed'))).toBe(true);
    await writer.close();
    const entries = await readBack(file);
    expect(metadataN(entries)).toEqual([0, 1, 3, 4]);
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4]);
    expect((await verifyChains(entries)).ok).toBe(true);
  });

  it('drops an event whose timestamp has no 4-digit-year ISO form alone, instead of blocking its batch', async () => {
    // Year 10000 prints as "+010000-01-01T00:00:00.000Z": it seals, but the store refuses the row,
    // and a refused row used to fail (and retry) its whole batch forever.
    const file = newFile();
    const writer = writerOn(createAuditStore({ type: 'sqlite', database: file }), { closeTimeoutMs: 500 });
    await writer.start();
    writer.enqueue(event(0));
    writer.enqueue(event(1, { timestamp: new Date(Date.UTC(10000, 0, 1)) }));
    writer.enqueue(event(2));
    await writer.flush();
    expect(writer.stats()).toMatchObject({ written: 2, dropped: 1, writeFailures: 0 });
    await writer.close();
    expect(metadataN(await readBack(file))).toEqual([0, 2]);
  });

  it('stores filterable columns so that they verify after the round trip (long, NUL and lone-surrogate values)', async () => {
    const file = newFile();
    const writer = writerOn(createAuditStore({ type: 'sqlite', database: file }));
    await writer.start();
    writer.enqueue(event(0, { subjectId: 'x'.repeat(600), actor: { id: 'u', type: 't'.repeat(100) } }));
    writer.enqueue(event(1, { subjectId: 'nul\u0000byte', actor: { id: 'lone\ud800surrogate' } }));
    writer.enqueue(event(2, { subjectId: `${'y'.repeat(253)}😀tail`, resource: `${'r'.repeat(254)}😀` }));
    await writer.flush();
    expect(writer.stats()).toMatchObject({ written: 3, dropped: 0, writeFailures: 0 });
    await writer.close();
    const entries = await readBack(file);
    expect(entries).toHaveLength(3);
    for (const entry of entries) expect((entry.resource ?? '').length).toBeLessThanOrEqual(255);
    expect(await verifyChains(entries)).toMatchObject({ ok: true });
    for (const entry of entries) expect((entry.subjectId ?? '').length).toBeLessThanOrEqual(255);
    expect(entries[0]?.actorType).toHaveLength(64); // the actor_type column is VARCHAR(64)
    expect(entries[1]?.subjectId).toBe('nul\ufffdbyte');
    expect(entries[1]?.actorId).toBe('lone\ufffdsurrogate');
    expect(entries[2]?.subjectId?.endsWith('😀')).toBe(true); // 253 + 2 units fit
    expect(entries[2]?.resource?.endsWith('r\ufffd')).toBe(true); // the cut split the pair: repaired, not left lone
  });

  it('fails start() loudly when the store cannot start', async () => {
    // Read-only on a file that does not exist: the database refuses to open.
    const store = createAuditStore({ type: 'sqlite', database: newFile(), readOnly: true });
    const writer = writerOn(store);
    const failure: unknown = await writer.start().then(
      () => 'started',
      (error: unknown) => error,
    );
    // Compared by message: the driver's error class comes from a native module (another realm for `instanceof`).
    expect(String((failure as { message?: unknown }).message ?? failure)).toMatch(/unable to open|cannot open|does not exist|no such file/i);
    await writer.close();
  });

  it('rejects flush() before start() and a bad chainId', async () => {
    const file = newFile();
    const store = createAuditStore({ type: 'sqlite', database: file });
    await expect(writerOn(store).flush()).rejects.toThrow(AuditWriterStateError);
    expect(() => writerOn(store, { chainId: '' })).toThrow(AuditWriterStateError);
    expect(() => writerOn(store, { chainId: 'x'.repeat(129) })).toThrow(AuditWriterStateError);
    await store.close();
  });
});

/**
 * A FAKE in-memory store whose appends can be made to fail. It exists to test the writer's retry
 * logic (backoff, counters, recovery) — not storage, which the tests above do on real SQLite.
 */
class FakeFlakyStore implements AuditStore {
  readonly entries: SealedEntry[] = [];
  failing = true;
  appendCalls = 0;
  closed = false;

  async init(): Promise<void> {}

  async readHead(chainId: string): Promise<ChainHead | null> {
    const last = this.entries.filter((entry) => entry.chainId === chainId).at(-1);
    return last ? { chainId, seq: last.seq, hash: last.hash } : null;
  }

  async append(entries: readonly SealedEntry[]): Promise<void> {
    this.appendCalls += 1;
    if (this.failing) throw new Error('connect ECONNREFUSED (fake store is down)');
    for (const entry of entries) {
      if (this.entries.some((stored) => stored.chainId === entry.chainId && stored.seq === entry.seq)) throw new ChainConflictError(entry.chainId);
    }
    this.entries.push(...entries);
  }

  async *read(): AsyncIterable<SealedEntry> {
    yield* this.entries;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('AuditWriter retry logic (fake failing store)', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('never throws to the caller, counts failures, retries with growing backoff, and recovers', async () => {
    jest.useFakeTimers();
    const store = new FakeFlakyStore();
    const logger = memoryLogger();
    const writer = writerOn(store, { maxDelayMs: 50, logger });
    await writer.start();

    expect(() => writer.enqueue(event(0))).not.toThrow();
    writer.enqueue(event(1));
    await jest.advanceTimersByTimeAsync(50);
    expect(store.appendCalls).toBe(1);
    expect(writer.stats()).toMatchObject({ queued: 2, written: 0, writeFailures: 1 });
    expect(writer.stats().lastError).toContain('ECONNREFUSED');
    expect(logger.lines.some((line) => line.includes('append failed'))).toBe(true);

    // Backoff doubles: 100 ms, then 200 ms, then 400 ms.
    await jest.advanceTimersByTimeAsync(99);
    expect(store.appendCalls).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(store.appendCalls).toBe(2);
    await jest.advanceTimersByTimeAsync(199);
    expect(store.appendCalls).toBe(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(store.appendCalls).toBe(3);
    expect(writer.stats().writeFailures).toBe(3);

    // flush() while the store is down resolves instead of throwing; the events stay queued.
    await expect(writer.flush()).resolves.toBeUndefined();
    expect(writer.stats().queued).toBe(2);
    const failuresSoFar = writer.stats().writeFailures;

    store.failing = false;
    await jest.advanceTimersByTimeAsync(5_000);
    expect(writer.stats()).toMatchObject({ queued: 0, written: 2, batches: 1, lastError: null, writeFailures: failuresSoFar });
    expect(store.entries.map((entry) => entry.seq)).toEqual([1, 2]);
    expect((await verifyChains(store.entries)).ok).toBe(true);

    // After recovery the backoff starts over: a new failure is retried after 100 ms again.
    store.failing = true;
    const calls = store.appendCalls;
    writer.enqueue(event(2));
    await jest.advanceTimersByTimeAsync(50);
    expect(store.appendCalls).toBe(calls + 1);
    await jest.advanceTimersByTimeAsync(100);
    expect(store.appendCalls).toBe(calls + 2);
    store.failing = false;
    await writer.flush();
    expect(writer.stats().written).toBe(3);
  });

  it('caps the backoff at 5 s', async () => {
    jest.useFakeTimers();
    const store = new FakeFlakyStore();
    const writer = writerOn(store, { maxDelayMs: 1 });
    await writer.start();
    writer.enqueue(event(0));
    await jest.advanceTimersByTimeAsync(1);
    // 100, 200, 400, 800, 1600, 3200, then 5000 every time.
    await jest.advanceTimersByTimeAsync(100 + 200 + 400 + 800 + 1600 + 3200);
    const calls = store.appendCalls;
    expect(calls).toBe(7);
    await jest.advanceTimersByTimeAsync(4_999);
    expect(store.appendCalls).toBe(calls);
    await jest.advanceTimersByTimeAsync(1);
    expect(store.appendCalls).toBe(calls + 1);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(store.appendCalls).toBe(calls + 2);
    store.failing = false;
    await writer.flush();
  });

  it('gives up on close() after closeTimeoutMs: counts the unwritten events as dropped and still closes the store', async () => {
    const store = new FakeFlakyStore();
    const logger = memoryLogger();
    const writer = writerOn(store, { closeTimeoutMs: 300, logger });
    await writer.start();
    writer.enqueue(event(0));
    writer.enqueue(event(1));
    await expect(writer.close()).resolves.toBeUndefined();
    expect(writer.stats()).toMatchObject({ queued: 0, written: 0, dropped: 2 });
    expect(writer.stats().writeFailures).toBeGreaterThanOrEqual(1);
    expect(store.closed).toBe(true);
    expect(logger.lines.some((line) => line.includes('2 unwritten audit event(s)'))).toBe(true);
  });

  it('re-seals from the new head after a ChainConflictError instead of failing', async () => {
    const store = new FakeFlakyStore();
    store.failing = false;
    const writer = writerOn(store, { chainId: 'c' });
    await writer.start();
    writer.enqueue(event(0));
    await writer.flush();
    // Someone else appends seq 2 behind the writer's back.
    const other = writerOn(store, { chainId: 'c' });
    await other.start();
    other.enqueue(event(100));
    await other.flush();
    writer.enqueue(event(1));
    await writer.flush();
    expect(writer.stats()).toMatchObject({ conflicts: 1, written: 2, writeFailures: 0 });
    expect(store.entries.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect((await verifyChains(store.entries)).ok).toBe(true);
  });
});
