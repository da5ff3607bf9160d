import { sealChain } from '../../../../../test/support/sealed-entries';
import type { SealedEntry } from '../audit-event';
import { GENESIS_CHECKPOINT_HASH, checkpointMessage, computeCheckpointHash, type CheckpointBody, type SignedCheckpoint } from '../checkpoint/checkpoint';
import { PublicKeyRing, createEd25519Signer, generateSigningKeyPair } from '../checkpoint/checkpoint-signer';
import { MerkleTreeBuilder, merkleLeafHash } from '../merkle';
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

  it('without any key, checkpoints are unknown-key; progress is reported', async () => {
    const cps = await checkpointsAt(a, [2]);
    const seen: number[] = [];
    const report = await verifyTrail({ entries: a, checkpoints: cps }, { onProgress: (n) => seen.push(n), progressEvery: 4 });
    expect(report).toMatchObject({ ok: false, trust: 'none', firstProblem: { kind: 'unknown-key', seq: 2 } });
    expect(seen).toEqual([4, 8, 10]);
  });
});
