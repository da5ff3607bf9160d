import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The published artifact, used the way an application would: `npm run build:lib`, `npm pack`,
 * the tarball unpacked into an app's node_modules, then a NestJS app written as an ES module and
 * one written as CommonJS each start on a real port with AuditModule on SQLite, serve an audited
 * request and shut down; the package's own `sealed-audit` bin then verifies what they wrote.
 * Peer dependencies resolve from this repository's node_modules (the app folder lives inside it),
 * so nothing is fetched from a registry.
 */
const repo = resolve(__dirname, '../..');

/** An app using only the package name and documented API. Decorators applied as functions: plain JS has no syntax for them. */
function appSource(kind: 'esm' | 'cjs', database: string): string {
  const imports =
    kind === 'esm'
      ? `import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuditModule, Audited, AuditService } from 'sealed-audit';
import { createAuditTrail } from 'sealed-audit/express';`
      : `require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { AuditModule, Audited, AuditService } = require('sealed-audit');
const { createAuditTrail } = require('sealed-audit/express');`;
  return `${imports}
class PingController { ping() { return 'pong'; } }
const descriptor = Object.getOwnPropertyDescriptor(PingController.prototype, 'ping');
Audited({ action: 'ping.${kind}', resource: 'ping' })(PingController.prototype, 'ping', descriptor);
Get()(PingController.prototype, 'ping', descriptor);
Controller('ping')(PingController);
class AppModule {}
Module({
  imports: [AuditModule.forRoot({ storage: { type: 'sqlite', database: ${JSON.stringify(database)} }, chainId: 'pack-${kind}', redaction: { hmacKey: 'k'.repeat(32) } })],
  controllers: [PingController],
})(AppModule);
if (typeof createAuditTrail !== 'function') throw new Error('sealed-audit/express did not load');
const app = await NestFactory.create(AppModule, { logger: ['error'] });
await app.listen(0, '127.0.0.1');
const res = await fetch((await app.getUrl()) + '/ping', { headers: { 'x-request-id': 'pack-${kind}-1' } });
const body = await res.text();
const stats = app.get(AuditService).stats();
await app.close();
console.log(JSON.stringify({ status: res.status, body, requestId: res.headers.get('x-request-id'), chainId: stats.chainId }));
`;
}

describe('the packed library in a fresh app (ESM and CommonJS)', () => {
  let work: string;
  let appDir: string;

  beforeAll(() => {
    execFileSync(process.execPath, [join(repo, 'scripts/build-lib.js'), '--no-check-esm'], { cwd: repo, stdio: 'pipe' });
    mkdirSync(join(repo, 'tmp'), { recursive: true });
    work = mkdtempSync(join(repo, 'tmp', 'pack-'));
    execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: join(repo, 'dist/libs/sealed-audit'), stdio: 'pipe' });
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack wrote no tarball into ${work}`);
    appDir = join(work, 'app');
    const target = join(appDir, 'node_modules', 'sealed-audit');
    mkdirSync(target, { recursive: true });
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', target, '--strip-components=1']);
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.each([
    ['esm', 'main.mjs'],
    ['cjs', 'main.cjs'],
  ] as const)('runs a Nest app written as %s and the bin verifies its trail', (kind, file) => {
    const database = join(appDir, `${kind}.sqlite`);
    // CommonJS has no top-level await: wrap the same body in an async function.
    const source = appSource(kind, database);
    writeFileSync(join(appDir, file), kind === 'esm' ? source : `(async () => {\n${source}\n})().catch((e) => { console.error(e); process.exit(1); });\n`);
    const run = spawnSync(process.execPath, [file], { cwd: appDir, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    expect(result).toEqual({ status: 200, body: 'pong', requestId: `pack-${kind}-1`, chainId: `pack-${kind}` });

    const bin = join(appDir, 'node_modules', 'sealed-audit', 'cli', 'main.js');
    const verify = spawnSync(process.execPath, [bin, 'verify', '--database', database, '--json'], { cwd: appDir, encoding: 'utf8' });
    expect(verify.status).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, entries: 1 });
    const show = spawnSync(process.execPath, [bin, 'show', '--database', database, '--json'], { cwd: appDir, encoding: 'utf8' });
    expect(JSON.parse(show.stdout)).toEqual([expect.objectContaining({ action: `ping.${kind}`, requestId: `pack-${kind}-1`, outcome: 'success' })]);
  }, 90_000);
});
