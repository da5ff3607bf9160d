#!/usr/bin/env node
'use strict';
/**
 * Deterministic cost of one audited request of the HTTP benchmark, stage by stage, without HTTP
 * or a database: what the server process spends per entry outside Express/Nest and the socket.
 *
 *   node scripts/build-lib.js --no-check-esm
 *   node bench/store/entry-cost.js <N> <stage>          native µs per iteration (process.cpuUsage)
 *   valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file=/dev/null \
 *     node bench/store/entry-cost.js <N> <stage>        instructions: take (I(2N) − I(N)) / N, so
 *                                                       start-up and JIT warm-up cancel out
 *
 * Stages (each runs a warm-up loop of WARMUP iterations first, then N):
 *   capture-base  a stand-in Express 5 request/response pair made per iteration (nothing else)
 *   capture       the same + RequestCapture.begin(), the interceptor's responseBody(), the
 *                 end-of-response hook (buildEvent, sink) and the leak scan of the response
 *                 (runScans), as at 'prefinish': subtract capture-base
 *   build         buildEntry(event) (redaction, redaction report, canonical payload text)
 *   seal          sealEntry(entry, head) (canonical entry, SHA-256 chain hash)
 *   rows          per entry of a batch of 100: toAuditLogRow, the INSERT's parameter array as
 *                 TypeOrmAuditStore.insertRows builds it, and pg's Bind message of those
 *                 parameters (prepareValue + pg-protocol serialize.bind, what a prepared
 *                 statement's execution serializes); N is rounded up to whole batches
 *   all           build + seal + rows
 *   minimal       what the HTTP benchmark's `minimal-postgres` variant (bench/http/bench-app.ts) does
 *                 per entry instead: JSON.stringify of the event with the PII fields replaced by a
 *                 constant, one SHA-256 (crypto.hash) over the previous hash and that text, its 14
 *                 values into the parameter array and pg's Bind message per 100: `all` − `minimal` is
 *                 what sealed-audit's redaction, report and canonical sealing add per entry
 *
 * The event is the one the HTTP benchmark captures (bench/http/bench-app.ts, POST /patients, the
 * body autocannon sends in bench/http/run-http.ts, parsed per request, `bodyType` the validated
 * DTO, headers as autocannon sends them: host, connection, content-type, authorization,
 * content-length, no user-agent). `--hash` prints the hash chain of 3 entries of a fixed event
 * (fixed timestamp, duration and request id), which must not change with any optimization.
 */
require('reflect-metadata');
const path = require('node:path');
const http = require('node:http');
const crypto = require('node:crypto');

const libDir = process.env.SEALED_AUDIT_LIB || path.resolve(__dirname, '../../dist/libs/sealed-audit');
const lib = require(libDir);
const { Redactor, PiiField, RequestCapture, ExposureScanner, buildEntry, sealEntry, toAuditLogRow } = lib;
const express = require('express');
const { serialize } = require('pg-protocol');
const { prepareValue } = require('pg/lib/utils');

const HMAC_KEY = 'bench-key-0123456789abcdef01234567';
const BODY = JSON.stringify({
  fullName: 'Jane Q. Example',
  email: 'jane.example@example.com',
  phone: '+44 20 7946 0958',
  ssn: '123-45-6789',
  notes: 'Allergic to penicillin; call her sister on +44 20 7946 0000',
  ward: 'B4',
});
// Autocannon's request headers, as node:http parses them (checked on a real request).
const HEADERS = {
  host: '127.0.0.1:39463',
  connection: 'keep-alive',
  'content-type': 'application/json',
  authorization: 'Bearer bench-token',
  'content-length': String(Buffer.byteLength(BODY)),
};

class CreatePatientDto {}
for (const [key, options] of [
  ['fullName', { strategy: 'mask', kind: 'name' }],
  ['email', { strategy: 'hash', kind: 'email' }],
  ['phone', { strategy: 'mask', kind: 'phone' }],
  ['ssn', { strategy: 'redact', kind: 'ssn' }],
  ['notes', { strategy: 'redact', kind: 'free-text' }],
]) {
  PiiField(options)(CreatePatientDto.prototype, key);
}

const redactor = new Redactor({ hmacKey: HMAC_KEY });
const app = express();
const route = { options: { action: 'patient.create', resource: 'patient' }, bodyType: CreatePatientDto };
const socket = { remoteAddress: '127.0.0.1' };
let captured;
const capture = new RequestCapture((event) => (captured = event), {
  leaks: { policy: 'observe', scanner: new ExposureScanner(redactor), emit: () => undefined },
  durability: 'async',
});

/** A request/response pair as Express 5 hands them to Nest for POST /patients (after body parsing and routing). */
function requestPair() {
  const req = Object.create(app.request);
  req.method = 'POST';
  req.url = '/patients';
  req.originalUrl = '/patients';
  req.headers = { ...HEADERS };
  req.socket = socket;
  req.app = app;
  req.body = JSON.parse(BODY);
  req.params = {};
  req.baseUrl = '';
  req.route = { path: '/patients' };
  const res = new http.ServerResponse(req);
  res.statusCode = 201;
  return { req, res };
}

/** One request through the capture, as the module drives it; returns its event. */
function captureOne() {
  const { req, res } = requestPair();
  const context = capture.begin(req, res);
  context.route = route;
  capture.responseBody(context, { id: 1, ward: 'B4' });
  res.emit('prefinish');
  capture.runScans();
  return captured;
}

function event() {
  return captureOne();
}

const fixedEvent = () => ({
  ...captureOne(),
  timestamp: new Date('2026-11-27T03:00:00.123Z'),
  requestId: '6f1c1a2e-8a4b-4c1d-9e2f-0a1b2c3d4e5f',
  http: { method: 'POST', route: '/patients', status: 201, durationMs: 1.2345678, ip: '127.0.0.1' },
});

const params = [];
const PROPERTIES = ['chainId', 'seq', 'v', 'ts', 'action', 'outcome', 'actorId', 'actorType', 'resource', 'subjectId', 'requestId', 'payload', 'prevHash', 'hash'];

/** What the store does per batch before the socket: rows, the parameter array, pg's Bind message. */
function appendRows(sealed) {
  const rows = sealed.map(toAuditLogRow);
  params.length = 0;
  for (const row of rows) for (const property of PROPERTIES) params.push(row[property]);
  return serialize.bind({ statement: 'sealed_audit_insert_100', values: params, valueMapper: (value) => prepareValue(value) });
}

const REDACTED = '[REDACTED]';
let minimalPrev = '0'.repeat(64);
let minimalSeq = 0;

/** The `minimal-postgres` variant's per-entry work (bench/http/bench-app.ts), from the same event. */
function minimalEntry(e, state) {
  const headers = { ...e.request.headers };
  delete headers.authorization;
  const body = e.request.body;
  const payload = JSON.stringify({
    http: { method: e.http.method, route: e.http.route, status: e.http.status, ip: e.http.ip },
    request: { body: { ...body, fullName: REDACTED, email: REDACTED, phone: REDACTED, ssn: REDACTED, notes: REDACTED }, headers },
  });
  const entryHash = crypto.hash('sha256', `${minimalPrev}${payload}`, 'hex');
  state.minimal.push('minimal', minimalSeq, 1, new Date().toISOString(), 'patient.create', 'success', null, null, 'patient', null, crypto.randomUUID(), payload, minimalPrev, entryHash);
  minimalSeq += 1;
  minimalPrev = entryHash;
  if (state.minimal.length === 1400) {
    serialize.bind({ statement: 'minimal_insert', values: state.minimal, valueMapper: (value) => prepareValue(value) });
    state.minimal = [];
  }
}

const stages = {
  minimal: (e, _entry, state) => minimalEntry(e, state),
  'capture-base': () => requestPair(),
  capture: () => captureOne(),
  build: (e) => buildEntry(e, 'bench', redactor),
  seal: (_e, entry, state) => {
    state.head = sealEntry(entry, state.head).head;
  },
  all: (e, _entry, state) => {
    const { sealed, head } = sealEntry(buildEntry(e, 'bench', redactor), state.head);
    state.head = head;
    state.batch.push(sealed);
    if (state.batch.length === 100) {
      appendRows(state.batch);
      state.batch = [];
    }
  },
};

function run(stage, n, state, e, entry) {
  if (stage === 'rows') {
    const batches = Math.ceil(n / 100);
    for (let b = 0; b < batches; b += 1) appendRows(state.sealedBatch);
    return batches * 100;
  }
  const f = stages[stage];
  for (let i = 0; i < n; i += 1) f(e, entry, state);
  return n;
}

function main() {
  if (process.argv.includes('--hash')) {
    let head = null;
    for (let i = 0; i < 3; i += 1) {
      const result = sealEntry(buildEntry(fixedEvent(), 'pin', redactor), head);
      head = result.head;
      console.log(result.sealed.hash, toAuditLogRow(result.sealed).payload);
    }
    return;
  }
  const n = Number(process.argv[2] ?? 2000);
  const stage = process.argv[3] ?? 'all';
  if (!(stage in stages) && stage !== 'rows') throw new Error(`unknown stage ${stage}`);
  const e = event();
  const entry = buildEntry(e, 'bench', redactor);
  const state = { head: null, batch: [], sealedBatch: [], minimal: [] };
  let head = null;
  for (let i = 0; i < 100; i += 1) {
    const result = sealEntry(buildEntry(event(), 'bench', redactor), head);
    head = result.head;
    state.sealedBatch.push(result.sealed);
  }
  run(stage, Number(process.env.WARMUP ?? 3000), state, e, entry);
  const before = process.cpuUsage();
  const done = run(stage, n, state, e, entry);
  const used = process.cpuUsage(before);
  console.log(`${stage}: ${done} iterations, ${((used.user + used.system) / done).toFixed(3)} µs each (cpuUsage)`);
}

main();
