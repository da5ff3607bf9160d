import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeTempSqlite, tempSqlitePath } from '../../../../test/support/sqlite';
import { generateSigningKeyPair, PublicKeyRing, readAnchorFile, type AuditLogger, type SignedCheckpoint } from '../core';
import { verifyTrail } from '../core/verify/trail-verifier';
import { createAuditStore } from '../typeorm';
import { createAuditRuntime, InvalidAuditOptionsError, spoolDirectoryFor } from './audit-runtime';
import type { AuditOptions } from './audit.options';

const dir = mkdtempSync(join(tmpdir(), 'sealed-audit-runtime-'));
const files: string[] = [];
afterAll(() => {
  files.forEach(removeTempSqlite);
  rmSync(dir, { recursive: true, force: true });
});
const keys = generateSigningKeyPair();

function logger(): AuditLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, log: () => undefined, warn: (m) => void warnings.push(m), error: () => undefined };
}

function sqlite(): AuditOptions['storage'] {
  const file = tempSqlitePath();
  files.push(file);
  return { type: 'sqlite', database: file };
}

describe('createAuditRuntime: checkpoints', () => {
  it('signs checkpoints through the writer, records the key and anchors them; a final one at close', async () => {
    const storage = sqlite();
    const anchor = join(dir, 'runtime-anchor.jsonl');
    const runtime = await createAuditRuntime(
      { storage, chainId: 'rt', batch: { size: 2, maxDelayMs: 0 }, checkpoints: { privateKey: keys.privateKeyPem, everyEntries: 3, intervalMs: 0, anchor: { file: anchor } } },
      logger(),
    );
    expect(runtime.checkpointer?.keyId).toBe(keys.keyId);
    for (let n = 0; n < 7; n += 1) runtime.writer.enqueue({ timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, n)), action: 'a', outcome: 'success' });
    await runtime.writer.flush();
    await runtime.checkpointer?.settled();
    await runtime.writer.close();

    const anchored: SignedCheckpoint[] = [];
    for await (const cp of readAnchorFile(anchor)) anchored.push(cp);
    expect(anchored.length).toBeGreaterThanOrEqual(1); // how many depends on how batches and checkpoints interleave
    expect(anchored[anchored.length - 1]).toMatchObject({ chainId: 'rt', treeSize: 7 });
    const store = createAuditStore({ ...storage, readOnly: true } as AuditOptions['storage']);
    try {
      const report = await verifyTrail(
        { entries: store.read(), checkpoints: store.readCheckpoints(), storedKeys: await store.readSigningKeys() },
        { publicKeys: new PublicKeyRing([keys.publicKeyPem]), anchor: readAnchorFile(anchor) },
      );
      expect(report).toMatchObject({ ok: true, trust: 'public-keys', anchored: true });
      expect(report.chains[0]).toMatchObject({ entries: 7, signedSize: 7, anchoredSize: 7 });
    } finally {
      await store.close();
    }
  });

  it('warns at start-up when checkpoints are off', async () => {
    const log = logger();
    const runtime = await createAuditRuntime({ storage: sqlite() }, log);
    expect(runtime.checkpointer).toBeUndefined();
    expect(log.warnings.join('\n')).toContain('signed checkpoints are off');
    await runtime.writer.close();
  });

  it.each<[string, AuditOptions['checkpoints'], RegExp]>([
    ['both a key and a signer', { privateKey: keys.privateKeyPem, signer: { keyId: keys.keyId, publicKey: keys.publicKeyPem, sign: () => Buffer.alloc(64) } }, /exclude each other/],
    ['a key that is not PEM', { privateKey: 'nope' }, /checkpoints\.privateKey.*BEGIN PRIVATE KEY/],
    ['a number as key', { privateKey: 42 as unknown as string }, /PEM string .* or a KeyObject/],
    ['a signer without sign()', { signer: { keyId: keys.keyId, publicKey: keys.publicKeyPem } as never }, /sign\(message\)/],
    ['a signer whose key id is wrong', { signer: { keyId: 'f'.repeat(64), publicKey: keys.publicKeyPem, sign: () => Buffer.alloc(64) } }, /not the id of its public key/],
    ['everyEntries 0', { privateKey: keys.privateKeyPem, everyEntries: 0 }, /everyEntries.*positive integer/],
    ['a negative interval', { privateKey: keys.privateKeyPem, intervalMs: -1 }, /intervalMs.*non-negative/],
    ['an anchor that is neither', { privateKey: keys.privateKeyPem, anchor: { path: 'x' } as never }, /checkpoints\.anchor/],
    ['settings but no key', { anchor: { file: 'x.jsonl' } }, /no `privateKey` or `signer`/],
  ])('rejects %s with a clear error, before touching the database', async (_what, checkpoints, message) => {
    const storage = sqlite();
    const attempt = createAuditRuntime({ storage, checkpoints }, logger());
    await expect(attempt).rejects.toThrow(InvalidAuditOptionsError);
    await expect(createAuditRuntime({ storage, checkpoints }, logger())).rejects.toThrow(message);
    expect(existsSync((storage as { database: string }).database)).toBe(false);
  });

  it('reads nothing it should not: the anchor file only grows', async () => {
    const anchor = join(dir, 'grow.jsonl');
    for (let round = 0; round < 2; round += 1) {
      const runtime = await createAuditRuntime(
        { storage: sqlite(), chainId: `g${round}`, checkpoints: { privateKey: keys.privateKeyPem, intervalMs: 0, anchor: { file: anchor } } },
        logger(),
      );
      runtime.writer.enqueue({ timestamp: new Date(), action: 'a', outcome: 'success' });
      await runtime.writer.close();
    }
    expect(readFileSync(anchor, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as SignedCheckpoint).chainId)).toEqual(['g0', 'g1']);
  });
});

describe('createAuditRuntime: durability options', () => {
  it.each<[string, Partial<AuditOptions>, RegExp]>([
    ['an unknown durability', { durability: 'eventually' as never }, /durability.*async, sync/],
    ['a spool that is not an object', { spool: 'yes' as never }, /`spool` must be false or an object/],
    ['an empty spool directory', { spool: { directory: ' ' } }, /spool\.directory/],
    ['a tiny spool bound', { spool: { maxBytes: 10 } }, /spool\.maxBytes/],
    ['a tiny entry cap', { maxEntryBytes: 100 }, /maxEntryBytes.*4096/],
    ['a requestContext that is not a boolean', { requestContext: 'off' as never }, /requestContext.*true or false/],
  ])('rejects %s at start-up', async (_what, extra, message) => {
    await expect(createAuditRuntime({ storage: sqlite(), ...extra }, logger())).rejects.toThrow(message);
  });

  it.each([
    ['maxSize below size', { size: 50, maxSize: 10 }, /batch\.maxSize` must be at least `batch\.size` \(50\)/],
    ['maxSize below the default size', { maxSize: 20 }, /batch\.maxSize` must be at least `batch\.size` \(100\)/],
    ['a fractional maxSize', { maxSize: 150.5 }, /batch\.maxSize` must be a positive integer/],
  ])('rejects a batch with %s, before touching the database', async (_what, batch, message) => {
    const storage = sqlite();
    await expect(createAuditRuntime({ storage, batch }, logger())).rejects.toThrow(message);
    expect(existsSync((storage as { database: string }).database)).toBe(false);
  });

  it('puts the spool in a directory per database, and none for SQLite :memory:', () => {
    const a = spoolDirectoryFor({ storage: { type: 'sqlite', database: '/data/a.sqlite' } });
    const b = spoolDirectoryFor({ storage: { type: 'sqlite', database: '/data/b.sqlite' } });
    const pg1 = spoolDirectoryFor({ storage: { type: 'postgres', url: 'postgres://app:secret1@db/app' }, spool: { directory: '/var/spool/audit' } });
    const pg2 = spoolDirectoryFor({ storage: { type: 'postgres', url: 'postgres://app:secret2@db/app' }, spool: { directory: '/var/spool/audit' } });
    expect(a).toMatch(/\.sealed-audit-spool[\\/]db-[0-9a-f]{16}$/);
    expect(a).not.toBe(b);
    expect(pg1).toBe(pg2); // a rotated password is the same database
    expect(pg1?.startsWith('/var/spool/audit/')).toBe(true);
    expect(spoolDirectoryFor({ storage: { type: 'sqlite', database: ':memory:' } })).toBeUndefined();
    expect(spoolDirectoryFor({ storage: { type: 'sqlite', database: '/data/a.sqlite' }, spool: false })).toBeUndefined();
  });

  it('reports the mode and spool counters in stats()', async () => {
    const runtime = await createAuditRuntime({ storage: sqlite(), durability: 'sync', spool: { directory: join(dir, 'spool') } }, logger());
    expect(runtime.writer.stats()).toMatchObject({ mode: 'sync', circuit: 'closed', spooledEntries: 0, spoolBytes: 0, spoolDropped: 0, syncWaiting: 0 });
    await runtime.writer.close();
  });
});
