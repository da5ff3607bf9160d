#!/usr/bin/env node
'use strict';
/**
 * Verification rate on 100k entries read from PostgreSQL, against raw SHA-256 over the same
 * canonical bytes in memory, measured in one run. Not a test: it prints numbers and a ratio.
 *
 *   npm run build:cli && node bench/verify/verify-rate.js [entries] [chains]
 *
 * PostgreSQL: SEALED_AUDIT_BENCH_PG_URL (an admin URL), default postgres://postgres@127.0.0.1:5432/postgres.
 * A throwaway database is created and dropped.
 */
const { createHash, randomBytes } = require('node:crypto');
const path = require('node:path');
const { Client } = require('pg');

const dist = path.resolve(__dirname, '../../dist/libs/sealed-audit');
let lib;
try {
  lib = require(dist);
} catch (error) {
  console.error(`bench: build the library first (npm run build:cli): ${error.message}`);
  process.exit(2);
}
const {
  sealEntry, canonicalize, hashedForm, ENTRY_HASH_TAG, createAuditStore, Checkpointer, createEd25519Signer,
  generateSigningKeyPair, PublicKeyRing, verifyTrail,
} = lib;

const TOTAL = Number(process.argv[2] ?? 100_000);
const CHAINS = Number(process.argv[3] ?? 4);
const ADMIN = process.env.SEALED_AUDIT_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql) {
  const client = new Client({ connectionString: ADMIN });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function rate(n, ms) {
  return Math.round((n / ms) * 1000);
}

async function main() {
  const name = `sa_bench_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  const keys = generateSigningKeyPair();
  const store = createAuditStore({ type: 'postgres', url: url.toString() });
  try {
    await store.init();
    const checkpointer = new Checkpointer(store, { signer: createEd25519Signer(keys.privateKeyPem), intervalMs: 0, logger: { log() {}, warn() {}, error() {} } });
    await checkpointer.start();

    // Seal and store: realistic entries (HTTP facts, redacted body, metadata), checkpoints every 1000.
    const all = [];
    const perChain = Math.ceil(TOTAL / CHAINS);
    let t = Date.now();
    for (let c = 0; c < CHAINS; c += 1) {
      let head = null;
      const chainId = `bench-${c}`;
      for (let start = 0; start < perChain; start += 1000) {
        const batch = [];
        for (let i = start; i < Math.min(perChain, start + 1000); i += 1) {
          const { sealed, head: next } = sealEntry(
            {
              v: 1, chainId, ts: new Date(1_750_000_000_000 + i).toISOString(), action: 'patient.read', outcome: 'success',
              actorId: `user-${i % 97}`, actorType: 'user', resource: 'patient', subjectId: `patient-${i % 1009}`, requestId: `req-${c}-${i}`,
              payload: { http: { method: 'GET', route: '/patients/:id', status: 200, durationMs: 1.25 }, request: { params: { id: `patient-${i % 1009}` }, body: { email: 'hmac-sha256:k1:ab12cd', note: '[REDACTED]' } }, metadata: { i } },
            },
            head,
          );
          batch.push(sealed);
          head = next;
        }
        await store.append(batch);
        await checkpointer.checkpoint(chainId);
        all.push(...batch);
      }
    }
    await checkpointer.close();
    console.log(`seeded ${all.length} entries in ${CHAINS} chains (${Date.now() - t} ms), checkpoint every 1000 entries`);

    // A: the full verification as `sealed-audit verify --public-key` runs it: stream from PostgreSQL,
    // re-canonicalize and re-hash every entry, Merkle tree per chain, check every signed checkpoint.
    t = performance.now();
    const report = await verifyTrail(
      { entries: store.read(), checkpoints: store.readCheckpoints(), storedKeys: await store.readSigningKeys() },
      { publicKeys: new PublicKeyRing([keys.publicKeyPem]) },
    );
    const verifyMs = performance.now() - t;
    if (!report.ok) throw new Error(`bench trail does not verify: ${JSON.stringify(report.firstProblem)}`);

    // B: raw SHA-256 over the same bytes (tag ‖ prev_hash ‖ canonical form), already in memory.
    const messages = all.map((e) => Buffer.concat([ENTRY_HASH_TAG, Buffer.from(e.prevHash, 'hex'), Buffer.from(canonicalize(hashedForm(e)), 'utf8')]));
    const bytes = messages.reduce((sum, m) => sum + m.length, 0);
    t = performance.now();
    let check = 0;
    for (const m of messages) check ^= createHash('sha256').update(m).digest()[0];
    const rawMs = performance.now() - t;

    // C (context): canonicalize + hash in memory, no database.
    t = performance.now();
    for (const e of all) check ^= createHash('sha256').update(ENTRY_HASH_TAG).update(Buffer.from(e.prevHash, 'hex')).update(canonicalize(hashedForm(e)), 'utf8').digest()[0];
    const canonMs = performance.now() - t;

    console.log(`canonical bytes: ${(bytes / all.length).toFixed(0)} B/entry average (${check >= 0 ? 'ok' : ''})`);
    console.log(`A verify from PostgreSQL (stream + canonicalize + SHA-256 + Merkle + ${report.checkpoints} signatures): ${rate(all.length, verifyMs).toLocaleString('en')} entries/s (${verifyMs.toFixed(0)} ms)`);
    console.log(`B raw SHA-256 over the same canonical bytes in memory:            ${rate(all.length, rawMs).toLocaleString('en')} entries/s (${rawMs.toFixed(0)} ms)`);
    console.log(`C canonicalize + SHA-256 in memory (no database):                 ${rate(all.length, canonMs).toLocaleString('en')} entries/s (${canonMs.toFixed(0)} ms)`);
    console.log(`ratio A/B = ${(rawMs / verifyMs).toFixed(3)}  (verification runs at ${((rawMs / verifyMs) * 100).toFixed(1)}% of raw hashing speed)`);
    console.log(`ratio A/C = ${(canonMs / verifyMs).toFixed(3)}`);
  } finally {
    await store.close();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
