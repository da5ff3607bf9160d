import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { event, ns, quiet, SwitchedStore, tempPlaces, waitFor, writerFactory } from '../../../../../test/support/audit-writer';
import { readEntries } from '../../../../../test/support/stored-entries';
import { createAuditStore } from '../../typeorm';
import type { SealedEntry } from '../audit-event';
import { Redactor } from '../redaction/redactor';
import { verifyChains } from '../verify/chain-verifier';
import { buildEntry, DEFAULT_MAX_ENTRY_BYTES } from './audit-entry.builder';
import { AuditUnavailableError } from './audit-writer';

const { newFile, newDir } = tempPlaces('sealed-audit-spool-');
const writer = writerFactory('durability-spec-key');
const readBack = (file: string): Promise<SealedEntry[]> => readEntries({ type: 'sqlite', database: file });

const spoolFiles = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).filter((name) => name.endsWith('.spool.jsonl'));

describe('AuditWriter spool (async outage handling) on real SQLite', () => {
  it('spools sealed, redacted batches while the store is down and replays them in order before newer events', async () => {
    const file = newFile();
    const dir = newDir();
    const store = new SwitchedStore(createAuditStore({ type: 'sqlite', database: file }));
    const seen: number[] = [];
    const w = writer(store, { spool: { directory: dir }, hooks: [{ afterAppend: (entries) => entries.forEach((e) => seen.push(e.seq)) }] });
    await w.start();
    w.enqueue(event(0));
    await w.flush();
    store.down = true;
    for (let n = 1; n <= 12; n += 1) w.enqueue(event(n, n === 3 ? { metadata: { n, email: 'alice@example.com', password: 'hunter2' } } : {}));
    await waitFor(() => w.stats().spooledEntries === 12, '12 spooled entries');
    expect(w.stats()).toMatchObject({ circuit: 'open', queued: 0, written: 1 });
    expect(w.stats().spoolBytes).toBeGreaterThan(0);
    expect(seen).toEqual([1]); // the checkpointer hook sees nothing that is not in the store
    const spooled = spoolFiles(dir).map((name) => readFileSync(join(dir, name), 'utf8')).join('');
    expect(spooled).not.toContain('alice@example.com');
    expect(spooled).not.toContain('hunter2');

    store.down = false;
    for (let n = 13; n <= 15; n += 1) w.enqueue(event(n));
    await waitFor(() => w.stats().spooledEntries === 0 && w.stats().queued === 0, 'the replay');
    await w.flush();
    expect(w.stats()).toMatchObject({ written: 16, dropped: 0, circuit: 'closed', lastError: null });
    // Events that arrive while a replay runs go behind the spool (chain order), so they count as replayed too.
    expect(w.stats().replayed).toBeGreaterThanOrEqual(12);
    expect(w.stats().writeFailures).toBeGreaterThan(0);
    expect(seen).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    await w.close();
    expect(spoolFiles(dir)).toEqual([]);
    const entries = await readBack(file);
    expect(ns(entries)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(await verifyChains(entries)).toMatchObject({ ok: true, entries: 16 });
  });

  it('leaves the spool on disk when closing during an outage; the next start replays it exactly once, skipping what was already committed', async () => {
    const file = newFile();
    const dir = newDir();
    const first = new SwitchedStore(createAuditStore({ type: 'sqlite', database: file }));
    const a = writer(first, { spool: { directory: dir } });
    await a.start();
    first.down = true;
    for (let n = 0; n < 9; n += 1) a.enqueue(event(n));
    await a.close();
    expect(a.stats()).toMatchObject({ spooledEntries: 9, dropped: 0 });
    const [name] = spoolFiles(dir);
    const lines = readFileSync(join(dir, name as string), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as SealedEntry);
    // A crash after the commit of the first 4, before the spool was removed:
    const direct = createAuditStore({ type: 'sqlite', database: file });
    await direct.append(lines.slice(0, 4));
    await direct.close();

    const b = writer(new SwitchedStore(createAuditStore({ type: 'sqlite', database: file })), { spool: { directory: dir }, chainId: 'c1' });
    await b.start();
    b.enqueue(event(9));
    await b.flush();
    expect(b.stats()).toMatchObject({ spooledEntries: 0 });
    expect(b.stats().replayed).toBeGreaterThanOrEqual(5); // 4 of the 9 were already stored: skipped, not appended twice
    await b.close();
    const entries = await readBack(file);
    expect(ns(entries)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await verifyChains(entries)).toMatchObject({ ok: true, entries: 10 });
    expect(spoolFiles(dir)).toEqual([]);
  });

  it('re-seals spooled entries from the stored head when another writer appended to the same chain meanwhile', async () => {
    const file = newFile();
    const dir = newDir();
    const down = new SwitchedStore(createAuditStore({ type: 'sqlite', database: file }));
    const a = writer(down, { spool: { directory: dir }, chainId: 'shared' });
    await a.start();
    down.down = true;
    for (let n = 0; n < 6; n += 1) a.enqueue(event(n));
    await a.close();
    const other = writer(createAuditStore({ type: 'sqlite', database: file }), { chainId: 'shared' });
    await other.start();
    for (let n = 100; n < 103; n += 1) other.enqueue(event(n));
    await other.close();

    const logger = quiet();
    const b = writer(createAuditStore({ type: 'sqlite', database: file }), { spool: { directory: dir }, chainId: 'b', logger });
    await b.start();
    await b.flush();
    await b.close();
    expect(logger.lines.join('\n')).toContain('re-sealing');
    const entries = await readBack(file);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(ns(entries)).toEqual([100, 101, 102, 0, 1, 2, 3, 4, 5]);
    expect(await verifyChains(entries)).toMatchObject({ ok: true });
  });

  it('bounds the spool: past maxBytes new entries are dropped and counted, and the chain has no hole', async () => {
    const file = newFile();
    const dir = newDir();
    const store = new SwitchedStore(createAuditStore({ type: 'sqlite', database: file }));
    const logger = quiet();
    const w = writer(store, { spool: { directory: dir, maxBytes: 4000 }, logger });
    await w.start();
    store.down = true;
    for (let n = 0; n < 40; n += 1) w.enqueue(event(n));
    await waitFor(() => w.stats().queued === 0, 'the queue to be spooled or dropped');
    const { spooledEntries, spoolDropped, spoolBytes, dropped } = w.stats();
    expect(spooledEntries).toBeGreaterThan(0);
    expect(spoolDropped).toBe(40 - spooledEntries);
    expect(dropped).toBe(spoolDropped);
    expect(spoolBytes).toBeLessThanOrEqual(4000);
    expect(logger.lines.some((line) => line.includes('audit spool full'))).toBe(true);
    store.down = false;
    await w.flush();
    await w.close();
    const entries = await readBack(file);
    expect(entries).toHaveLength(spooledEntries);
    expect(ns(entries)).toEqual(Array.from({ length: spooledEntries }, (_, i) => i));
    expect(await verifyChains(entries)).toMatchObject({ ok: true });
  });

  it('without a spool, keeps events in memory and writes them once the store answers', async () => {
    const file = newFile();
    const store = new SwitchedStore(createAuditStore({ type: 'sqlite', database: file }));
    const w = writer(store);
    await w.start();
    store.down = true;
    for (let n = 0; n < 7; n += 1) w.enqueue(event(n));
    await w.flush();
    expect(w.stats()).toMatchObject({ queued: 7, spooledEntries: 0, written: 0 });
    store.down = false;
    await w.close();
    expect(ns(await readBack(file))).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('AuditWriter sync path (enqueueAndWait) on real SQLite', () => {
  it('resolves only once the entry is committed, and concurrent callers share one transaction', async () => {
    const file = newFile();
    const w = writer(createAuditStore({ type: 'sqlite', database: file }), { maxDelayMs: 60_000, batchSize: 100 });
    await w.start();
    await w.enqueueAndWait(event(0));
    expect(ns(await readBack(file))).toEqual([0]);
    const batchesBefore = w.stats().batches;
    await Promise.all(Array.from({ length: 20 }, (_, i) => w.enqueueAndWait(event(i + 1))));
    expect(w.stats().batches - batchesBefore).toBe(1);
    expect(w.stats().syncWaiting).toBe(0);
    expect(await readBack(file)).toHaveLength(21);
    await w.close();
  });

  it('rejects with AuditUnavailableError while the store is down; the entry is still written once, later', async () => {
    const file = newFile();
    const dir = newDir();
    const store = new SwitchedStore(createAuditStore({ type: 'sqlite', database: file }));
    const w = writer(store, { spool: { directory: dir } });
    await w.start();
    store.down = true;
    await expect(w.enqueueAndWait(event(1))).rejects.toBeInstanceOf(AuditUnavailableError);
    // Known down (open circuit): rejected at once, and spooled.
    await expect(w.enqueueAndWait(event(2))).rejects.toThrow(/audit trail is unavailable/);
    store.down = false;
    await w.flush();
    await w.enqueueAndWait(event(3));
    await w.close();
    const entries = await readBack(file);
    expect(ns(entries)).toEqual([1, 2, 3]);
    expect(await verifyChains(entries)).toMatchObject({ ok: true });
  });

  it('rejects without a spool too, and keeps the event queued', async () => {
    const file = newFile();
    const store = new SwitchedStore(createAuditStore({ type: 'sqlite', database: file }));
    const w = writer(store);
    await w.start();
    store.down = true;
    await expect(w.enqueueAndWait(event(1))).rejects.toBeInstanceOf(AuditUnavailableError);
    expect(w.stats()).toMatchObject({ queued: 1, syncWaiting: 0 });
    store.down = false;
    await w.close();
    expect(ns(await readBack(file))).toEqual([1]);
  });

  it('a sync entry spooled during a replay resolves when the replay commits it', async () => {
    const file = newFile();
    const dir = newDir();
    const store = new SwitchedStore(createAuditStore({ type: 'sqlite', database: file }));
    const a = writer(store, { spool: { directory: dir } });
    await a.start();
    store.down = true;
    for (let n = 0; n < 30; n += 1) a.enqueue(event(n));
    await a.close();
    const b = writer(createAuditStore({ type: 'sqlite', database: file }), { spool: { directory: dir }, batchSize: 3 });
    await b.start();
    await b.enqueueAndWait(event(30));
    expect((await readBack(file)).map((e) => (e.payload.metadata as { n: number }).n)).toContain(30);
    await b.close();
    const entries = await readBack(file);
    expect(ns(entries)).toEqual(Array.from({ length: 31 }, (_, i) => i));
    expect(await verifyChains(entries)).toMatchObject({ ok: true });
  });
});

describe('buildEntry: bounded entry size', () => {
  const redactor = new Redactor({ hmacKey: 'cap-key', maxStringLength: 100_000, maxNodes: 100_000, maxArrayLength: 100_000 });

  it('cuts the largest parts to a marker, lists them in payload.truncated, and the entry still seals', () => {
    const big = Array.from({ length: 2000 }, (_, i) => `value number ${i} `.repeat(5));
    const entry = buildEntry(
      { timestamp: new Date(), action: 'x', outcome: 'success', request: { body: { big }, query: { q: 'small' } }, metadata: { note: 'kept' } },
      'c',
      redactor,
      { maxEntryBytes: 8192 },
    );
    expect(Buffer.byteLength(JSON.stringify(entry.payload))).toBeLessThanOrEqual(8192);
    expect(entry.payload.truncated).toEqual({ 'request.body': expect.any(Number) });
    expect((entry.payload.request as { body: string }).body).toMatch(/^\[Truncated:entry \d+ bytes\]$/);
    expect(entry.payload.metadata).toEqual({ note: 'kept' });
  });

  it('leaves entries under the default cap untouched', () => {
    const entry = buildEntry({ timestamp: new Date(), action: 'x', outcome: 'success', metadata: { a: 1 } }, 'c', redactor);
    expect(entry.payload).toEqual({ metadata: { a: 1 } });
    expect(DEFAULT_MAX_ENTRY_BYTES).toBe(65_536);
  });
});
