#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: builds the library (dist/libs/sealed-audit) and the benchmarks (dist/bench),
 * makes `sealed-audit` resolvable by name for the benchmark processes (NODE_PATH=dist/bench-modules,
 * a symlink to the built package — exactly what an app installing it would load), then runs
 * bench/run.ts. Arguments are passed through (--quick, --only=http, --save), but for --node=<path>.
 */
const { execFileSync } = require('node:child_process');
const { mkdirSync, rmSync, symlinkSync } = require('node:fs');
const { join } = require('node:path');

const repo = join(__dirname, '..');
const run = (file, args) => execFileSync(process.execPath, [file, ...args], { cwd: repo, stdio: 'inherit' });

run(join(repo, 'scripts/build-lib.js'), ['--no-check-esm']);
run(require.resolve('typescript/bin/tsc'), ['-p', 'bench/tsconfig.json']);
const modules = join(repo, 'dist', 'bench-modules');
rmSync(modules, { recursive: true, force: true });
mkdirSync(modules, { recursive: true });
symlinkSync(join(repo, 'dist', 'libs', 'sealed-audit'), join(modules, 'sealed-audit'), 'dir');
// `--node=<path>`: run the benchmarks, and so every server they start, under another Node binary
// (e.g. to compare Node 20 and 24). Native addons (better-sqlite3) must be built for it, or the
// variants needing them are reported as not started.
const nodeArg = process.argv.slice(2).find((arg) => arg.startsWith('--node='));
const node = nodeArg ? nodeArg.slice('--node='.length) : process.execPath;
const args = process.argv.slice(2).filter((arg) => arg !== nodeArg);
execFileSync(node, [join(repo, 'dist/bench/bench/run.js'), ...args], {
  cwd: repo,
  stdio: 'inherit',
  env: { ...process.env, NODE_PATH: modules },
});
