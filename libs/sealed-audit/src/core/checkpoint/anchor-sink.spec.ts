import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnchorFileError, FileAnchorSink, readAnchorFile } from './anchor-sink';
import { GENESIS_CHECKPOINT_HASH, checkpointMessage, computeCheckpointHash, type CheckpointBody, type SignedCheckpoint } from './checkpoint';
import { createEd25519Signer, generateSigningKeyPair } from './checkpoint-signer';

const dir = mkdtempSync(join(tmpdir(), 'sealed-audit-anchor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const signer = createEd25519Signer(generateSigningKeyPair().privateKeyPem);

async function checkpoint(seq: number): Promise<SignedCheckpoint> {
  const body: CheckpointBody = {
    v: 1,
    chainId: 'c',
    seq,
    treeSize: seq * 10,
    root: 'a'.repeat(64),
    headHash: 'b'.repeat(64),
    ts: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
    prevHash: GENESIS_CHECKPOINT_HASH,
    keyId: signer.keyId,
  };
  return { ...body, hash: computeCheckpointHash(body), signature: Buffer.from(await signer.sign(checkpointMessage(body))).toString('base64') };
}

async function readAll(file: string): Promise<SignedCheckpoint[]> {
  const out: SignedCheckpoint[] = [];
  for await (const cp of readAnchorFile(file)) out.push(cp);
  return out;
}

describe('FileAnchorSink', () => {
  it('appends one JSON line per checkpoint, keeps earlier lines across instances, and reads them back', async () => {
    const file = join(dir, 'a.jsonl');
    const first = new FileAnchorSink(file);
    const cps = await Promise.all([1, 2, 3].map(checkpoint));
    await Promise.all(cps.map((cp) => first.write(cp))); // concurrent writes are serialized in order
    await first.close();
    const second = new FileAnchorSink(file);
    const fourth = await checkpoint(4);
    await second.write({ ...fourth, frontier: ['x'] } as SignedCheckpoint); // only the signed checkpoint is anchored
    await second.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('');
    expect(JSON.parse(lines[3] as string)).not.toHaveProperty('frontier');
    expect(await readAll(file)).toEqual([...cps, fourth]);
  });

  it('skips a torn last line, but refuses a damaged line in the middle', async () => {
    const torn = join(dir, 'torn.jsonl');
    writeFileSync(torn, `${JSON.stringify(await checkpoint(1))}\n`);
    appendFileSync(torn, '{"v":1,"chainId":"c","se');
    expect((await readAll(torn)).map((cp) => cp.seq)).toEqual([1]);

    const damaged = join(dir, 'damaged.jsonl');
    writeFileSync(damaged, `${JSON.stringify(await checkpoint(1))}\nnot json\n${JSON.stringify(await checkpoint(2))}\n`);
    await expect(readAll(damaged)).rejects.toThrow(AnchorFileError);
    await expect(readAll(damaged)).rejects.toThrow(/line 2: not JSON/);

    const wrongShape = join(dir, 'shape.jsonl');
    writeFileSync(wrongShape, `${JSON.stringify({ ...(await checkpoint(1)), root: 'nope' })}\n`);
    await expect(readAll(wrongShape)).rejects.toThrow(/line 1: not a signed checkpoint: root/);
  });

  it('fails loudly when the file cannot be opened', async () => {
    const sink = new FileAnchorSink(join(dir, 'no-such-dir', 'a.jsonl'));
    await expect(sink.write(await checkpoint(1))).rejects.toThrow(/ENOENT/);
    await sink.close();
  });
});
