/**
 * Store append (issue 6, benchmark 2): entries per second that the writer redacts, seals and
 * commits to PostgreSQL, against a raw multi-row INSERT (pg, one transaction per batch) of the
 * very same rows into an identical table without triggers or chain — same batch size, same
 * database, rounds alternated. The raw side gets its rows pre-built for free; the writer pays for
 * everything (redaction, canonical JSON, SHA-256, TypeORM).
 */
import { Client } from 'pg';
import { AuditWriter, Redactor, buildEntry, createAuditStore, sealEntry, type AuditEvent, type ChainHead, type SealedEntry } from 'sealed-audit';
import { median, ratio, table } from '../lib/bench-report';

export interface StoreBenchOptions {
  entries: number;
  batchSize: number;
  rounds: number;
  pgAdminUrl: string;
}

const COLUMNS = ['chain_id', 'seq', 'v', 'ts', 'action', 'outcome', 'actor_id', 'actor_type', 'resource', 'subject_id', 'request_id', 'payload', 'prev_hash', 'hash'];

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

function rowValues(entry: SealedEntry): unknown[] {
  return [entry.chainId, entry.seq, entry.v, entry.ts, entry.action, entry.outcome, entry.actorId, entry.actorType, entry.resource, entry.subjectId, entry.requestId, JSON.stringify(entry.payload), entry.prevHash, entry.hash];
}

async function rawInsert(client: Client, rows: SealedEntry[], batchSize: number, table: string): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < rows.length; i += batchSize) {
    const batch = rows.slice(i, i + batchSize);
    const params: unknown[] = [];
    const tuples = batch.map((row) => {
      const values = rowValues(row);
      const placeholders = values.map((value) => `$${params.push(value)}`);
      return `(${placeholders.join(', ')})`;
    });
    await client.query('BEGIN');
    await client.query(`INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, params);
    await client.query('COMMIT');
  }
  return performance.now() - started;
}

async function writerAppend(url: string, input: AuditEvent[], batchSize: number, chainId: string): Promise<number> {
  const store = createAuditStore({ type: 'postgres', url });
  const writer = new AuditWriter(store, new Redactor({ hmacKey: 'bench-key-0123456789abcdef01234567' }), {
    chainId,
    batchSize,
    maxQueue: input.length + 1,
    logger: { log: () => undefined, warn: () => undefined, error: (m) => console.error(m) },
  });
  await writer.start();
  const started = performance.now();
  for (const event of input) writer.enqueue(event);
  await writer.flush();
  const elapsed = performance.now() - started;
  const { written, dropped } = writer.stats();
  await writer.close();
  if (written !== input.length || dropped !== 0) throw new Error(`writer wrote ${written}/${input.length}, dropped ${dropped}`);
  return elapsed;
}

export async function runStoreBench(options: StoreBenchOptions): Promise<string> {
  const database = `sa_bench_store_${process.pid}`;
  const admin = new Client({ connectionString: options.pgAdminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(options.pgAdminUrl);
  url.pathname = `/${database}`;
  const client = new Client({ connectionString: url.toString() });
  try {
    // Install the real schema, then an identical table without triggers (LIKE copies columns,
    // the primary key and indexes, not triggers).
    const installer = createAuditStore({ type: 'postgres', url: url.toString() });
    await installer.init();
    await installer.close();
    await client.connect();
    await client.query('CREATE TABLE audit_log_raw (LIKE audit_log INCLUDING ALL)');

    const rawMs: number[] = [];
    const writerMs: number[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      const input = events(options.entries);
      const redactor = new Redactor({ hmacKey: 'bench-key-0123456789abcdef01234567' });
      let head: ChainHead | null = null;
      const rows = input.map((event) => {
        const sealed = sealEntry(buildEntry(event, `raw-${round}`, redactor), head);
        head = sealed.head;
        return sealed.sealed;
      });
      rawMs.push(await rawInsert(client, rows, options.batchSize, 'audit_log_raw'));
      writerMs.push(await writerAppend(url.toString(), input, options.batchSize, `writer-${round}`));
    }
    const rawRate = options.entries / (median(rawMs) / 1000);
    const writerRate = options.entries / (median(writerMs) / 1000);
    return [
      `### Store append (PostgreSQL, ${options.entries} entries, batches of ${options.batchSize}, ${options.rounds} rounds, median)`,
      '',
      table(
        ['variant', 'entries/s', 'vs raw INSERT'],
        [
          ['raw multi-row INSERT (pg, pre-built rows, no triggers, no chain)', rawRate.toFixed(0), '1.00×'],
          ['sealed-audit writer (redact + seal + TypeORM insert, append-only table)', writerRate.toFixed(0), ratio(writerRate, rawRate)],
        ],
      ),
    ].join('\n');
  } finally {
    await client.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}
