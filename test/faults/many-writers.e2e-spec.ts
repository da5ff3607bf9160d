import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAuditStore, verifyChains, type AuditStorageOptions } from 'sealed-audit';
import { buildLibrary, repoScratchDir } from '../support/built-library';
import { createTempMariaDbDatabase, type TempMariaDbDatabase } from '../support/mariadb';
import { createTempPostgresDatabase, type TempPostgresDatabase } from '../support/postgres';
import { tempSqlitePath } from '../support/sqlite';
import { readEntries } from '../support/stored-entries';

/**
 * Several OS processes append to one database at the same time, through the published build of
 * the library: per-process chains (the default) and one chain shared by every process (a lost
 * race on (chain_id, seq) is retried from the new head, never forked). Nothing may be lost or
 * duplicated, and every chain must verify.
 */
const WRITER = `
const { AuditWriter, Redactor, createAuditStore } = require(process.env.SEALED_AUDIT_LIB);
const [storageJson, chainId, tag, countText] = process.argv.slice(2);
const count = Number(countText);
(async () => {
  const store = createAuditStore(JSON.parse(storageJson));
  const quiet = { log() {}, warn() {}, error: (m) => process.stderr.write(m + '\\n') };
  const writer = new AuditWriter(store, new Redactor({ hmacKey: 'many-writers-key-0123456789abcdef' }), {
    chainId, batchSize: 100, maxDelayMs: 5, maxQueue: count + 1, closeTimeoutMs: 120000, logger: quiet,
  });
  await writer.start();
  for (let i = 0; i < count; i += 1) {
    writer.enqueue({ timestamp: new Date(), action: 'load.write', outcome: 'success', requestId: tag + '-' + i,
      actor: { id: tag }, metadata: { i } });
    // Yield now and then so batches of different processes interleave for real.
    if (i % 250 === 249) await new Promise((resolve) => setImmediate(resolve));
  }
  await writer.close();
  process.stdout.write(JSON.stringify(writer.stats()));
})().catch((error) => { console.error(error); process.exit(1); });
`;

interface WriterResult {
  written: number;
  dropped: number;
  conflicts: number;
}

function runWriter(script: string, lib: string, storage: AuditStorageOptions, chainId: string, tag: string, count: number): Promise<WriterResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify(storage), chainId, tag, String(count)], {
      env: { ...process.env, SEALED_AUDIT_LIB: lib },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as WriterResult) : reject(new Error(`writer ${tag} exited ${code}: ${err}`))));
  });
}

describe('many writer processes on one database', () => {
  let lib: string;
  let scratch: string;
  let script: string;
  let pg: TempPostgresDatabase;
  let maria: TempMariaDbDatabase;

  beforeAll(async () => {
    lib = buildLibrary();
    scratch = repoScratchDir('many-writers');
    script = join(scratch, 'writer.cjs');
    writeFileSync(script, WRITER);
    pg = await createTempPostgresDatabase();
    maria = await createTempMariaDbDatabase();
  }, 120_000);

  afterAll(async () => {
    await pg?.drop();
    await maria?.drop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const cases: Array<[string, () => AuditStorageOptions, 'own' | 'shared', number]> = [
    ['PostgreSQL, 4 processes × 10 000, a chain each', () => ({ type: 'postgres', url: pg.url }), 'own', 10_000],
    ['PostgreSQL, 4 processes × 2 500, one shared chain', () => ({ type: 'postgres', url: pg.url }), 'shared', 2_500],
    ['MariaDB, 4 processes × 10 000, a chain each', () => ({ type: 'mariadb', url: maria.url }), 'own', 10_000],
    ['MariaDB, 4 processes × 2 500, one shared chain', () => ({ type: 'mariadb', url: maria.url }), 'shared', 2_500],
    ['SQLite file, 4 processes × 10 000, a chain each', () => ({ type: 'sqlite', database: tempSqlitePath() }), 'own', 10_000],
    ['SQLite file, 4 processes × 2 500, one shared chain', () => ({ type: 'sqlite', database: tempSqlitePath() }), 'shared', 2_500],
  ];

  it.each(cases)('%s: no loss, no duplicate, no fork', async (_name, makeStorage, chains, perProcess) => {
    const storage = makeStorage();
    const run = `${chains}-${Date.now().toString(36)}`;
    // The schema exists before the race (as after a deploy): creating it is not what is tested here.
    const installer = createAuditStore(storage);
    await installer.init();
    await installer.close();

    const tags = ['w1', 'w2', 'w3', 'w4'].map((w) => `${run}-${w}`);
    const results = await Promise.all(tags.map((tag) => runWriter(script, lib, storage, chains === 'own' ? tag : `${run}-shared`, tag, perProcess)));
    for (const result of results) expect(result).toMatchObject({ written: perProcess, dropped: 0 });
    if (chains === 'shared') expect(results.reduce((sum, r) => sum + r.conflicts, 0)).toBeGreaterThan(0);

    const mine = (await readEntries(storage)).filter((entry) => entry.chainId.startsWith(run));
    expect(mine).toHaveLength(4 * perProcess);
    const ids = new Set(mine.map((entry) => entry.requestId));
    expect(ids.size).toBe(4 * perProcess);
    for (const tag of tags) for (const i of [0, perProcess - 1]) expect(ids.has(`${tag}-${i}`)).toBe(true);

    const report = await verifyChains(mine);
    expect(report.ok).toBe(true);
    expect(report.chains).toHaveLength(chains === 'own' ? 4 : 1);
    for (const chain of report.chains) expect(chain.headSeq).toBe(chain.entries);
  }, 240_000);
});
