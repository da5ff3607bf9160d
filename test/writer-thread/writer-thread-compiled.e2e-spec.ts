/**
 * `writerThread: true` as an application runs it: the library compiled to CommonJS, so the worker
 * is the compiled `audit-writer.worker.js` (not the TypeScript bootstrap Jest needs), in a Node
 * process of its own that must end by itself: the thread never keeps an application alive.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyChains } from 'sealed-audit';
import { REPO, repoScratchDir } from '../support/built-library';
import { removeTempSqlite, tempSqlitePath } from '../support/sqlite';
import { readEntries } from '../support/stored-entries';

/** Runs `node script …args`; resolves with its exit code and output (a hung process is killed after 30 s and fails the test). */
function runNode(script: string, args: string[]): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: REPO, timeout: 30_000 }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: number | string; signal?: string }) | null;
      resolve({ code: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0, signal: failure?.signal ?? null, stdout, stderr });
    });
  });
}

describe('writerThread from the compiled library, in a process of its own (SQLite)', () => {
  let scratch: string;
  let script: string;
  const databases: string[] = [];

  beforeAll(async () => {
    scratch = repoScratchDir('writer-thread-compiled');
    const out = join(scratch, 'lib');
    // Compiled apart from dist/ (which other suites build and pack): only this suite reads it.
    const tsc = await runNode(join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), [
      '-p',
      join(REPO, 'libs', 'sealed-audit', 'tsconfig.lib.json'),
      '--outDir',
      out,
      '--declaration',
      'false',
    ]);
    if (tsc.code !== 0) throw new Error(`tsc failed: ${tsc.stdout}${tsc.stderr}`);
    script = join(scratch, 'app.js');
    writeFileSync(
      script,
      `'use strict';
const { createAuditTrail } = require(${JSON.stringify(join(out, 'express'))});
const [database, mode] = process.argv.slice(2);
(async () => {
  const trail = await createAuditTrail(
    { storage: { type: 'sqlite', database }, writerThread: true, spool: false, chainId: 'compiled', redaction: { hmacKey: 'compiled-key' } },
    { log() {}, warn() {}, error: (message) => console.error(message) },
  );
  for (let n = 0; n < 50; n += 1) trail.record({ action: 'compiled.async', outcome: 'success', subject: n });
  await trail.recordSync({ action: 'compiled.sync', outcome: 'success' });
  if (mode === 'close') await trail.close();
  else await trail.flush();
  console.log(JSON.stringify(trail.stats()));
  // No process.exit(): the process must end by itself.
})().catch((error) => {
  console.error(error);
  process.exitCode = 3;
});
`,
    );
  }, 120_000);

  afterAll(() => {
    databases.forEach(removeTempSqlite);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it.each([
    ['after close()', 'close'],
    ['after flush() without close() (the idle thread does not hold the process)', 'flush'],
  ])('writes every entry and the process ends by itself %s', async (_name, mode) => {
    const database = tempSqlitePath();
    databases.push(database);
    const run = await runNode(script, [database, mode]);
    expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({ written: 51, dropped: 0, queued: 0 });
    const all = await readEntries({ type: 'sqlite', database });
    expect(all).toHaveLength(51);
    expect(await verifyChains(all)).toMatchObject({ ok: true, entries: 51 });
  });
});
