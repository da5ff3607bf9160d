import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root. */
export const REPO = resolve(__dirname, '../..');

/** Where `npm run build:lib` puts the package. */
export const BUILT_LIBRARY = join(REPO, 'dist', 'libs', 'sealed-audit');

/**
 * Builds the library as published (CommonJS in dist/libs/sealed-audit). Suites that run the
 * library in separate Node processes (real crashes, real concurrency) need compiled code; Jest's
 * on-the-fly transform only exists inside the Jest process.
 */
export function buildLibrary(): string {
  execFileSync(process.execPath, [join(REPO, 'scripts/build-lib.js'), '--no-check-esm'], { cwd: REPO, stdio: 'pipe' });
  return BUILT_LIBRARY;
}

/**
 * A scratch folder inside the repository (tmp/ is git-ignored), so scripts written there resolve
 * peer dependencies (pg, better-sqlite3, @nestjs/*) from the repository's node_modules.
 */
export function repoScratchDir(prefix: string): string {
  mkdirSync(join(REPO, 'tmp'), { recursive: true });
  return mkdtempSync(join(REPO, 'tmp', `${prefix}-`));
}
