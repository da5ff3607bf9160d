import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTempMariaDbDatabase } from '../../../../test/support/mariadb';
import { createTempPostgresDatabase, type TempPostgresDatabase } from '../../../../test/support/postgres';
import { sealChain } from '../../../../test/support/sealed-entries';
import { removeTempSqlite, tempSqlitePath } from '../../../../test/support/sqlite';
import { generateSigningKeyPair, keyIdOf } from '../core/checkpoint/checkpoint-signer';
import type { InclusionProofDocument } from '../core/verify/inclusion-proof';
import type { VerificationReport } from '../core/verify/verification-report';
import { createAuditStore } from '../typeorm/create-audit-store';
import { PRIVATE_KEY_FILE, PUBLIC_KEY_FILE } from './keys.command';
import { storageFromCli } from './cli-database';
import { runCli } from './run-cli';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const dir = mkdtempSync(join(tmpdir(), 'sealed-audit-cli-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sealed-audit keys generate', () => {
  it('writes an Ed25519 PEM pair (private key 0600), prints the key id, and never overwrites', async () => {
    const out = join(dir, 'keys-a');
    const result = await cli('keys', 'generate', '--out', out);
    expect(result.code).toBe(0);
    const publicPem = readFileSync(join(out, PUBLIC_KEY_FILE), 'utf8');
    expect(readFileSync(join(out, PRIVATE_KEY_FILE), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(statSync(join(out, PRIVATE_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(result.out).toContain(`key id:      ${keyIdOf(publicPem)}`);
    const again = await cli('keys', 'generate', '--out', out);
    expect(again.code).toBe(2);
    expect(again.err).toContain('refusing to overwrite');
  });
});

describe.each([
  ['sqlite', async () => ({ database: tempSqlitePath(), cleanup: async (file: string) => removeTempSqlite(file) })],
  [
    'postgres',
    async () => {
      const db: TempPostgresDatabase = await createTempPostgresDatabase();
      return { database: db.url, cleanup: () => db.drop() };
    },
  ],
  [
    'mariadb',
    async () => {
      const db = await createTempMariaDbDatabase();
      return { database: db.url, cleanup: () => db.drop() };
    },
  ],
] as const)('checkpoint, verify, prove and verify-proof on %s', (_name, makeDatabase) => {
  let database: string;
  let cleanup: () => Promise<void>;
  const keyDir = join(dir, `keys-${_name}`);
  const privateKey = join(keyDir, PRIVATE_KEY_FILE);
  const publicKey = join(keyDir, PUBLIC_KEY_FILE);
  const anchor = join(dir, `anchor-${_name}.jsonl`);
  let proofFile: string;
  let proof: InclusionProofDocument;

  beforeAll(async () => {
    const made = await makeDatabase();
    database = made.database;
    cleanup = () => made.cleanup(made.database as never);
    expect((await cli('keys', 'generate', '--out', keyDir)).code).toBe(0);
    expect((await cli('install', '--database', database)).code).toBe(0);
    const store = createAuditStore(storageFromCli({ database }, { readOnly: false }));
    try {
      await store.append(sealChain('api:1', 9).entries); // a chain id with a colon: the entry id splits at the last one
      await store.append(sealChain('batch', 4).entries);
    } finally {
      await store.close();
    }
  });
  afterAll(() => cleanup?.());

  it('checkpoint: signs every chain, stores and anchors it', async () => {
    const result = await cli('checkpoint', '--database', database, '--private-key', privateKey, '--anchor', anchor);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/api:1: checkpoint #1 signs 9 entries/);
    expect(result.out).toMatch(/batch: checkpoint #1 signs 4 entries/);
    expect(readFileSync(anchor, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('verify: exit 0 with the public key and the anchor, JSON report says what was trusted', async () => {
    const result = await cli('verify', '--database', database, '--public-key', publicKey, '--anchor', anchor);
    expect(result.code).toBe(0);
    expect(result.out).toContain('Checkpoints: 2 checked, signatures against the given public keys; anchor: checked.');
    expect(result.out).toMatch(/api:1\s+9 entries\s+head seq 9\s+signed to 9\s+ok/);
    const json = await cli('verify', '--database', database, '--public-key', publicKey, '--anchor', anchor, '--json');
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, trust: 'public-keys', anchored: true, checkpoints: 2 } satisfies Partial<VerificationReport>);
    const bare = await cli('verify', '--database', database);
    expect(bare.code).toBe(0);
    expect(bare.out).toContain('Note: without --public-key and --anchor, a cut-off tail or a consistent rewrite');
    expect(bare.err).toContain('checked with the public keys stored in the database');
  });

  it('verify: a key that did not sign the checkpoints means unknown-key (exit 1); rotation takes several keys', async () => {
    const stranger = generateSigningKeyPair();
    const strangerFile = join(dir, `stranger-${_name}.pub`);
    writeFileSync(strangerFile, stranger.publicKeyPem);
    const result = await cli('verify', '--database', database, '--public-key', strangerFile);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/First bad entry: chain "api:1" seq 9 \(unknown-key\)/);
    expect((await cli('verify', '--database', database, '--public-key', strangerFile, '--public-key', publicKey)).code).toBe(0);
  });

  it('prove + verify-proof round-trip offline', async () => {
    const result = await cli('prove', 'api:1:4', '--database', database);
    expect(result.code).toBe(0);
    proof = JSON.parse(result.out) as InclusionProofDocument;
    expect(proof).toMatchObject({ format: 'sealed-audit/inclusion-proof/v1', entryId: 'api:1:4', proof: { leafIndex: 3, treeSize: 9 } });
    expect(proof.entry).toMatchObject({ chainId: 'api:1', seq: 4 });
    proofFile = join(dir, `proof-${_name}.json`);
    writeFileSync(proofFile, result.out);
    const checked = await cli('verify-proof', proofFile, '--public-key', publicKey);
    expect(checked.code).toBe(0);
    expect(checked.out).toMatch(/^VALID: entry api:1:4 is entry 4 of the 9 entries of chain "api:1"/);
  });

  it.each<[string, (doc: InclusionProofDocument) => void, RegExp]>([
    ['a wrong index', (d) => void (d.proof.leafIndex = 4), /leaf index 4/],
    ['a wrong tree size', (d) => void (d.proof.treeSize = 8), /tree of 8 entries/],
    ['a wrong leaf (entry content)', (d) => void (d.entry.actorId = 'mallory'), /entry does not hash/],
    ['a wrong leaf (entry re-hashed)', (d) => void (d.entry.hash = 'f'.repeat(64)), /entry does not hash/],
    ['a wrong root', (d) => void (d.checkpoint.root = 'e'.repeat(64)), /signature does not verify/],
    ['a truncated path', (d) => void d.proof.path.pop(), /audit path does not lead/],
    ['a flipped path node', (d) => void (d.proof.path[0] = 'a'.repeat(64)), /audit path does not lead/],
    ['another chain', (d) => void (d.entryId = 'batch:4'), /the entry is api:1:4, not batch:4/],
  ])('verify-proof rejects %s (exit 1)', async (_what, mutate, reason) => {
    const doc = JSON.parse(JSON.stringify(proof)) as InclusionProofDocument;
    mutate(doc);
    const file = join(dir, `mutated-${_name}-${_what.replace(/\W+/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(doc));
    const result = await cli('verify-proof', file, '--public-key', publicKey);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^INVALID/);
    expect(result.out).toMatch(reason);
  });

  it('verify-proof rejects a proof under an untrusted key, and needs --public-key (exit 2)', async () => {
    const stranger = join(dir, `stranger2-${_name}.pub`);
    writeFileSync(stranger, generateSigningKeyPair().publicKeyPem);
    expect(await cli('verify-proof', proofFile, '--public-key', stranger)).toMatchObject({ code: 1, out: expect.stringContaining('unknown-key') });
    expect((await cli('verify-proof', proofFile)).code).toBe(2);
  });

  it('prove: usage errors exit 2 (bad id, entry newer than the newest checkpoint)', async () => {
    expect((await cli('prove', 'no-seq', '--database', database)).code).toBe(2);
    const store = createAuditStore(storageFromCli({ database }, { readOnly: false }));
    try {
      const head = await store.readHead('batch');
      await store.append(sealChain('batch', 1, { after: head }).entries);
    } finally {
      await store.close();
    }
    const newer = await cli('prove', 'batch:5', '--database', database);
    expect(newer.code).toBe(2);
    expect(newer.err).toContain('newer than the newest checkpoint');
    expect((await cli('prove', 'nochain:1', '--database', database)).err).toContain('has no checkpoint yet');
  });

  it('checkpoint: needs --private-key (exit 2); verify: a missing anchor file is a usage error', async () => {
    expect((await cli('checkpoint', '--database', database)).code).toBe(2);
    expect((await cli('verify', '--database', database, '--anchor', join(dir, 'nope.jsonl'))).code).toBe(2);
    expect((await cli('verify', '--database', database, '--public-key', join(dir, 'nope.pub'))).code).toBe(2);
  });
});
