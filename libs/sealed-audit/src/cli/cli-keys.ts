import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { PublicKeyRing, toPrivateKey } from '../core/checkpoint/checkpoint-signer';
import { CliUsageError } from './cli-io';

/** commander collector for repeatable options (`--public-key a.pem --public-key b.pem`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The public keys in the given PEM files (one or more keys per file), as a ring keyed by key id. */
export function readPublicKeys(files: readonly string[]): PublicKeyRing {
  const ring = new PublicKeyRing();
  for (const file of files) {
    const text = readText(file, 'public key');
    const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
    if (blocks.length === 0) throw new CliUsageError(`${resolve(file)} holds no PEM public key (-----BEGIN PUBLIC KEY-----).`);
    for (const block of blocks) {
      try {
        ring.add(block);
      } catch (error) {
        throw new CliUsageError(`${resolve(file)}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return ring;
}

/** The Ed25519 private key in a PEM file. */
export function readPrivateKey(file: string): KeyObject {
  const text = readText(file, 'private key');
  try {
    return toPrivateKey(text);
  } catch (error) {
    throw new CliUsageError(`${resolve(file)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliUsageError(`cannot read the ${what} file ${resolve(file)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
