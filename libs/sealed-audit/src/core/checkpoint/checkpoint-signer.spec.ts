import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { GENESIS_CHECKPOINT_HASH, checkpointMessage, computeCheckpointHash, describeMalformedCheckpoint, parseSignedCheckpoint, type CheckpointBody, type SignedCheckpoint } from './checkpoint';
import {
  InvalidSigningKeyError,
  PublicKeyRing,
  createEd25519Signer,
  generateSigningKeyPair,
  keyIdOf,
  toPrivateKey,
  toPublicKey,
  verifyCheckpointSignature,
} from './checkpoint-signer';

const pair = generateSigningKeyPair();
const signer = createEd25519Signer(pair.privateKeyPem);

async function signed(overrides: Partial<CheckpointBody> = {}): Promise<SignedCheckpoint> {
  const body: CheckpointBody = {
    v: 1,
    chainId: 'api-1',
    seq: 1,
    treeSize: 3,
    root: 'a'.repeat(64),
    headHash: 'b'.repeat(64),
    ts: '2025-01-02T03:04:05.678Z',
    prevHash: GENESIS_CHECKPOINT_HASH,
    keyId: signer.keyId,
    ...overrides,
  };
  return { ...body, hash: computeCheckpointHash(body), signature: Buffer.from(await signer.sign(checkpointMessage(body))).toString('base64') };
}

describe('checkpoint signing (Ed25519, node:crypto)', () => {
  it('derives the key id as hex SHA-256 of the SPKI DER public key, from public or private key alike', () => {
    const der = createPublicKey(pair.publicKeyPem).export({ type: 'spki', format: 'der' });
    const expected = createHash('sha256').update(der).digest('hex');
    expect(pair.keyId).toBe(expected);
    expect(keyIdOf(pair.publicKeyPem)).toBe(expected);
    expect(keyIdOf(toPrivateKey(pair.privateKeyPem))).toBe(expected);
    expect(signer.keyId).toBe(expected);
    expect(generateSigningKeyPair().keyId).not.toBe(expected);
  });

  it('signs the tagged canonical body; the signature verifies with the public key and nothing else', async () => {
    const checkpoint = await signed();
    expect(checkpointMessage(checkpoint).subarray(0, 27).toString()).toBe('sealed-audit:checkpoint:v1\n');
    expect(verifyCheckpointSignature(checkpoint, toPublicKey(pair.publicKeyPem))).toBe(true);
    expect(verifyCheckpointSignature(checkpoint, toPublicKey(generateSigningKeyPair().publicKeyPem))).toBe(false);
  });

  it.each<[string, Partial<SignedCheckpoint>]>([
    ['treeSize', { treeSize: 4 }],
    ['root', { root: 'c'.repeat(64) }],
    ['headHash', { headHash: 'c'.repeat(64) }],
    ['chainId', { chainId: 'api-2' }],
    ['seq', { seq: 2 }],
    ['ts', { ts: '2025-01-02T03:04:05.679Z' }],
    ['prevHash', { prevHash: 'd'.repeat(64) }],
    ['keyId', { keyId: 'e'.repeat(64) }],
    ['signature', { signature: Buffer.alloc(64, 1).toString('base64') }],
  ])('rejects a signature after %s changed', async (_field, change) => {
    const checkpoint = { ...(await signed()), ...change };
    expect(verifyCheckpointSignature(checkpoint, toPublicKey(pair.publicKeyPem))).toBe(false);
  });

  it('ignores extra properties: only the body is signed and hashed', async () => {
    const checkpoint = await signed();
    const extended = { ...checkpoint, frontier: ['x'], note: 'y' } as SignedCheckpoint;
    expect(verifyCheckpointSignature(extended, toPublicKey(pair.publicKeyPem))).toBe(true);
    expect(computeCheckpointHash(extended)).toBe(checkpoint.hash);
  });

  it('refuses keys that are not Ed25519, with a message naming the fix', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => createEd25519Signer(rsa.privateKey)).toThrow(InvalidSigningKeyError);
    expect(() => createEd25519Signer(rsa.privateKey)).toThrow(/sealed-audit keys generate/);
    expect(() => toPublicKey(rsa.publicKey)).toThrow(/Ed25519/);
    expect(() => toPrivateKey('not a pem')).toThrow(/BEGIN PRIVATE KEY/);
    expect(() => toPublicKey('not a pem')).toThrow(/BEGIN PUBLIC KEY/);
  });

  it('keeps several keys by their computed id (rotation)', () => {
    const other = generateSigningKeyPair();
    const ring = new PublicKeyRing([pair.publicKeyPem, other.publicKeyPem]);
    expect(ring.size).toBe(2);
    expect(ring.ids().sort()).toEqual([pair.keyId, other.keyId].sort());
    expect(ring.get(other.keyId)).toBeDefined();
    expect(ring.has('0'.repeat(64))).toBe(false);
  });

  it('validates the shape of a signed checkpoint read from outside', async () => {
    const checkpoint = await signed();
    expect(describeMalformedCheckpoint(checkpoint)).toBeUndefined();
    expect(parseSignedCheckpoint({ ...checkpoint, extra: 1 })).toEqual(checkpoint);
    expect(describeMalformedCheckpoint({ ...checkpoint, treeSize: 0 })).toMatch(/treeSize/);
    expect(describeMalformedCheckpoint({ ...checkpoint, root: 'A'.repeat(64) })).toMatch(/root/);
    expect(describeMalformedCheckpoint({ ...checkpoint, signature: 'abc' })).toMatch(/signature/);
    expect(describeMalformedCheckpoint({ ...checkpoint, v: 2 })).toMatch(/version/);
    expect(() => parseSignedCheckpoint(null)).toThrow(/not a JSON object/);
  });
});
