#!/usr/bin/env node
'use strict';
/**
 * `npm run demo`: builds the library (for its CLI) and the sample app, runs the app on a free port
 * against a fresh SQLite file, drives a scripted patient-records scenario over HTTP, stops the app
 * gracefully, prints the stored trail (`sealed-audit show`), verifies it (`sealed-audit verify`),
 * and byte-searches the database files for every raw PII value the scenario sent.
 * Exit 0 when every check passes; 1 with a message otherwise.
 *
 * Node built-ins only (Node >= 20: global fetch).
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { randomUUID } = require('node:crypto');

const ROOT = path.resolve(__dirname, '..');
const DB = path.join(ROOT, 'demo-audit.sqlite');
const DB_FILES = ['', '-wal', '-shm', '-journal'].map((suffix) => DB + suffix);
const APP_OUT = path.join(ROOT, 'dist', 'apps', 'sample-app');
const LIB_OUT = path.join(ROOT, 'dist', 'libs', 'sealed-audit');
const CLI = path.join(LIB_OUT, 'cli', 'main.js');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (text) => (color ? `\x1b[${code}m${text}\x1b[0m` : String(text));
const bold = paint('1');
const dim = paint('2');
const green = paint('32');
const red = paint('31');
const yellow = paint('33');

/** Every raw value below is sent to the app; none of them may reach the audit database. */
const PATIENT = {
  fullName: 'Jane Doe',
  email: 'jane.doe@example.com',
  phone: '+44 20 7946 0958',
  ssn: '123-45-6789',
  cardNumber: '4111 1111 1111 1111',
  dateOfBirth: '1984-03-12',
  notes: 'Allergic to penicillin; lives with her sister Mary Roe',
  address: { street: '221B Baker Street', city: 'London', postcode: 'NW1 6XE' },
};
const UPDATE = { phone: '+44 161 496 0000', notes: 'Penicillin allergy confirmed by Dr Watson' };
const WRONG_PASSWORD = 'hunter2-wrong-password';
const DOCTOR_PASSWORD = 'doctor-pass';
const PLANTED = [
  ['fullName', PATIENT.fullName],
  ['email', PATIENT.email],
  ['phone', PATIENT.phone],
  ['ssn', PATIENT.ssn],
  ['cardNumber', PATIENT.cardNumber],
  ['dateOfBirth', PATIENT.dateOfBirth],
  ['notes', PATIENT.notes],
  ['address.street', PATIENT.address.street],
  ['address.postcode', PATIENT.address.postcode],
  ['updated phone', UPDATE.phone],
  ['updated notes', UPDATE.notes],
  ['login password', DOCTOR_PASSWORD],
  ['wrong login password', WRONG_PASSWORD],
];

class DemoError extends Error {}

function section(title) {
  console.log(`\n${bold(`== ${title}`)}`);
}

// ---------------------------------------------------------------------------------------------
// Build

function run(label, args, { allowFail = false } = {}) {
  const started = Date.now();
  process.stdout.write(`${label} ... `);
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: process.env });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.error || result.status !== 0) {
    console.log(red('failed'));
    if (output) console.log(indent(output));
    if (allowFail) return result;
    throw new DemoError(`${label} failed${result.error ? `: ${result.error.message}` : ` (exit ${result.status})`}`);
  }
  console.log(green(`ok`) + dim(` (${((Date.now() - started) / 1000).toFixed(1)} s)`));
  return result;
}

function build() {
  section('Build');
  if (!fs.existsSync(path.join(ROOT, 'node_modules', '@nestjs', 'core'))) {
    throw new DemoError('node_modules is missing: run `npm install` first');
  }
  run('library + CLI   (npm run build:lib)', [path.join(__dirname, 'build-lib.js')]);
  if (!fs.existsSync(CLI)) throw new DemoError(`the library build has no CLI at ${rel(CLI)}`);

  // nest-cli.json has deleteOutDir: false; stale files from an older layout must not be picked up.
  fs.rmSync(APP_OUT, { recursive: true, force: true });
  let nestBin;
  try {
    nestBin = require.resolve('@nestjs/cli/bin/nest.js', { paths: [ROOT] });
  } catch {
    throw new DemoError('@nestjs/cli is not installed: run `npm install` first');
  }
  run('sample app      (nest build sample-app)', [nestBin, 'build', 'sample-app']);
  return findAppMain();
}

/**
 * The library's sources are compiled into the app's output through the `sealed-audit` path alias,
 * which nests the output (dist/apps/sample-app/apps/sample-app/src/main.js with the pinned
 * rootDir). Look for it rather than trusting one layout.
 */
function findAppMain() {
  const preferred = [
    path.join(APP_OUT, 'apps', 'sample-app', 'src', 'main.js'),
    path.join(APP_OUT, 'src', 'main.js'),
    path.join(APP_OUT, 'main.js'),
  ];
  const found = preferred.find((file) => fs.existsSync(file)) ?? walk(APP_OUT).find((file) => /[\\/]sample-app[\\/]src[\\/]main\.js$/.test(file));
  if (!found) throw new DemoError(`nest build produced no main.js under ${rel(APP_OUT)}`);
  return found;
}

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : [full];
  });
}

/**
 * The Nest CLI rewrites `sealed-audit` imports to relative paths while compiling. Should a file
 * still require the bare name, NODE_PATH=dist/libs resolves it to the library build (whose
 * package.json points at its index.js): same code, and the demo still runs.
 */
function unresolvedAliases(mainFile) {
  const srcDir = path.dirname(mainFile);
  return walk(srcDir)
    .filter((file) => file.endsWith('.js'))
    .filter((file) => /require\(["']sealed-audit(\/[^"']*)?["']\)/.test(fs.readFileSync(file, 'utf8')))
    .map(rel);
}

// ---------------------------------------------------------------------------------------------
// The app process

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startApp(mainFile, port) {
  const env = { ...process.env, PORT: String(port), AUDIT_SQLITE: DB };
  delete env.DATABASE_URL; // the demo always uses its own SQLite file
  if (unresolvedAliases(mainFile).length) {
    env.NODE_PATH = [path.join(ROOT, 'dist', 'libs'), env.NODE_PATH].filter(Boolean).join(path.delimiter);
  }
  const child = spawn(process.execPath, [mainFile], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  const state = { exited: false, code: null, signal: null };
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      Object.assign(state, { exited: true, code, signal });
      resolve(state);
    });
  });
  const collect = (stream) => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        log.push(line);
        // Warnings and errors from the app (e.g. audit write failures) are shown as they happen.
        if (/\b(WARN|ERROR)\b/.test(line)) console.log(dim(`  [app] ${stripAnsi(line)}`));
      }
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  return { child, log, state, exited };
}

async function waitUntilUp(app, base) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (app.state.exited) throw new DemoError(`the app exited during start-up (code ${app.state.code})`);
    try {
      // Any HTTP answer will do. An unknown path (404) is neither audited nor denied, so the probe
      // leaves no entry in the trail.
      await fetch(`${base}/`, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await sleep(200);
    }
  }
  throw new DemoError(`the app did not answer on ${base} within ${START_TIMEOUT_MS / 1000} s`);
}

async function stopApp(app) {
  if (app.state.exited) return app.state;
  app.child.kill('SIGTERM');
  const timeout = sleep(STOP_TIMEOUT_MS).then(() => 'timeout');
  const result = await Promise.race([app.exited, timeout]);
  if (result === 'timeout') {
    app.child.kill('SIGKILL');
    await app.exited;
    throw new DemoError(`the app did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM (killed)`);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Scenario

async function scenario(base) {
  const results = [];
  const tokens = {};
  let patientId;

  async function step(title, { method = 'GET', url, token, body, expect }) {
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const target = typeof url === 'function' ? url() : url;
    let response;
    let data;
    try {
      response = await fetch(base + target, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      try {
        data = text ? JSON.parse(text) : undefined;
      } catch {
        data = text;
      }
    } catch (error) {
      results.push({ title, ok: false, problem: `request failed: ${error.message}` });
      console.log(`  ${red('✘')} ${title.padEnd(44)} ${method} ${target} ${red(error.message)}`);
      return undefined;
    }
    const requestId = response.headers.get('x-request-id');
    const problems = [];
    if (response.status !== expect) problems.push(`expected ${expect}, got ${response.status}`);
    if (!requestId) problems.push('no x-request-id header');
    const ok = problems.length === 0;
    results.push({ title, ok, problem: problems.join('; ') });
    const status = ok ? green(response.status) : red(response.status);
    console.log(
      `  ${ok ? green('✔') : red('✘')} ${title.padEnd(44)} ${status} ${method.padEnd(6)} ${target}` +
        dim(requestId ? `  x-request-id=${requestId}` : '') +
        (ok ? '' : `  ${red(problems.join('; '))}`),
    );
    return { status: response.status, data };
  }

  section('Scenario');
  const login = await step('login as doctor', {
    method: 'POST',
    url: '/auth/login',
    body: { username: 'doctor', password: DOCTOR_PASSWORD },
    expect: 200,
  });
  tokens.doctor = login?.data?.token ?? 'doctor-token';
  await step('login with a wrong password', {
    method: 'POST',
    url: '/auth/login',
    body: { username: 'doctor', password: WRONG_PASSWORD },
    expect: 401,
  });
  const created = await step('create a patient (with PII)', {
    method: 'POST',
    url: '/patients',
    token: tokens.doctor,
    body: PATIENT,
    expect: 201,
  });
  patientId = created?.data?.id;
  if (typeof patientId !== 'string') throw new DemoError('creating the patient returned no id; the rest of the scenario needs it');
  await step('read the patient', { url: () => `/patients/${patientId}`, token: tokens.doctor, expect: 200 });
  await step('list patients (nurse)', { url: '/patients', token: 'nurse-token', expect: 200 });
  await step('update the patient (new PII)', {
    method: 'PATCH',
    url: () => `/patients/${patientId}`,
    token: tokens.doctor,
    body: UPDATE,
    expect: 200,
  });
  await step('download a patient file', {
    url: () => `/patients/${patientId}/files/lab-results.txt`,
    token: tokens.doctor,
    expect: 200,
  });
  await step('delete as a doctor (forbidden)', { method: 'DELETE', url: () => `/patients/${patientId}`, token: tokens.doctor, expect: 403 });
  await step('delete without a token (unauthenticated)', { method: 'DELETE', url: () => `/patients/${patientId}`, expect: 401 });
  await step('read a missing patient (fails)', { url: `/patients/${randomUUID()}`, token: tokens.doctor, expect: 404 });
  await step('delete as an admin', { method: 'DELETE', url: () => `/patients/${patientId}`, token: 'admin-token', expect: 204 });
  return results;
}

// ---------------------------------------------------------------------------------------------
// After the run

function cli(args) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
}

function showTrail() {
  section('Stored trail (sealed-audit show)');
  const result = cli(['show', '--database', DB, '--limit', '100']);
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  console.log(indent(output.trimEnd() || '(no output)'));
  if (result.error || result.status !== 0) {
    throw new DemoError(`sealed-audit show failed (exit ${result.status ?? result.error?.message})`);
  }
  const expected = ['auth.login', 'patient.create', 'patient.read', 'patient.list', 'patient.update', 'file.download', 'denied', 'failure'];
  const missing = expected.filter((word) => !output.includes(word));
  return { output, missing };
}

function verifyTrail() {
  section('Verification (sealed-audit verify)');
  const result = cli(['verify', '--database', DB]);
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  console.log(indent(output.trimEnd() || '(no output)'));
  if (result.status === 0) {
    console.log(green('  intact (exit 0)'));
    return true;
  }
  console.log(red(`  exit ${result.status ?? result.error?.message}: ${result.status === 1 ? 'TAMPERED' : 'verification could not run'}`));
  return false;
}

/** Raw bytes of the main file, the WAL and any journal: nothing raw may be anywhere, not even in free pages. */
function searchPlantedPii(extraTexts) {
  section('Raw PII search');
  const files = DB_FILES.filter((file) => fs.existsSync(file));
  if (!files.includes(DB)) throw new DemoError(`${rel(DB)} does not exist after the run: nothing was stored`);
  const blobs = files.map((file) => ({ name: rel(file), bytes: fs.readFileSync(file) }));
  for (const [name, text] of extraTexts) blobs.push({ name, bytes: Buffer.from(text, 'utf8') });
  console.log(dim(`  searching ${blobs.map((b) => `${b.name} (${b.bytes.length} B)`).join(', ')}`));
  const leaks = [];
  for (const [field, value] of PLANTED) {
    const encodings = [
      ['utf8', Buffer.from(value, 'utf8')],
      ['utf16le', Buffer.from(value, 'utf16le')],
    ];
    const hits = [];
    for (const blob of blobs) {
      for (const [encoding, needle] of encodings) {
        const at = blob.bytes.indexOf(needle);
        if (at >= 0) hits.push(`${blob.name} @${at}${encoding === 'utf8' ? '' : ` (${encoding})`}`);
      }
    }
    if (hits.length) leaks.push({ field, value, hits });
    console.log(`  ${hits.length ? red('✘ FOUND') : green('✔ absent')}  ${field.padEnd(22)} ${dim(JSON.stringify(value))}${hits.length ? `  ${red(hits.join(', '))}` : ''}`);
  }
  return leaks;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const mainFile = build();

  section('Start');
  for (const file of DB_FILES) fs.rmSync(file, { force: true });
  const aliases = unresolvedAliases(mainFile);
  if (aliases.length) {
    console.log(yellow(`  note: ${aliases.length} compiled file(s) still require 'sealed-audit'; resolving it to ${rel(LIB_OUT)} via NODE_PATH`));
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  console.log(`  node ${rel(mainFile)}  PORT=${port}  AUDIT_SQLITE=${rel(DB)}`);
  const app = startApp(mainFile, port);
  let results;
  try {
    await waitUntilUp(app, base);
    console.log(`  ${green('up')} on ${base}`);
    results = await scenario(base);
  } catch (error) {
    await stopApp(app).catch(() => undefined);
    printAppLog(app);
    throw error;
  }

  section('Stop');
  const exit = await stopApp(app);
  const clean = exit.code === 0 || exit.signal === 'SIGTERM';
  console.log(`  app exited (${exit.code !== null ? `code ${exit.code}` : `signal ${exit.signal}`})${clean ? '' : red(' - not a clean shutdown')}`);
  if (!clean) printAppLog(app);

  const shown = showTrail();
  const intact = verifyTrail();
  const leaks = searchPlantedPii([['show output', shown.output]]);

  section('Result');
  const problems = [];
  for (const result of results.filter((r) => !r.ok)) problems.push(`step "${result.title}": ${result.problem}`);
  if (!clean) problems.push(`the app did not shut down cleanly (code ${exit.code}, signal ${exit.signal})`);
  if (shown.missing.length) problems.push(`the stored trail shows no ${shown.missing.map((w) => `"${w}"`).join(', ')}`);
  if (!intact) problems.push('sealed-audit verify did not report an intact trail');
  for (const leak of leaks) problems.push(`raw PII (${leak.field}) found in ${leak.hits.join(', ')}`);
  if (problems.length) {
    for (const problem of problems) console.log(`  ${red('✘')} ${problem}`);
    throw new DemoError(`${problems.length} check(s) failed`);
  }
  console.log(
    `  ${green('✔')} ${results.length} requests as expected, trail intact, no raw PII in ${rel(DB)}` +
      dim(` (${((Date.now() - started) / 1000).toFixed(1)} s)`),
  );
  console.log(dim(`  inspect it yourself: node ${rel(CLI)} show --database ${rel(DB)}`));
}

function printAppLog(app) {
  if (!app.log.length) return;
  console.log(dim('  --- app output (last 60 lines) ---'));
  for (const line of app.log.slice(-60)) console.log(dim(`  ${stripAnsi(line)}`));
}

function indent(text) {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function rel(file) {
  return path.relative(ROOT, file) || '.';
}

function stripAnsi(text) {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`\n${red('demo failed:')} ${error instanceof DemoError ? error.message : (error?.stack ?? error)}`);
    process.exit(1);
  },
);
