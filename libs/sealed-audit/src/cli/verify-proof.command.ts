import type { Command } from 'commander';
import { verifyInclusionProofDocument } from '../core/verify/inclusion-proof';
import { type CliIo, CliUsageError, EXIT_OK, EXIT_TAMPERED } from './cli-io';
import { collect, readPublicKeys, readText } from './cli-keys';

interface VerifyProofOptions {
  publicKey: string[];
  json?: boolean;
}

/**
 * `sealed-audit verify-proof <proof.json> --public-key <pem>…`: checks a proof from `prove`
 * offline, without the database. Exit 0 valid, 1 invalid, 2 usage.
 */
export function registerVerifyProofCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('verify-proof')
    .description('check an inclusion proof offline against the signer\'s public key; exit 0 valid, 1 invalid, 2 usage')
    .argument('<proof.json>', 'a proof written by `sealed-audit prove`')
    .option('--public-key <pem>', 'trusted Ed25519 public key (PEM file; repeat for rotated keys)', collect, [])
    .option('--json', 'print the result as JSON')
    .action((file: string, options: VerifyProofOptions) => {
      if (options.publicKey.length === 0) {
        throw new CliUsageError('verify-proof needs --public-key <pem>: a proof is only as good as the key that signed its checkpoint.');
      }
      const keys = readPublicKeys(options.publicKey);
      let document: unknown;
      try {
        document = JSON.parse(readText(file, 'proof'));
      } catch (error) {
        if (error instanceof CliUsageError) throw error;
        throw new CliUsageError(`${file} is not JSON`);
      }
      const result = verifyInclusionProofDocument(document, keys);
      if (options.json) {
        io.out(JSON.stringify(result.ok ? { ok: true, entryId: result.entryId, checkpoint: result.checkpoint } : result, null, 2));
      } else if (result.ok) {
        const cp = result.checkpoint;
        io.out(`VALID: entry ${result.entryId} is entry ${result.entryId.slice(result.entryId.lastIndexOf(':') + 1)} of the ${cp.treeSize} entries of chain "${cp.chainId}" signed at ${cp.ts} by key ${cp.keyId.slice(0, 16)}….`);
      } else {
        io.out(`INVALID (${result.kind}): ${result.reason}`);
      }
      setExitCode(result.ok ? EXIT_OK : EXIT_TAMPERED);
    });
}
