import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { checkpointMessage, type SignedCheckpoint } from './checkpoint';

/**
 * Signs checkpoints. The built-in one holds an Ed25519 private key ({@link createEd25519Signer});
 * implement this interface to sign with a KMS or an HSM instead, so the private key never enters
 * the process.
 *
 * @example
 * const signer: CheckpointSigner = {
 *   keyId: keyIdOf(publicKey),
 *   publicKey,                                        // KeyObject or SPKI PEM
 *   sign: (message) => kms.sign({ KeyId, Message: message, SigningAlgorithm: 'ED25519' }),
 * };
 */
export interface CheckpointSigner {
  /** Hex SHA-256 of the SPKI DER public key ({@link keyIdOf}); checked against `publicKey` at start-up. */
  keyId: string;
  /** The Ed25519 public key, as a KeyObject or SPKI PEM. */
  publicKey: KeyObject | string;
  /** An Ed25519 signature (64 bytes) over `message`. */
  sign(message: Buffer): Promise<Uint8Array> | Uint8Array;
}

/** Thrown for a key that is not an Ed25519 key, or a signer whose key id does not match its key. */
export class InvalidSigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSigningKeyError';
  }
}

/**
 * Key id of a public key: lower-case hex SHA-256 of its SPKI DER encoding (64 characters). The id
 * is derived from the key itself, so a stored `(key id, key)` pair cannot be swapped for another
 * key without changing the id.
 */
export function keyIdOf(publicKey: KeyObject | string): string {
  const key = toPublicKey(publicKey);
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** An Ed25519 public key from a KeyObject (public or private) or a PEM text. */
export function toPublicKey(key: KeyObject | string): KeyObject {
  let object: KeyObject;
  try {
    object = typeof key === 'string' ? createPublicKey(key) : key.type === 'private' ? createPublicKey(key) : key;
  } catch (error) {
    throw new InvalidSigningKeyError(`not a public key in PEM form (-----BEGIN PUBLIC KEY-----): ${describe(error)}`);
  }
  if (object.asymmetricKeyType !== 'ed25519') {
    throw new InvalidSigningKeyError(`checkpoint keys are Ed25519; this key is ${object.asymmetricKeyType ?? object.type}. Generate one with \`sealed-audit keys generate --out <dir>\`.`);
  }
  return object;
}

/** An Ed25519 private key from a KeyObject or a PKCS#8 PEM text. */
export function toPrivateKey(key: KeyObject | string): KeyObject {
  let object: KeyObject;
  try {
    object = typeof key === 'string' ? createPrivateKey(key) : key;
  } catch (error) {
    throw new InvalidSigningKeyError(`not a private key in PEM form (-----BEGIN PRIVATE KEY-----): ${describe(error)}`);
  }
  if (object.type !== 'private' || object.asymmetricKeyType !== 'ed25519') {
    throw new InvalidSigningKeyError(
      `checkpoints are signed with an Ed25519 private key; got a ${object.type} ${object.asymmetricKeyType ?? ''} key. ` +
        'Generate one with `sealed-audit keys generate --out <dir>`.',
    );
  }
  return object;
}

/** SPKI PEM of a public key. */
export function publicKeyPem(key: KeyObject | string): string {
  return toPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
}

/**
 * A signer over a local Ed25519 private key (`node:crypto`, no dependency).
 *
 * @example
 * const signer = createEd25519Signer(readFileSync('audit-signing.key', 'utf8'));
 */
export function createEd25519Signer(privateKey: KeyObject | string): CheckpointSigner & { publicKey: KeyObject } {
  const key = toPrivateKey(privateKey);
  const publicKey = createPublicKey(key);
  return {
    keyId: keyIdOf(publicKey),
    publicKey,
    sign: (message) => sign(null, message, key),
  };
}

/** A new Ed25519 key pair as PEM texts (PKCS#8 private, SPKI public) and its key id. */
export function generateSigningKeyPair(): { privateKeyPem: string; publicKeyPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/** True when `checkpoint.signature` is a valid Ed25519 signature of its body by `publicKey`. */
export function verifyCheckpointSignature(checkpoint: SignedCheckpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, checkpointMessage(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * Public keys by key id: what a verifier trusts. Several keys support rotation: each checkpoint
 * names the key id that signed it. Ids are always computed from the keys, never taken as given.
 *
 * @example
 * const ring = new PublicKeyRing([readFileSync('old.pub', 'utf8'), readFileSync('new.pub', 'utf8')]);
 */
export class PublicKeyRing {
  private readonly keys = new Map<string, KeyObject>();

  constructor(keys: Iterable<KeyObject | string> = []) {
    for (const key of keys) this.add(key);
  }

  /** Adds a key; returns its id. */
  add(key: KeyObject | string): string {
    const object = toPublicKey(key);
    const keyId = keyIdOf(object);
    this.keys.set(keyId, object);
    return keyId;
  }

  get(keyId: string): KeyObject | undefined {
    return this.keys.get(keyId);
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  get size(): number {
    return this.keys.size;
  }

  ids(): string[] {
    return [...this.keys.keys()];
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
