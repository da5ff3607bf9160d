import Database from 'better-sqlite3';
import { sign } from 'node:crypto';
import { sealChain } from '../../../../../test/support/sealed-entries';
import { removeTempSqlite, tempSqlitePath } from '../../../../../test/support/sqlite';
import { createAuditStore } from '../../typeorm';
import type { TypeOrmAuditStore } from '../../typeorm/typeorm-audit.store';
import { MerkleTreeBuilder, merkleLeafHash } from '../merkle';
import { Redactor } from '../redaction/redactor';
import { verifyTrail } from '../verify/trail-verifier';
import { AuditWriter } from '../writer/audit-writer';
import type { AuditLogger } from '../writer/audit-logger';
import type { AnchorSink } from './anchor-sink';
import type { SignedCheckpoint } from './checkpoint';
import { InvalidSigningKeyError, PublicKeyRing, createEd25519Signer, generateSigningKeyPair, toPrivateKey, type CheckpointSigner } from './checkpoint-signer';
import type { StoredCheckpoint } from './checkpoint-store.interface';
import { CheckpointRefusedError, Checkpointer } from './checkpointer';

const files: string[] = [];
const stores: TypeOrmAuditStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
  files.forEach(removeTempSqlite);
});

const keys = generateSigningKeyPair();
const signer = createEd25519Signer(keys.privateKeyPem);
const quiet = (): AuditLogger & { errors: string[] } => {
  const errors: string[] = [];
  return { errors, log: () => undefined, warn: () => undefined, error: (m) => void errors.push(m) };
};

function newStore(file = tempSqlitePath()): { file: string; store: TypeOrmAuditStore } {
  if (!files.includes(file)) files.push(file);
  const store = createAuditStore({ type: 'sqlite', database: file });
  stores.push(store);
  return { file, store };
}

async function checkpointsOf(store: TypeOrmAuditStore, chainId?: string): Promise<StoredCheckpoint[]> {
  const out: StoredCheckpoint[] = [];
  for await (const cp of store.readCheckpoints(chainId ? { chainId } : {})) out.push(cp);
  return out;
}

async function verifyWithKey(store: TypeOrmAuditStore) {
  return verifyTrail({ entries: store.read(), checkpoints: store.readCheckpoints(), storedKeys: await store.readSigningKeys() }, { publicKeys: new PublicKeyRing([keys.publicKeyPem]) });
}

describe('Checkpointer on a real SQLite store', () => {
  it('signs every N entries through the writer hook, links checkpoints, records its key and a final one at close', async () => {
    const { file, store } = newStore();
    const checkpointer = new Checkpointer(store, { signer, everyEntries: 4, intervalMs: 0, logger: quiet() });
    const writer = new AuditWriter(store, new Redactor({ hmacKey: 'k' }), { chainId: 'w', batchSize: 2, maxDelayMs: 0, logger: quiet(), hooks: [checkpointer.hook] });
    await writer.start();
    await checkpointer.start();
    for (let n = 0; n < 11; n += 1) {
      writer.enqueue({ timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, n)), action: 'a', outcome: 'success' });
      if (n % 2 === 1) {
        await writer.flush();
        await checkpointer.settled();
      }
    }
    await writer.close();
    const reopened = newStore(file).store;
    const cps = await checkpointsOf(reopened, 'w');
    expect(cps.map((cp) => [cp.seq, cp.treeSize])).toEqual([
      [1, 4],
      [2, 8],
      [3, 11],
    ]);
    expect(cps[1]?.prevHash).toBe(cps[0]?.hash);
    expect(await reopened.readSigningKeys()).toEqual([expect.objectContaining({ keyId: signer.keyId, algorithm: 'ed25519' })]);
    // The frontier reproduces the signed root.
    expect(new MerkleTreeBuilder({ size: 11, nodes: cps[2]?.frontier ?? [] }).root().toString('hex')).toBe(cps[2]?.root);
    const report = await verifyWithKey(reopened);
    expect(report).toMatchObject({ ok: true, checkpoints: 3, trust: 'public-keys' });
    expect(report.chains[0]).toMatchObject({ signedSize: 11, checkpoints: 3 });
    expect(checkpointer.stats()).toMatchObject({ checkpoints: 3, failures: 0 });
  });

  it('resumes from the stored frontier after a restart and continues the checkpoint chain', async () => {
    const { store } = newStore();
    const first = sealChain('r', 5);
    await store.append(first.entries);
    const before = new Checkpointer(store, { signer, intervalMs: 0, logger: quiet() });
    await before.start();
    const cp1 = (await before.checkpoint('r')) as SignedCheckpoint;
    const more = sealChain('r', 4, { after: first.head });
    await store.append(more.entries);
    const after = new Checkpointer(store, { signer, intervalMs: 0, logger: quiet() });
    await after.start();
    const cp2 = (await after.checkpoint('r')) as SignedCheckpoint;
    expect(cp2).toMatchObject({ seq: 2, treeSize: 9, prevHash: cp1.hash, headHash: more.head?.hash });
    const leaves = [...first.entries, ...more.entries].map((e) => merkleLeafHash(Buffer.from(e.hash, 'hex')));
    const full = new MerkleTreeBuilder();
    leaves.forEach((leaf) => full.append(leaf));
    expect(cp2.root).toBe(full.root().toString('hex'));
    expect((await verifyWithKey(store)).ok).toBe(true);
  });

  it('signs on the timer also while idle (same size, newer checkpoint)', async () => {
    const { store } = newStore();
    await store.append(sealChain('idle', 3).entries);
    const checkpointer = new Checkpointer(store, { signer, intervalMs: 10, logger: quiet() });
    await checkpointer.start();
    checkpointer.track('idle');
    const deadline = Date.now() + 10_000;
    while ((await checkpointsOf(store, 'idle')).length < 3) {
      if (Date.now() > deadline) throw new Error('no idle checkpoints');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await checkpointer.close();
    const cps = await checkpointsOf(store, 'idle');
    expect(cps.every((cp) => cp.treeSize === 3)).toBe(true);
    expect((await verifyWithKey(store)).ok).toBe(true);
  });

  it('refuses to sign entries that do not verify', async () => {
    const { file, store } = newStore();
    await store.append(sealChain('bad', 4).entries);
    const db = new Database(file);
    db.exec(`DROP TRIGGER audit_log_no_update; UPDATE audit_log SET action = 'x' WHERE seq = 3`);
    db.close();
    const logger = quiet();
    const checkpointer = new Checkpointer(store, { signer, intervalMs: 0, logger });
    await checkpointer.start();
    await expect(checkpointer.checkpoint('bad')).rejects.toThrow(CheckpointRefusedError);
    await expect(checkpointer.checkpoint('bad')).rejects.toThrow(/entry 3 does not match its hash/);
    expect(await checkpointsOf(store, 'bad')).toEqual([]);
    expect(logger.errors[0]).toContain('audit checkpoint of chain "bad" failed');
  });

  it('two processes checkpointing one shared chain continue each other instead of forking', async () => {
    const { file, store } = newStore();
    const other = newStore(file).store;
    const { entries } = sealChain('shared', 6);
    await store.append(entries.slice(0, 3));
    const a = new Checkpointer(store, { signer, intervalMs: 0, logger: quiet() });
    const b = new Checkpointer(other, { signer, intervalMs: 0, logger: quiet() });
    await a.start();
    await b.start();
    await a.checkpoint('shared');
    await other.append(entries.slice(3));
    await b.checkpoint('shared');
    await a.checkpoint('shared'); // a's view is stale: it conflicts, re-reads and continues
    const cps = await checkpointsOf(store, 'shared');
    expect(cps.map((cp) => [cp.seq, cp.treeSize])).toEqual([
      [1, 3],
      [2, 6],
      [3, 6],
    ]);
    expect((await verifyWithKey(store)).ok).toBe(true);
  });

  it('accepts a KMS-style signer, and rejects one whose key id is not its key', async () => {
    const { store } = newStore();
    await store.append(sealChain('kms', 2).entries);
    const privateKey = toPrivateKey(keys.privateKeyPem);
    const kms: CheckpointSigner = { keyId: keys.keyId, publicKey: keys.publicKeyPem, sign: async (message) => sign(null, message, privateKey) };
    const checkpointer = new Checkpointer(store, { signer: kms, intervalMs: 0, logger: quiet() });
    await checkpointer.start();
    expect(await checkpointer.checkpoint('kms')).toMatchObject({ keyId: keys.keyId, treeSize: 2 });
    expect(() => new Checkpointer(store, { signer: { ...kms, keyId: 'f'.repeat(64) } })).toThrow(InvalidSigningKeyError);
    const broken = new Checkpointer(store, { signer: { ...kms, sign: () => Buffer.alloc(64) }, intervalMs: 0, logger: quiet() });
    await broken.start();
    await expect(broken.checkpoint('kms')).rejects.toThrow(/does not verify/);
  });

  it('keeps the checkpoint when the anchor fails, and counts the failure', async () => {
    const { store } = newStore();
    await store.append(sealChain('anchor', 2).entries);
    const failing: AnchorSink = { write: () => Promise.reject(new Error('bucket unreachable')) };
    const logger = quiet();
    const checkpointer = new Checkpointer(store, { signer, anchor: failing, intervalMs: 0, logger });
    await checkpointer.start();
    expect(await checkpointer.checkpoint('anchor')).toMatchObject({ treeSize: 2 });
    expect(checkpointer.stats()).toMatchObject({ checkpoints: 1, anchored: 0, anchorFailures: 1 });
    expect(logger.errors.join('\n')).toContain('bucket unreachable');
  });
});
