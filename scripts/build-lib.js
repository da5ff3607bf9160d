#!/usr/bin/env node
'use strict';
/**
 * `npm run build:lib`: compiles libs/sealed-audit into dist/libs/sealed-audit (CommonJS + .d.ts)
 * and writes the package.json that gets published from that folder.
 *
 * Why CommonJS: one build serves both module systems. `require('sealed-audit')` loads it directly;
 * `import { AuditModule } from 'sealed-audit'` gets named exports because Node's cjs-module-lexer
 * recognises what tsc emits (`exports.X =`, `Object.defineProperty(exports, "X", …)`,
 * `__exportStar(require("./x"), exports)`). Both conditions point at the same file, so an app that
 * mixes import and require still gets one instance (no dual-package hazard: one set of injection
 * tokens, one metadata registry). Every build checks this by importing each entry from an ES
 * module (skip with `--no-check-esm`).
 *
 * Node built-ins only.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const LIB = path.join(ROOT, 'libs', 'sealed-audit');
const OUT = path.join(ROOT, 'dist', 'libs', 'sealed-audit');
const TSCONFIG = path.join(LIB, 'tsconfig.lib.json');

/** Runtime dependencies of the published package (versions taken from the root package.json). */
const DEPENDENCIES = ['cli-progress', 'commander'];
/** Supplied by the host application: one copy of Nest / TypeORM / reflect-metadata per app. */
const PEERS = ['@nestjs/common', '@nestjs/core', 'typeorm', 'reflect-metadata', 'rxjs'];
/** Needed only for the matching feature: a SQLite, PostgreSQL or MariaDB store, nested DTO plans. */
const OPTIONAL_PEERS = ['better-sqlite3', 'pg', 'mysql2', 'class-transformer'];

function fail(message) {
  console.error(`build-lib: ${message}`);
  process.exit(1);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    return fail(`cannot read ${path.relative(ROOT, file)}: ${error.message}`);
  }
}

/** `^x.y.z` for an exact root pin; anything else (a range, a tag) is kept as written. */
function range(spec) {
  return /^\d+\.\d+\.\d+$/.test(spec) ? `^${spec}` : spec;
}

function versionsOf(names, rootPkg) {
  const all = { ...rootPkg.devDependencies, ...rootPkg.dependencies };
  const out = {};
  for (const name of names) {
    if (!all[name]) fail(`"${name}" is not in the root package.json; add it there first (it is the version source)`);
    out[name] = range(all[name]);
  }
  return out;
}

function compile() {
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  } catch {
    fail('typescript is not installed: run `npm install` first');
  }
  fs.rmSync(OUT, { recursive: true, force: true });
  const result = spawnSync(process.execPath, [tsc, '-p', TSCONFIG], { cwd: ROOT, stdio: 'inherit' });
  if (result.error) fail(`could not run tsc: ${result.error.message}`);
  if (result.status !== 0) fail(`tsc -p ${path.relative(ROOT, TSCONFIG)} failed (exit ${result.status})`);
  if (!fs.existsSync(path.join(OUT, 'index.js'))) {
    fail(`tsc produced no ${path.relative(ROOT, path.join(OUT, 'index.js'))}; is libs/sealed-audit/src/index.ts there?`);
  }
}

function entry(dir) {
  const prefix = dir ? `./${dir}/` : './';
  return { types: `${prefix}index.d.ts`, import: `${prefix}index.js`, require: `${prefix}index.js`, default: `${prefix}index.js` };
}

function writeManifest() {
  const rootPkg = readJson(path.join(ROOT, 'package.json'));
  const libPkg = readJson(path.join(LIB, 'package.json'));
  for (const field of ['name', 'version', 'description']) {
    if (!libPkg[field]) fail(`libs/sealed-audit/package.json has no "${field}"`);
  }

  const exportsMap = { '.': entry('') };
  if (fs.existsSync(path.join(OUT, 'express', 'index.js'))) {
    exportsMap['./express'] = entry('express');
  } else {
    // Never publish an export that points at nothing.
    console.warn('build-lib: warning: no express/index.js in the build; the "./express" export is left out');
  }
  exportsMap['./package.json'] = './package.json';

  const bin = {};
  const cliMain = path.join(OUT, 'cli', 'main.js');
  if (fs.existsSync(cliMain)) {
    bin['sealed-audit'] = 'cli/main.js';
  } else {
    console.warn('build-lib: warning: no cli/main.js in the build; the "sealed-audit" bin is left out');
  }

  const manifest = {
    name: libPkg.name,
    version: libPkg.version,
    description: libPkg.description,
    license: libPkg.license ?? rootPkg.license,
    ...(libPkg.keywords ? { keywords: libPkg.keywords } : {}),
    ...(libPkg.repository ? { repository: libPkg.repository } : {}),
    ...(libPkg.homepage ? { homepage: libPkg.homepage } : {}),
    ...(libPkg.bugs ? { bugs: libPkg.bugs } : {}),
    ...(libPkg.author ? { author: libPkg.author } : {}),
    // No "type" field: every .js file in this package is CommonJS (see the header comment).
    main: './index.js',
    types: './index.d.ts',
    exports: exportsMap,
    ...(Object.keys(bin).length ? { bin } : {}),
    engines: libPkg.engines ?? rootPkg.engines,
    dependencies: versionsOf(DEPENDENCIES, rootPkg),
    peerDependencies: { ...versionsOf(PEERS, rootPkg), ...versionsOf(OPTIONAL_PEERS, rootPkg) },
    peerDependenciesMeta: Object.fromEntries(OPTIONAL_PEERS.map((name) => [name, { optional: true }])),
  };
  fs.writeFileSync(path.join(OUT, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function prepareBin() {
  const cliMain = path.join(OUT, 'cli', 'main.js');
  if (!fs.existsSync(cliMain)) return;
  const text = fs.readFileSync(cliMain, 'utf8');
  if (!text.startsWith('#!')) {
    // tsc keeps a shebang written in the source; add one when the source has none.
    fs.writeFileSync(cliMain, `#!/usr/bin/env node\n${text}`);
  }
  fs.chmodSync(cliMain, 0o755);
}

function copyDocs() {
  const copied = [];
  const candidates = [
    [path.join(LIB, 'README.md'), 'README.md'],
    [path.join(ROOT, 'README.md'), 'README.md'],
  ];
  for (const [from, to] of candidates) {
    if (fs.existsSync(from) && !fs.existsSync(path.join(OUT, to))) {
      fs.copyFileSync(from, path.join(OUT, to));
      copied.push(path.relative(ROOT, from));
    }
  }
  for (const dir of [LIB, ROOT]) {
    const license = fs.readdirSync(dir).find((name) => /^(LICEN[CS]E|COPYING)(\.(md|txt))?$/i.test(name));
    if (license && !fs.existsSync(path.join(OUT, license))) {
      fs.copyFileSync(path.join(dir, license), path.join(OUT, license));
      copied.push(path.relative(ROOT, path.join(dir, license)));
      break;
    }
  }
  return copied;
}

/**
 * Imports every entry of the build from an ES module and checks that the named exports Node detects
 * statically are the ones require() returns, and the same objects (one instance for both).
 */
function checkEsm() {
  const { pathToFileURL } = require('node:url');
  const entries = ['index.js', path.join('express', 'index.js')].filter((file) => fs.existsSync(path.join(OUT, file)));
  const probeDir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'sealed-audit-esm-'));
  const probe = path.join(probeDir, 'probe.mjs');
  const lines = [`import { createRequire } from 'node:module';`, `const require = createRequire(import.meta.url);`, `let failed = false;`];
  entries.forEach((file, i) => {
    const absolute = path.join(OUT, file);
    lines.push(
      `import * as ns${i} from ${JSON.stringify(pathToFileURL(absolute).href)};`,
      `{`,
      `  const cjs = require(${JSON.stringify(absolute)});`,
      `  const names = Object.keys(cjs).filter((k) => k !== '__esModule');`,
      `  const missing = names.filter((k) => !(k in ns${i}));`,
      `  const different = names.filter((k) => k in ns${i} && ns${i}[k] !== cjs[k]);`,
      `  if (missing.length) { console.error(${JSON.stringify(file)} + ': not importable by name from ESM: ' + missing.join(', ')); failed = true; }`,
      `  if (different.length) { console.error(${JSON.stringify(file)} + ': import and require differ for ' + different.join(', ')); failed = true; }`,
      `  if (!missing.length && !different.length) console.log('ESM import ok: ' + ${JSON.stringify(file)} + ', ' + names.length + ' named exports');`,
      `}`,
    );
  });
  lines.push(`if (typeof ns0.AuditModule !== 'function') { console.error('AuditModule is not a named export'); failed = true; }`);
  lines.push(`process.exit(failed ? 1 : 0);`);
  // Static imports are hoisted: order does not matter to Node, only to readers of a failing probe.
  fs.writeFileSync(probe, lines.join('\n'));
  const result = spawnSync(process.execPath, [probe], { cwd: ROOT, stdio: 'inherit' });
  fs.rmSync(probeDir, { recursive: true, force: true });
  if (result.status !== 0) fail('the build cannot be imported from an ES module (see above)');
}

function main() {
  const started = Date.now();
  compile();
  const manifest = writeManifest();
  prepareBin();
  const docs = copyDocs();
  console.log(
    `build-lib: ${manifest.name}@${manifest.version} -> ${path.relative(ROOT, OUT)}` +
      ` (${Date.now() - started} ms${docs.length ? `; copied ${docs.join(', ')}` : ''})`,
  );
  // Cheap, and it guards the one promise tsc cannot check: ESM consumers.
  if (!process.argv.includes('--no-check-esm')) checkEsm();
}

main();
