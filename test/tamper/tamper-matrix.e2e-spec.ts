/**
 * The tamper matrix of issue 4: an attacker with full rights on the database (drops the
 * append-only triggers, even the primary key) but without the signing key. Each attack must be
 * detected with the right kind at the right (chain, seq), on SQLite, PostgreSQL and MariaDB; an untouched
 * trail must pass. Cases 5 (cut-off tail) and 10 (consistent rewrite) and 12 (replaced key) show
 * what needs the anchor / the public key: they pass without and fail with.
 *
 * Real databases, real Ed25519 keys, the real writer + checkpointer; the verifier runs through the
 * CLI (`runCli`) exactly as an operator would run it.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AUDIT_APPEND_ONLY_TABLES,
  AuditWriter,
  Checkpointer,
  FileAnchorSink,
  Redactor,
  computeCheckpointHash,
  checkpointMessage,
  createAuditStore,
  createEd25519Signer,
  generateSigningKeyPair,
  sealEntry,
  type AuditLogger,
  type AuditStorageOptions,
  type ChainHead,
  type SealedEntry,
  type StoredCheckpoint,
  type VerificationReport,
} from 'sealed-audit';
import { runCli } from '../../libs/sealed-audit/src/cli/run-cli';
import { createTempMariaDbDatabase, runMariaDbSql } from '../support/mariadb';
import { createTempPostgresDatabase, runPostgresSql } from '../support/postgres';
import { removeTempSqlite, tempSqlitePath } from '../support/sqlite';

/** Chains and their lengths: several chains, many checkpoints (every 5 entries, batches of 3). */
const CHAINS = { alpha: 23, beta: 17, gamma: 12 } as const;
const quiet: AuditLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** The attacker's view of a database: raw SQL with full rights. */
interface Target {
  /** What the CLI's --database takes. */
  database: string;
  storage: AuditStorageOptions;
  exec(sql: string): Promise<void>;
  rows<T>(sql: string): Promise<T[]>;
  dropPrimaryKey(): Promise<void>;
  cleanup(): Promise<void>;
}

async function sqliteTarget(): Promise<Target> {
  const file = tempSqlitePath();
  const withDb = <T>(work: (db: Database.Database) => T): T => {
    const db = new Database(file);
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  return {
    database: file,
    storage: { type: 'sqlite', database: file },
    exec: async (sql) => withDb((db) => void db.exec(sql)),
    rows: async <T>(sql: string) => withDb((db) => db.prepare(sql).all() as T[]),
    // SQLite cannot drop a primary key: the attacker rebuilds the table without one.
    dropPrimaryKey: async () =>
      withDb(
        (db) =>
          void db.exec(
            'CREATE TABLE audit_log_copy AS SELECT * FROM audit_log; DROP TABLE audit_log; ALTER TABLE audit_log_copy RENAME TO audit_log;',
          ),
      ),
    cleanup: async () => removeTempSqlite(file),
  };
}

async function postgresTarget(): Promise<Target> {
  const db = await createTempPostgresDatabase();
  return {
    database: db.url,
    storage: { type: 'postgres', url: db.url },
    exec: async (sql) => void (await runPostgresSql(db.url, sql)),
    rows: async <T>(sql: string) => (await runPostgresSql(db.url, sql)) as T[],
    dropPrimaryKey: async () => void (await runPostgresSql(db.url, 'ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey')),
    cleanup: () => db.drop(),
  };
}

async function mariadbTarget(): Promise<Target> {
  const db = await createTempMariaDbDatabase();
  return {
    database: db.url,
    storage: { type: 'mariadb', url: db.url },
    exec: async (sql) => void (await runMariaDbSql(db.url, sql)),
    rows: async <T>(sql: string) => (await runMariaDbSql(db.url, sql)) as T[],
    dropPrimaryKey: async () => void (await runMariaDbSql(db.url, 'ALTER TABLE audit_log DROP PRIMARY KEY')),
    cleanup: () => db.drop(),
  };
}

/** What every case gets: a fresh database with an intact, checkpointed, anchored trail. */
interface Trail {
  target: Target;
  anchorFile: string;
  publicKeyFile: string;
  /** Checkpoint tree sizes of alpha, oldest first. */
  alphaCheckpointSizes: number[];
}

const work = mkdtempSync(join(tmpdir(), 'sealed-audit-tamper-'));
const genuine = generateSigningKeyPair();
const genuinePublicKeyFile = join(work, 'genuine.pub');
writeFileSync(genuinePublicKeyFile, genuine.publicKeyPem);
afterAll(() => rmSync(work, { recursive: true, force: true }));

let trailCounter = 0;

/** Writes the trail as three processes would: one writer + checkpointer per chain, one anchor file. */
async function buildTrail(target: Target): Promise<Trail> {
  const anchorFile = join(work, `anchor-${++trailCounter}.jsonl`);
  const signer = createEd25519Signer(genuine.privateKeyPem);
  for (const [chainId, count] of Object.entries(CHAINS)) {
    const store = createAuditStore(target.storage);
    const checkpointer = new Checkpointer(store, { signer, anchor: new FileAnchorSink(anchorFile), everyEntries: 5, intervalMs: 0, logger: quiet });
    const writer = new AuditWriter(store, new Redactor({ hmacKey: 'tamper-matrix' }), {
      chainId,
      batchSize: 3,
      maxDelayMs: 0,
      logger: quiet,
      hooks: [checkpointer.hook],
    });
    await writer.start();
    await checkpointer.start();
    for (let n = 1; n <= count; n += 1) {
      writer.enqueue({
        timestamp: new Date(Date.UTC(2025, 4, 6, 7, 8, 9, n)),
        action: n % 4 === 0 ? 'patient.update' : 'patient.read',
        outcome: 'success',
        actor: { id: `user-${n % 3}` },
        resource: 'patient',
        subjectId: `patient-${n % 5}`,
        metadata: { n },
      });
      if (n % 3 === 0) {
        await writer.flush();
        await checkpointer.settled(); // deterministic checkpoint sizes: every 5+ entries, at batch ends
      }
    }
    await writer.close(); // flushes, then the checkpointer signs the final head and closes the anchor
  }
  const sizes = await target.rows<{ tree_size: number | string }>(`SELECT tree_size FROM audit_checkpoint WHERE chain_id = 'alpha' ORDER BY seq`);
  return { target, anchorFile, publicKeyFile: genuinePublicKeyFile, alphaCheckpointSizes: sizes.map((row) => Number(row.tree_size)) };
}

/** Drops every append-only trigger, as an owner or superuser can. */
async function dropGuards(target: Target): Promise<void> {
  for (const { table, guards } of AUDIT_APPEND_ONLY_TABLES) {
    const type = 'type' in target.storage ? target.storage.type : undefined;
    if (type === 'sqlite') {
      await target.exec(`DROP TRIGGER IF EXISTS ${guards.sqliteUpdateTrigger}; DROP TRIGGER IF EXISTS ${guards.sqliteDeleteTrigger};`);
    } else if (type === 'mariadb') {
      await target.exec(`DROP TRIGGER IF EXISTS ${guards.mariadbUpdateTrigger}; DROP TRIGGER IF EXISTS ${guards.mariadbDeleteTrigger}`);
    } else {
      await target.exec(`DROP TRIGGER IF EXISTS ${guards.postgresRowTrigger} ON ${table}; DROP TRIGGER IF EXISTS ${guards.postgresTruncateTrigger} ON ${table}`);
    }
  }
}

/** The attacker's own connection through the library (full rights, no schema install). */
async function withAttackerStore<T>(target: Target, work: (store: ReturnType<typeof createAuditStore>) => Promise<T>): Promise<T> {
  const store = createAuditStore({ ...target.storage, install: false } as AuditStorageOptions);
  try {
    await store.init();
    return await work(store);
  } finally {
    await store.close();
  }
}

type Mode = 'bare' | 'public-key' | 'anchor' | 'both';

async function verify(trail: Trail, mode: Mode): Promise<{ code: number; report: VerificationReport; err: string }> {
  const args = ['verify', '--database', trail.target.database, '--json'];
  if (mode === 'public-key' || mode === 'both') args.push('--public-key', trail.publicKeyFile);
  if (mode === 'anchor' || mode === 'both') args.push('--anchor', trail.anchorFile);
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  if (code === 2) throw new Error(`verify failed to run: ${err.join('\n')}`);
  return { code, report: JSON.parse(out.join('\n')) as VerificationReport, err: err.join('\n') };
}

async function expectIntact(trail: Trail, mode: Mode): Promise<VerificationReport> {
  const { code, report } = await verify(trail, mode);
  expect(report.firstProblem).toBeUndefined();
  expect(code).toBe(0);
  return report;
}

async function expectDetected(trail: Trail, mode: Mode, expected: { chainId: string; seq: number; kind: string }): Promise<VerificationReport> {
  const { code, report } = await verify(trail, mode);
  expect(report.firstProblem).toMatchObject(expected);
  expect(code).toBe(1);
  return report;
}

/** Re-seals `entries` (one chain, from some seq on) after `head`, applying `edit` to each first. */
function reseal(entries: SealedEntry[], head: ChainHead, edit: (entry: SealedEntry) => Partial<SealedEntry>): SealedEntry[] {
  const out: SealedEntry[] = [];
  let current = head;
  for (const entry of entries) {
    const { seq: _seq, hash: _hash, prevHash: _prev, ...fields } = { ...entry, ...edit(entry) };
    const sealed = sealEntry(fields, current);
    out.push(sealed.sealed);
    current = sealed.head;
  }
  return out;
}

async function readChain(store: ReturnType<typeof createAuditStore>, chainId: string): Promise<SealedEntry[]> {
  const entries: SealedEntry[] = [];
  for await (const entry of store.read({ chainId })) entries.push(entry);
  return entries;
}

describe.each([
  ['sqlite', sqliteTarget],
  ['postgres', postgresTarget],
  ['mariadb', mariadbTarget],
] as const)('tamper matrix on %s', (_name, makeTarget) => {
  const targets: Target[] = [];
  // One database (or file) per attack: dropping them all takes seconds on a loaded machine.
  afterAll(async () => {
    for (const target of targets) await target.cleanup();
  }, 120_000);

  async function freshTrail(): Promise<Trail> {
    const target = await makeTarget();
    targets.push(target);
    return buildTrail(target);
  }

  it('an untouched trail passes in every mode: 0 false positives after many checkpoints across several chains', async () => {
    const trail = await freshTrail();
    expect(trail.alphaCheckpointSizes).toEqual([6, 12, 18, 23]);
    for (const mode of ['bare', 'public-key', 'anchor', 'both'] as const) {
      const report = await expectIntact(trail, mode);
      expect(report.entries).toBe(CHAINS.alpha + CHAINS.beta + CHAINS.gamma);
      expect(report.checkpoints).toBe(9); // alpha 6/12/18/23, beta 6/12/17, gamma 6/12
      expect(report.chains.map((chain) => [chain.chainId, chain.entries, chain.signedSize])).toEqual([
        ['alpha', CHAINS.alpha, CHAINS.alpha],
        ['beta', CHAINS.beta, CHAINS.beta],
        ['gamma', CHAINS.gamma, CHAINS.gamma],
      ]);
      if (mode === 'anchor' || mode === 'both') expect(report.chains.every((chain) => chain.anchoredSize === chain.entries)).toBe(true);
      expect(report.trust).toBe(mode === 'public-key' || mode === 'both' ? 'public-keys' : 'stored-keys');
    }
  });

  it('(1) an edited payload field: modified at that entry', async () => {
    const trail = await freshTrail();
    await dropGuards(trail.target);
    await trail.target.exec(`UPDATE audit_log SET payload = '{"metadata":{"n":800}}' WHERE chain_id = 'alpha' AND seq = 8`);
    for (const mode of ['bare', 'both'] as const) await expectDetected(trail, mode, { chainId: 'alpha', seq: 8, kind: 'modified' });
  });

  it('(2) an edited indexed column only (actor_id): modified at that entry', async () => {
    const trail = await freshTrail();
    await dropGuards(trail.target);
    await trail.target.exec(`UPDATE audit_log SET actor_id = 'mallory' WHERE chain_id = 'beta' AND seq = 11`);
    for (const mode of ['bare', 'both'] as const) await expectDetected(trail, mode, { chainId: 'beta', seq: 11, kind: 'modified' });
  });

  it('(3) an edited stored hash: modified at that entry', async () => {
    const trail = await freshTrail();
    await dropGuards(trail.target);
    await trail.target.exec(`UPDATE audit_log SET hash = '${'f'.repeat(64)}' WHERE chain_id = 'alpha' AND seq = 8`);
    for (const mode of ['bare', 'both'] as const) await expectDetected(trail, mode, { chainId: 'alpha', seq: 8, kind: 'modified' });
  });

  it('(4) a deleted middle row: missing at its seq', async () => {
    const trail = await freshTrail();
    await dropGuards(trail.target);
    await trail.target.exec(`DELETE FROM audit_log WHERE chain_id = 'gamma' AND seq = 6`);
    for (const mode of ['bare', 'both'] as const) await expectDetected(trail, mode, { chainId: 'gamma', seq: 6, kind: 'missing' });
  });

  it('(5) a deleted tail: passes without the anchor, truncated with it (and caught anyway if the checkpoints are left)', async () => {
    const trail = await freshTrail();
    await dropGuards(trail.target);
    // Careless: only the entries. The stored checkpoints still cover them.
    await trail.target.exec(`DELETE FROM audit_log WHERE chain_id = 'alpha' AND seq >= 20`);
    await expectDetected(trail, 'bare', { chainId: 'alpha', seq: 20, kind: 'truncated' });
    // Thorough: the checkpoints that cover the removed entries go too.
    await trail.target.exec(`DELETE FROM audit_checkpoint WHERE chain_id = 'alpha' AND tree_size >= 20`);
    await expectIntact(trail, 'bare');
    await expectIntact(trail, 'public-key'); // the remaining checkpoints are genuine: only the anchor knows the tail existed
    for (const mode of ['anchor', 'both'] as const) {
      const report = await expectDetected(trail, mode, { chainId: 'alpha', seq: 20, kind: 'truncated' });
      expect(report.firstProblem?.detail).toContain(`covers ${CHAINS.alpha} entries but the database holds 19`);
    }
  });

  it('(6) two rows swapped: reordered at the first of them', async () => {
    const trail = await freshTrail();
    await dropGuards(trail.target);
    await trail.target.exec(`UPDATE audit_log SET seq = -1 WHERE chain_id = 'alpha' AND seq = 8`);
    await trail.target.exec(`UPDATE audit_log SET seq = 8 WHERE chain_id = 'alpha' AND seq = 9`);
    await trail.target.exec(`UPDATE audit_log SET seq = 9 WHERE chain_id = 'alpha' AND seq = -1`);
    for (const mode of ['bare', 'both'] as const) await expectDetected(trail, mode, { chainId: 'alpha', seq: 8, kind: 'reordered' });
  });

  it('(7) a forged row inserted (correctly hashed, later rows renumbered): inserted at its seq', async () => {
    const trail = await freshTrail();
    await dropGuards(trail.target);
    await trail.target.exec(`UPDATE audit_log SET seq = seq + 1000000 WHERE chain_id = 'alpha' AND seq >= 8`);
    await trail.target.exec(`UPDATE audit_log SET seq = seq - 1000000 + 1 WHERE chain_id = 'alpha' AND seq >= 1000000`);
    await withAttackerStore(trail.target, async (store) => {
      const [seventh] = (await readChain(store, 'alpha')).filter((entry) => entry.seq === 7);
      const forged = sealEntry(
        { ...(seventh as SealedEntry), actorId: 'mallory', action: 'patient.export', requestId: 'forged' },
        { chainId: 'alpha', seq: 7, hash: (seventh as SealedEntry).hash },
      ).sealed;
      await store.append([forged]);
    });
    for (const mode of ['bare', 'both'] as const) await expectDetected(trail, mode, { chainId: 'alpha', seq: 8, kind: 'inserted' });
  });

  it('(8) a duplicated seq (primary key dropped): duplicate at that seq', async () => {
    const trail = await freshTrail();
    await dropGuards(trail.target);
    await trail.target.dropPrimaryKey();
    await trail.target.exec(`INSERT INTO audit_log SELECT * FROM audit_log WHERE chain_id = 'beta' AND seq = 9`);
    for (const mode of ['bare', 'both'] as const) await expectDetected(trail, mode, { chainId: 'beta', seq: 9, kind: 'duplicate' });
  });

  it('(9) a row moved to another chain: missing where it was, inserted where it landed', async () => {
    const trail = await freshTrail();
    await dropGuards(trail.target);
    await trail.target.exec(`UPDATE audit_log SET chain_id = 'beta', seq = ${CHAINS.beta + 1} WHERE chain_id = 'alpha' AND seq = 8`);
    for (const mode of ['bare', 'both'] as const) {
      const report = await expectDetected(trail, mode, { chainId: 'alpha', seq: 8, kind: 'missing' });
      expect(report.chains.find((chain) => chain.chainId === 'beta')?.problem).toMatchObject({
        chainId: 'beta',
        seq: CHAINS.beta + 1,
        kind: 'inserted',
        detail: expect.stringContaining('entry 8 of chain "alpha"'),
      });
    }
  });

  it('(10) the whole trail rewritten consistently and re-signed with the attacker\'s key: passes without, fails with the public key or the anchor', async () => {
    const trail = await freshTrail();
    await dropGuards(trail.target);
    const attacker = generateSigningKeyPair();
    await withAttackerStore(trail.target, async (store) => {
      const alpha = await readChain(store, 'alpha');
      const seventh = alpha[6] as SealedEntry;
      const rewritten = reseal(alpha.slice(7), { chainId: 'alpha', seq: 7, hash: seventh.hash }, (entry) =>
        entry.seq === 8 ? { actorId: 'someone-else' } : {},
      );
      await trail.target.exec(`DELETE FROM audit_log WHERE chain_id = 'alpha' AND seq >= 8`);
      await store.append(rewritten);
      // Without the key, the genuine checkpoints cannot be kept: replace them all with the attacker's.
      await trail.target.exec('DELETE FROM audit_checkpoint');
      await trail.target.exec('DELETE FROM audit_signing_key');
      const forger = new Checkpointer(store, { signer: createEd25519Signer(attacker.privateKeyPem), intervalMs: 0, logger: quiet });
      await forger.start();
      for (const chainId of Object.keys(CHAINS)) await forger.checkpoint(chainId);
      await forger.close();
    });
    await expectIntact(trail, 'bare');
    await expectDetected(trail, 'public-key', { chainId: 'alpha', seq: CHAINS.alpha, kind: 'unknown-key' });
    await expectDetected(trail, 'both', { chainId: 'alpha', seq: CHAINS.alpha, kind: 'unknown-key' });
    // The anchor alone: its genuine checkpoints are signed by a key the database no longer lists.
    const anchorOnly = await expectDetected(trail, 'anchor', { chainId: 'alpha', seq: trail.alphaCheckpointSizes[0] as number, kind: 'unknown-key' });
    expect(anchorOnly.firstProblem?.detail).toContain('anchored checkpoint #1');
  });

  it('(10b) the trail rewritten and every checkpoint deleted: passes without the anchor, modified with it', async () => {
    const trail = await freshTrail();
    await dropGuards(trail.target);
    await withAttackerStore(trail.target, async (store) => {
      const alpha = await readChain(store, 'alpha');
      const rewritten = reseal(alpha, { chainId: 'alpha', seq: 0, hash: '0'.repeat(64) } as ChainHead, (entry) =>
        entry.seq === 8 ? { actorId: 'someone-else' } : {},
      );
      // A ChainHead with seq 0 restarts at seq 1 from the genesis hash.
      await trail.target.exec(`DELETE FROM audit_log WHERE chain_id = 'alpha'`);
      await store.append(rewritten.map((entry) => ({ ...entry })));
    });
    await trail.target.exec(`DELETE FROM audit_checkpoint WHERE chain_id = 'alpha'`);
    await expectIntact(trail, 'bare');
    const withKey = await expectIntact(trail, 'public-key'); // nothing signed is left to contradict it…
    expect(withKey.warnings.join('\n')).toContain('chain "alpha"'); // …but the verifier says so
    for (const mode of ['anchor', 'both'] as const) {
      const report = await expectDetected(trail, mode, { chainId: 'alpha', seq: 1, kind: 'modified' });
      expect(report.firstProblem?.detail).toContain(`entries 1..${CHAINS.alpha} do not hash to the Merkle root signed in anchored checkpoint`);
    }
  });

  it('(11) a forged checkpoint (signed without the key): bad-signature, with or without the public key', async () => {
    const trail = await freshTrail();
    await withAttackerStore(trail.target, async (store) => {
      const last = (await store.readLatestCheckpoint('alpha')) as StoredCheckpoint;
      const attacker = createEd25519Signer(generateSigningKeyPair().privateKeyPem);
      const body = { ...last, seq: last.seq + 1, prevHash: last.hash, ts: new Date(Date.parse(last.ts) + 1000).toISOString() };
      const signature = Buffer.from(await attacker.sign(checkpointMessage(body))).toString('base64');
      await store.appendCheckpoint({ ...body, hash: computeCheckpointHash(body), signature }); // claims the genuine key id
    });
    for (const mode of ['bare', 'public-key', 'both'] as const) {
      await expectDetected(trail, mode, { chainId: 'alpha', seq: CHAINS.alpha, kind: 'bad-signature' });
    }
  });

  it('(12) the stored public key and key id replaced, every checkpoint re-signed: passes without, unknown-key with the public key', async () => {
    const trail = await freshTrail();
    await dropGuards(trail.target);
    const attacker = createEd25519Signer(generateSigningKeyPair().privateKeyPem);
    await withAttackerStore(trail.target, async (store) => {
      const all: StoredCheckpoint[] = [];
      for await (const checkpoint of store.readCheckpoints()) all.push(checkpoint);
      await trail.target.exec('DELETE FROM audit_checkpoint');
      await trail.target.exec('DELETE FROM audit_signing_key');
      await store.registerSigningKey({ keyId: attacker.keyId, publicKey: attacker.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
      const previous = new Map<string, string>();
      for (const checkpoint of all) {
        const body = { ...checkpoint, keyId: attacker.keyId, prevHash: previous.get(checkpoint.chainId) ?? '0'.repeat(64) };
        const hash = computeCheckpointHash(body);
        const signature = Buffer.from(await attacker.sign(checkpointMessage(body))).toString('base64');
        await store.appendCheckpoint({ ...body, hash, signature });
        previous.set(checkpoint.chainId, hash);
      }
    });
    await expectIntact(trail, 'bare');
    for (const mode of ['public-key', 'both'] as const) {
      await expectDetected(trail, mode, { chainId: 'alpha', seq: trail.alphaCheckpointSizes[0] as number, kind: 'unknown-key' });
    }
  });

  it('(12b) only the stored public key swapped under the genuine key id: unknown-key even without the public key', async () => {
    const trail = await freshTrail();
    await dropGuards(trail.target);
    const attacker = generateSigningKeyPair();
    await trail.target.exec(`UPDATE audit_signing_key SET public_key = '${attacker.publicKeyPem}'`);
    const report = await expectDetected(trail, 'bare', { chainId: 'alpha', seq: trail.alphaCheckpointSizes[0] as number, kind: 'unknown-key' });
    expect(report.warnings.join('\n')).toContain('is not the key its id names');
    // With the public key the checkpoints are genuine; the verifier still points at the stray row.
    const withKey = await expectIntact(trail, 'public-key');
    expect(withKey.trust).toBe('public-keys');
  });
});
