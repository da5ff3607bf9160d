import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { generateSigningKeyPair } from '../core/checkpoint/checkpoint-signer';
import { type CliIo, CliUsageError, EXIT_OK } from './cli-io';

/** File names `keys generate` writes. */
export const PRIVATE_KEY_FILE = 'audit-signing.key';
export const PUBLIC_KEY_FILE = 'audit-signing.pub';

/**
 * `sealed-audit keys generate --out <dir>`: a new Ed25519 key pair as PEM files:
 * `audit-signing.key` (PKCS#8, mode 0600: give it to the application / checkpoint job only) and
 * `audit-signing.pub` (SPKI: give it to auditors, `verify --public-key`). Never overwrites.
 */
export function registerKeysCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const keys = program.command('keys').description('manage checkpoint signing keys');
  keys
    .command('generate')
    .description('write a new Ed25519 key pair (PEM) for signing checkpoints; prints its key id')
    .requiredOption('--out <dir>', 'directory for audit-signing.key and audit-signing.pub (created if missing)')
    .action((options: { out: string }) => {
      const dir = resolve(options.out);
      mkdirSync(dir, { recursive: true });
      const pair = generateSigningKeyPair();
      const privateFile = join(dir, PRIVATE_KEY_FILE);
      const publicFile = join(dir, PUBLIC_KEY_FILE);
      try {
        // 'wx': fail instead of replacing a key that may still be needed to verify old checkpoints.
        writeFileSync(privateFile, pair.privateKeyPem, { flag: 'wx', mode: 0o600 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new CliUsageError(`${privateFile} exists; refusing to overwrite a signing key. Choose another --out directory.`);
        }
        throw error;
      }
      writeFileSync(publicFile, pair.publicKeyPem, { flag: 'w', mode: 0o644 });
      io.out(`private key: ${privateFile} (keep it secret; checkpoints.privateKey / checkpoint --private-key)`);
      io.out(`public key:  ${publicFile} (give it to auditors; verify --public-key)`);
      io.out(`key id:      ${pair.keyId}`);
      setExitCode(EXIT_OK);
    });
}
