import { sealChain } from '../../../../../test/support/sealed-entries';
import type { SealedEntry } from '../audit-event';
import { GENESIS_CHECKPOINT_HASH, checkpointMessage, computeCheckpointHash, type CheckpointBody, type SignedCheckpoint } from '../checkpoint/checkpoint';
import { PublicKeyRing, createEd25519Signer, generateSigningKeyPair } from '../checkpoint/checkpoint-signer';
import { MerkleTreeBuilder, merkleLeafHash } from '../merkle';
import fc from 'fast-check';
import { canonicalize } from '../sealing/canonical-json';
import { entryFromStoredRow } from './stored-entry-row';
import { verifyTrail } from './trail-verifier';

const keys = generateSigningKeyPair();
const signer = createEd25519Signer(keys.privateKeyPem);
const ring = new PublicKeyRing([keys.publicKeyPem]);

/** Signed checkpoints of `entries` (one chain) at the given sizes, linked like the checkpointer links them. */
async function checkpointsAt(entries: SealedEntry[], sizes: number[]): Promise<SignedCheckpoint[]> {
  const out: SignedCheckpoint[] = [];
  const tree = new MerkleTreeBuilder();
  let prevHash = GENESIS_CHECKPOINT_HASH;
  for (const [index, size] of sizes.entries()) {
    while (tree.size < size) tree.append(merkleLeafHash(Buffer.from((entries[tree.size] as SealedEntry).hash, 'hex')));
    const body: CheckpointBody = {
      v: 1,
      chainId: (entries[0] as SealedEntry).chainId,
      seq: index + 1,
      treeSize: size,
      root: tree.root().toString('hex'),
      headHash: (entries[size - 1] as SealedEntry).hash,
      ts: new Date(Date.UTC(2025, 0, 1, 0, 0, index)).toISOString(),
      prevHash,
      keyId: signer.keyId,
    };
    const hash = computeCheckpointHash(body);
    out.push({ ...body, hash, signature: Buffer.from(await signer.sign(checkpointMessage(body))).toString('base64') });
    prevHash = hash;
  }
  return out;
}

describe('verifyTrail: checkpoints and the anchor', () => {
  const a = sealChain('a', 10).entries;
  const b = sealChain('b', 6).entries;

  it('accepts intact chains with checkpoints at any sizes, idle repeats included', async () => {
    const cps = [...(await checkpointsAt(a, [3, 3, 8, 10])), ...(await checkpointsAt(b, [6]))];
    const report = await verifyTrail({ entries: [...a, ...b], checkpoints: cps }, { publicKeys: ring, anchor: cps });
    expect(report).toMatchObject({ ok: true, checkpoints: 5, trust: 'public-keys', anchored: true, warnings: [] });
    expect(report.chains.map((c) => [c.chainId, c.signedSize, c.anchoredSize])).toEqual([
      ['a', 10, 10],
      ['b', 6, 6],
    ]);
  });

  it('a removed checkpoint is missing; a repeated one duplicate; one out of order reordered', async () => {
    const cps = await checkpointsAt(a, [3, 5, 8]);
    expect((await verifyTrail({ entries: a, checkpoints: [cps[0], cps[2]] as SignedCheckpoint[] }, { publicKeys: ring })).firstProblem).toMatchObject({
      chainId: 'a',
      seq: 8,
      kind: 'missing',
      checkpoint: 3,
    });
    expect((await verifyTrail({ entries: a, checkpoints: [cps[0], cps[0], cps[1]] as SignedCheckpoint[] }, { publicKeys: ring })).firstProblem).toMatchObject({
      kind: 'duplicate',
      checkpoint: 1,
    });
    const shrinking = await checkpointsAt(a, [5, 3]);
    expect((await verifyTrail({ entries: a, checkpoints: shrinking }, { publicKeys: ring })).firstProblem).toMatchObject({ kind: 'reordered', checkpoint: 2 });
  });

  it('a chain whose entries are all gone but whose checkpoints remain is truncated at seq 1', async () => {
    const cps = await checkpointsAt(b, [6]);
    const report = await verifyTrail({ entries: a, checkpoints: cps }, { publicKeys: ring });
    expect(report.chains.map((c) => c.chainId)).toEqual(['a', 'b']);
    expect(report.firstProblem).toMatchObject({ chainId: 'b', seq: 1, kind: 'truncated' });
  });

  it('a chain the anchor knows and the database lost entirely is truncated at seq 1', async () => {
    const anchored = await checkpointsAt(b, [4]);
    const report = await verifyTrail({ entries: a }, { publicKeys: ring, anchor: anchored });
    expect(report.firstProblem).toMatchObject({ chainId: 'b', seq: 1, kind: 'truncated' });
  });

  it('entries rewritten after the last verified checkpoint are located at the start of the unverified range', async () => {
    const cps = await checkpointsAt(a, [4, 10]);
    const rewritten = [...a.slice(0, 4), ...sealChain('a', 6, { after: { chainId: 'a', seq: 4, hash: (a[3] as SealedEntry).hash }, entry: () => ({ actorId: 'x' }) }).entries];
    expect((await verifyTrail({ entries: rewritten, checkpoints: cps }, { publicKeys: ring })).firstProblem).toMatchObject({
      chainId: 'a',
      seq: 5,
      kind: 'modified',
      checkpoint: 2,
    });
  });

  it('a version that is not a positive integer (text in a SQLite column) is malformed, on both read paths, not a crash', async () => {
    for (const v of [Number.NaN, 0, 1.5]) {
      const tampered = a.map((entry, index) => (index === 4 ? { ...entry, v: v as 1 } : entry));
      expect((await verifyTrail({ entries: tampered })).firstProblem).toMatchObject({ chainId: 'a', seq: 5, kind: 'malformed', detail: expect.stringContaining('v ') });
    }
    const rows = a.map((e) => [e.chainId, String(e.seq), String(e.v), e.ts, e.action, e.outcome, e.actorId, e.actorType, e.resource, e.subjectId, e.requestId, canonicalize(e.payload), e.prevHash, e.hash]);
    (rows[4] as string[])[2] = 'x';
    expect((await verifyTrail({ entries: [], entryRows: [rows as never] })).firstProblem).toMatchObject({ chainId: 'a', seq: 5, kind: 'malformed' });
  });

  it('without any key, checkpoints are unknown-key; progress is reported', async () => {
    const cps = await checkpointsAt(a, [2]);
    const seen: number[] = [];
    const report = await verifyTrail({ entries: a, checkpoints: cps }, { onProgress: (n) => seen.push(n), progressEvery: 4 });
    expect(report).toMatchObject({ ok: false, trust: 'none', firstProblem: { kind: 'unknown-key', seq: 2 } });
    expect(seen).toEqual([4, 8, 10]);
  });
});

describe('verifyTrail over raw stored rows (entryRows)', () => {
  type Row = [string, string, string, string, string, string, string | null, string | null, string | null, string | null, string | null, string, string, string];
  const toRow = (e: SealedEntry): Row => [
    e.chainId, String(e.seq), String(e.v), e.ts, e.action, e.outcome, e.actorId, e.actorType, e.resource, e.subjectId, e.requestId, canonicalize(e.payload), e.prevHash, e.hash,
  ];
  const a = sealChain('a', 12, { entry: (i) => (i % 5 === 0 ? { actorId: null, payload: { note: 'é "q" \\ \n', i } } : {}) }).entries;
  const b = sealChain('b', 8).entries;
  const forged = sealChain('a', 12, { entry: () => ({ actorId: 'mallory' }) }).entries;
  // Sealed with an outcome the verifier does not know: its hash is right, the row is malformed.
  const c = sealChain('c', 3, { entry: (i) => (i === 1 ? { outcome: 'bogus' as SealedEntry['outcome'] } : {}) }).entries;
  const batches = (rows: Row[], size: number): Row[][] => {
    const out: Row[][] = [];
    for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
    return out;
  };

  /** Edits of a stored row's fields, each one a way a row can be damaged or tampered with. */
  const fieldEdits: Array<(value: string | null) => string | null> = [
    (v) => `${v ?? ''}x`,
    () => null,
    () => '',
    (v) => (v === null ? v : v.toUpperCase()),
    (v) => (v === null ? v : ` ${v}`),
    () => '{"i": 1}',
    () => '{"i":1',
    () => '[]',
    () => '0',
    () => '-1',
    () => '1.5',
    () => '9007199254740993',
    () => 'denied',
    () => 'a'.repeat(64),
    (v) => (v === null ? v : v.slice(0, -1)),
  ];
  const tamper = fc.oneof(
    fc.record({ kind: fc.constant('edit' as const), row: fc.nat(), field: fc.nat({ max: 13 }), edit: fc.nat({ max: fieldEdits.length - 1 }) }),
    fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const, 'forge' as const, 'respace' as const), row: fc.nat() }),
    fc.record({ kind: fc.constant('swap' as const), row: fc.nat(), other: fc.nat() }),
  );

  it('reports exactly what the entry path reports, for any tampering, batch size and checkpoints', async () => {
    const cps = [...(await checkpointsAt(a, [4, 9, 12])), ...(await checkpointsAt(b, [8]))];
    await fc.assert(
      fc.asyncProperty(fc.array(tamper, { maxLength: 3 }), fc.integer({ min: 1, max: 25 }), fc.boolean(), async (edits, size, withCheckpoints) => {
        const rows = [...a, ...b, ...c].map(toRow);
        for (const edit of edits) {
          const at = edit.row % rows.length;
          const row = rows[at] as Row;
          if (edit.kind === 'edit') row[edit.field] = (fieldEdits[edit.edit] as (v: string | null) => string | null)(row[edit.field] as string | null) as string;
          else if (edit.kind === 'delete') rows.splice(at, 1);
          else if (edit.kind === 'duplicate') rows.splice(at, 0, [...row] as Row);
          else if (edit.kind === 'forge') rows[at] = toRow(forged[at % forged.length] as SealedEntry);
          else if (edit.kind === 'respace') row[11] = JSON.stringify(JSON.parse(row[11]) as unknown, null, 1);
          else if (edit.kind === 'swap') [rows[at], rows[edit.other % rows.length]] = [rows[edit.other % rows.length] as Row, row];
          if (rows.length === 0) return;
        }
        const checkpoints = withCheckpoints ? cps : [];
        // The same report (or, should a path ever throw, the same error).
        const outcome = (run: Promise<unknown>): Promise<unknown> => run.catch((error: Error) => ({ threw: error.message }));
        const viaEntries = await outcome(verifyTrail({ entries: rows.map((row) => entryFromStoredRow(row)), checkpoints }, { publicKeys: ring }));
        const viaRows = await outcome(verifyTrail({ entries: [], entryRows: batches(rows, size), checkpoints }, { publicKeys: ring }));
        expect(viaRows).toEqual(viaEntries);
      }),
      { numRuns: 600, seed: 20261126 },
    );
  });

  it('finds every kind the entry path finds on an intact and a tampered trail (spot checks)', async () => {
    const rows = [...a, ...b].map(toRow);
    expect(await verifyTrail({ entries: [], entryRows: [rows] })).toMatchObject({ ok: true, entries: 20 });
    const edited = rows.map((row) => [...row] as Row);
    (edited[6] as Row)[11] = (edited[6] as Row)[11].replace('"index":6', '"index":60');
    expect((await verifyTrail({ entries: [], entryRows: [edited] })).firstProblem).toMatchObject({ chainId: 'a', seq: 7, kind: 'modified' });
    const swapped = rows.map((row) => [...row] as Row);
    [swapped[2], swapped[3]] = [swapped[3] as Row, swapped[2] as Row];
    expect((await verifyTrail({ entries: [], entryRows: [swapped] })).firstProblem).toMatchObject({ chainId: 'a', seq: 3, kind: 'missing' });
    const inserted = [...rows.slice(0, 5), toRow(forged[5] as SealedEntry), ...rows.slice(5)];
    expect((await verifyTrail({ entries: [], entryRows: [inserted] })).firstProblem).toMatchObject({ chainId: 'a', seq: 6 });
  });
});
