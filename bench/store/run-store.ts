/**
 * Store append (issue 6, benchmark 2): entries per second that the writer redacts, seals and
 * commits to PostgreSQL, against a raw multi-row INSERT (pg) of the very same rows into an
 * identical table without triggers or chain — same batch size, same database, rounds alternated
 * (the order flips every round) and the ratio taken within each round.
 *
 * The baseline is the fastest plain way we found to insert pre-built rows with a multi-row INSERT:
 * the rows' column values are ready (payload text included), the statement text is built once,
 * it runs as a named prepared statement (PostgreSQL parses and plans it once per connection) and
 * on its own, without BEGIN/COMMIT (one statement is atomic). The older baseline (a transaction
 * per batch, statement parsed every time) is printed too, for reference. The writer pays for
 * everything: redaction, canonical JSON, SHA-256, the store's checks, TypeORM's pool.
 *
 * `Node CPU` is the benchmark process's CPU time per entry over the timed section (the database's
 * work is not in it): the writer seals on the Node thread while PostgreSQL inserts the previous
 * batch, so its rate is bounded by this number, the raw INSERT by the database round trip.
 *
 * Two passes split the writer's Node CPU: redact + seal alone (no database), and the store's
 * `append()` alone (entries sealed beforehand, one store kept across rounds like the raw client,
 * transactions of 3 × batch as the writer sends them while a backlog waits). What the writer pays
 * beyond their sum is its own bookkeeping and the garbage collection of entries kept alive across
 * round trips (the batch in flight and the one sealed ahead).
 *
 * A third pass times `append()` alone on SQLite (a file in a temporary directory, opened as the
 * store opens it: WAL, `synchronous = FULL`), the floor of the HTTP benchmark's SQLite variants.
 * SQLite runs inside the Node process, so its CPU per entry is the whole database's work, B-tree
 * inserts into the table and its indexes, WAL writes and the commit's fsync (system time) included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  AuditWriter,
  AuditWriterThread,
  Redactor,
  buildEntry,
  createAuditStore,
  sealEntry,
  type AuditEvent,
  type ChainHead,
  type SealedEntry,
  type TypeOrmAuditStore,
} from 'sealed-audit';
import { median, procCpuUs, ratio, table } from '../lib/bench-report';

export interface StoreBenchOptions {
  entries: number;
  batchSize: number;
  rounds: number;
  pgAdminUrl: string;
}

const COLUMNS = ['chain_id', 'seq', 'v', 'ts', 'action', 'outcome', 'actor_id', 'actor_type', 'resource', 'subject_id', 'request_id', 'payload', 'prev_hash', 'hash'];
const HMAC_KEY = 'bench-key-0123456789abcdef01234567';

type Row = unknown[];

interface Sample {
  ms: number;
  cpuUs: number;
  /** CPU of this process's main thread alone (Linux /proc); NaN where it cannot be read. */
  mainCpuUs: number;
}

/** CPU time of this process's main thread (user + system), µs, from /proc; NaN elsewhere. */
function mainThreadCpuUs(): number {
  return procCpuUs(process.pid, process.pid);
}

function events(count: number): AuditEvent[] {
  const start = Date.now();
  return Array.from({ length: count }, (_, i) => ({
    timestamp: new Date(start + i),
    action: 'patient.update',
    outcome: 'success' as const,
    actor: { id: `u-${i % 50}`, type: 'user', roles: ['doctor'] },
    resource: 'patient',
    subjectId: `p-${i % 1000}`,
    requestId: `req-${i}`,
    http: { method: 'PATCH', route: '/patients/:id', status: 200, ip: '10.0.0.1', userAgent: 'bench/1.0', durationMs: 1.5 },
    request: { params: { id: `p-${i % 1000}` }, body: { ward: 'B4', phone: '+44 20 7946 0958', password: 'x' } },
  }));
}

/** The entries the writer would seal for `input`, sealed outside any timing. */
function presealed(input: AuditEvent[], chainId: string): SealedEntry[] {
  const redactor = new Redactor({ hmacKey: HMAC_KEY });
  let head: ChainHead | null = null;
  return input.map((event) => {
    const { sealed, head: next } = sealEntry(buildEntry(event, chainId, redactor), head);
    head = next;
    return sealed;
  });
}

/** The rows the writer would store for `input`, as column values, sealed outside any timing. */
function prebuiltRows(input: AuditEvent[], chainId: string): Row[] {
  return presealed(input, chainId).map((e) => [e.chainId, e.seq, e.v, e.ts, e.action, e.outcome, e.actorId, e.actorType, e.resource, e.subjectId, e.requestId, JSON.stringify(e.payload), e.prevHash, e.hash]);
}

/** `store.append()` alone: pre-sealed entries in transactions of `transactionSize`, one after the other. */
async function storeAppend(store: TypeOrmAuditStore, entries: SealedEntry[], transactionSize: number): Promise<Sample> {
  return timed(async () => {
    for (let i = 0; i < entries.length; i += transactionSize) await store.append(entries.slice(i, i + transactionSize));
  });
}

/**
 * Node CPU per entry of redact + seal alone, no database: the writer's Node-thread work that no
 * round trip can hide. Entries are dropped as they are made, as the writer drops a committed batch.
 */
function sealAloneCpuUs(input: AuditEvent[], chainId: string): number {
  const redactor = new Redactor({ hmacKey: HMAC_KEY });
  let head: ChainHead | null = null;
  const cpu = process.cpuUsage();
  for (const event of input) head = sealEntry(buildEntry(event, chainId, redactor), head).head;
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / input.length;
}

async function timed(work: () => Promise<void>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const main = mainThreadCpuUs();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, cpuUs: used.user + used.system, mainCpuUs: mainThreadCpuUs() - main };
}

function insertSql(table: string, rows: number): string {
  let n = 0;
  const tuples = Array.from({ length: rows }, () => `(${COLUMNS.map(() => `$${++n}`).join(', ')})`);
  return `INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`;
}

/**
 * The baseline: one prepared multi-row INSERT per batch, no transaction around it.
 * `transaction: true` is the former baseline: BEGIN, the statement parsed anew, COMMIT.
 */
async function rawInsert(client: Client, rows: Row[], batchSize: number, table: string, transaction: boolean): Promise<Sample> {
  const statements = new Map<number, string>();
  return timed(async () => {
    for (let i = 0; i < rows.length; i += batchSize) {
      const batch = rows.slice(i, i + batchSize);
      let sql = statements.get(batch.length);
      if (sql === undefined) statements.set(batch.length, (sql = insertSql(table, batch.length)));
      const params: unknown[] = [];
      for (const row of batch) for (const value of row) params.push(value);
      if (transaction) {
        await client.query('BEGIN');
        await client.query(sql, params);
        await client.query('COMMIT');
      } else {
        await client.query({ name: `raw_${table}_${batch.length}`, text: sql, values: params });
      }
    }
  });
}

async function writerAppend(url: string, input: AuditEvent[], batchSize: number, chainId: string): Promise<Sample> {
  const store = createAuditStore({ type: 'postgres', url });
  const writer = new AuditWriter(store, new Redactor({ hmacKey: HMAC_KEY }), {
    chainId,
    batchSize,
    maxQueue: input.length + 1,
    logger: { log: () => undefined, warn: () => undefined, error: (m) => console.error(m) },
  });
  await writer.start();
  const sample = await timed(async () => {
    for (const event of input) writer.enqueue(event);
    await writer.flush();
  });
  const { written, dropped } = writer.stats();
  await writer.close();
  if (written !== input.length || dropped !== 0) throw new Error(`writer wrote ${written}/${input.length}, dropped ${dropped}`);
  return sample;
}

/**
 * The same through `writerThread: true`: entries are built (redacted) on this thread, then sealed
 * and inserted by a worker thread with its own connection, so the two halves run in parallel.
 */
async function writerThreadAppend(url: string, input: AuditEvent[], batchSize: number, chainId: string): Promise<Sample> {
  const writer = new AuditWriterThread(
    { storage: { type: 'postgres', url }, chainId, durability: 'async', batch: { size: batchSize, maxQueue: input.length + 1 } },
    new Redactor({ hmacKey: HMAC_KEY }),
    { log: () => undefined, warn: () => undefined, error: (m) => console.error(m) },
  );
  await writer.start();
  // A new worker is a new V8 isolate with cold code: warm it like round 0 warms this thread's.
  for (const event of events(2_000)) writer.enqueue(event);
  await writer.flush();
  const warm = writer.stats().written;
  const sample = await timed(async () => {
    // Enqueued in slices with a turn of the event loop between them, as requests would arrive:
    // the posts to the worker overlap with its sealing and inserting.
    for (let i = 0; i < input.length; i += batchSize) {
      for (const event of input.slice(i, i + batchSize)) writer.enqueue(event);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writer.flush();
  });
  const { dropped } = writer.stats();
  const written = writer.stats().written - warm;
  await writer.close();
  if (written !== input.length || dropped !== 0) throw new Error(`writer thread wrote ${written}/${input.length}, dropped ${dropped}`);
  return sample;
}

/** What the store benchmark found: the Markdown report and the per-entry CPU floors it measured. */
export interface StoreBenchResult {
  report: string;
  /** Node CPU per entry of redact + seal alone (no database), µs. */
  sealAloneUs: number;
  /** Node CPU per entry of `store.append()` alone (entries sealed beforehand), µs. */
  appendAloneUs: number;
  /** The same on SQLite, where the database engine's own work is Node CPU too, µs. */
  sqliteAppendAloneUs: number;
}

export async function runStoreBench(options: StoreBenchOptions): Promise<StoreBenchResult> {
  const database = `sa_bench_store_${process.pid}`;
  const admin = new Client({ connectionString: options.pgAdminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(options.pgAdminUrl);
  url.pathname = `/${database}`;
  const client = new Client({ connectionString: url.toString() });
  let appendStore: TypeOrmAuditStore | undefined;
  let sqliteStore: TypeOrmAuditStore | undefined;
  const sqliteDir = mkdtempSync(join(tmpdir(), 'sa-bench-store-'));
  try {
    // Install the real schema, then identical tables without triggers (LIKE copies columns,
    // the primary key and indexes, not triggers).
    const installer = createAuditStore({ type: 'postgres', url: url.toString() });
    await installer.init();
    await installer.close();
    await client.connect();
    await client.query('CREATE TABLE audit_log_raw (LIKE audit_log INCLUDING ALL)');
    await client.query('CREATE TABLE audit_log_raw_txn (LIKE audit_log INCLUDING ALL)');
    // The store of the append-alone pass: created once, like the raw client (warm across rounds).
    appendStore = createAuditStore({ type: 'postgres', url: url.toString() });
    await appendStore.init();
    sqliteStore = createAuditStore({ type: 'sqlite', database: join(sqliteDir, 'audit.sqlite') });
    await sqliteStore.init();

    const samples = { raw: [] as Sample[], rawTxn: [] as Sample[], writer: [] as Sample[], thread: [] as Sample[], store: [] as Sample[], sqlite: [] as Sample[] };
    const ratios: number[] = [];
    const threadRatios: number[] = [];
    const sealCpu: number[] = [];
    // Round 0 warms up the JIT, the connections and the tables; it is not counted.
    for (let round = 0; round <= options.rounds; round += 1) {
      const count = round === 0 ? Math.min(options.entries, 2_000) : options.entries;
      const input = events(count);
      const raw = prebuiltRows(input, `raw-${round}`);
      const sealed = presealed(input, `store-${round}`);
      const sealedSqlite = presealed(input, `sqlite-${round}`);
      const runs: Array<[keyof typeof samples, () => Promise<Sample>]> = [
        ['raw', () => rawInsert(client, raw, options.batchSize, 'audit_log_raw', false)],
        ['rawTxn', () => rawInsert(client, raw, options.batchSize, 'audit_log_raw_txn', true)],
        ['writer', () => writerAppend(url.toString(), input, options.batchSize, `writer-${round}`)],
        ['thread', () => writerThreadAppend(url.toString(), input, options.batchSize, `thread-${round}`)],
        ['store', () => storeAppend(appendStore as TypeOrmAuditStore, sealed, 3 * options.batchSize)],
        ['sqlite', () => storeAppend(sqliteStore as TypeOrmAuditStore, sealedSqlite, 3 * options.batchSize)],
      ];
      if (round % 2 === 0) runs.reverse();
      const got: Partial<Record<keyof typeof samples, Sample>> = {};
      for (const [name, run] of runs) got[name] = await run();
      if (round === 0) continue;
      for (const name of Object.keys(samples) as Array<keyof typeof samples>) samples[name].push(got[name] as Sample);
      ratios.push((got.raw as Sample).ms / (got.writer as Sample).ms);
      threadRatios.push((got.raw as Sample).ms / (got.thread as Sample).ms);
      sealCpu.push(sealAloneCpuUs(input, `alone-${round}`));
    }
    const rate = (list: Sample[]) => options.entries / (median(list.map((s) => s.ms)) / 1000);
    const cpu = (list: Sample[]) => `${median(list.map((s) => s.cpuUs / options.entries)).toFixed(1)} µs`;
    const mainCpu = (list: Sample[]) => {
      const value = median(list.map((s) => s.mainCpuUs / options.entries));
      return Number.isNaN(value) ? 'n/a' : `${value.toFixed(1)} µs`;
    };
    const rawRate = rate(samples.raw);
    const perEntry = (list: Sample[]) => median(list.map((s) => s.cpuUs / options.entries));
    const sealAlone = median(sealCpu);
    const report = [
      `### Store append (PostgreSQL, ${options.entries} entries, batches of ${options.batchSize}, ${options.rounds} rounds alternated, median)`,
      '',
      table(
        ['variant', 'entries/s', 'vs raw INSERT', 'Node CPU / entry', 'main thread CPU / entry'],
        [
          ['raw multi-row INSERT (pg, pre-built rows, prepared, one statement per batch, no triggers, no chain)', rawRate.toFixed(0), '1.00×', cpu(samples.raw), mainCpu(samples.raw)],
          ['raw multi-row INSERT, BEGIN/INSERT/COMMIT, unprepared (the former baseline)', rate(samples.rawTxn).toFixed(0), ratio(rate(samples.rawTxn), rawRate), cpu(samples.rawTxn), mainCpu(samples.rawTxn)],
          ['sealed-audit writer (redact + seal + append-only store, pipelined)', rate(samples.writer).toFixed(0), ratio(rate(samples.writer), rawRate), cpu(samples.writer), mainCpu(samples.writer)],
          ['sealed-audit writerThread (redact here; seal + store in a worker)', rate(samples.thread).toFixed(0), ratio(rate(samples.thread), rawRate), cpu(samples.thread), mainCpu(samples.thread)],
          [`store.append() alone (entries sealed beforehand, transactions of ${3 * options.batchSize})`, rate(samples.store).toFixed(0), ratio(rate(samples.store), rawRate), cpu(samples.store), mainCpu(samples.store)],
          [`SQLite store.append() alone (file, WAL, synchronous=FULL; same entries and transactions)`, rate(samples.sqlite).toFixed(0), '-', cpu(samples.sqlite), mainCpu(samples.sqlite)],
        ],
      ),
      '',
      `writer ÷ raw within each round: ${ratios.map((r) => `${r.toFixed(2)}×`).join(', ')} (median ${median(ratios).toFixed(2)}×)`,
      `writerThread ÷ raw within each round: ${threadRatios.map((r) => `${r.toFixed(2)}×`).join(', ')} (median ${median(threadRatios).toFixed(2)}×)`,
      '',
      `redact + seal alone, no database: ${median(sealCpu).toFixed(1)} µs of Node CPU per entry ` +
        `(${(1e6 / median(sealCpu)).toFixed(0)} entries/s on a core of its own, ${ratio(1e6 / median(sealCpu), rawRate)} the raw INSERT); ` +
        'pipelined, the writer cannot beat its Node CPU per entry (the line above plus the INSERT’s own client-side cost).',
      `writer Node CPU per entry ${perEntry(samples.writer).toFixed(1)} µs = redact + seal alone ${sealAlone.toFixed(1)} + store.append() alone ` +
        `${perEntry(samples.store).toFixed(1)} + ${(perEntry(samples.writer) - sealAlone - perEntry(samples.store)).toFixed(1)} µs (writer bookkeeping, GC of entries alive across round trips).`,
    ].join('\n');
    return { report, sealAloneUs: sealAlone, appendAloneUs: perEntry(samples.store), sqliteAppendAloneUs: perEntry(samples.sqlite) };
  } finally {
    await appendStore?.close().catch(() => undefined);
    await sqliteStore?.close().catch(() => undefined);
    rmSync(sqliteDir, { recursive: true, force: true });
    await client.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}
