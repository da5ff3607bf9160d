#!/usr/bin/env bash
# Instructions per request of one HTTP benchmark variant's server process (all its threads), from
# valgrind's callgrind: counts that the shared machine's load does not move, unlike CPU time.
#
#   npm run bench -- --quick --only=redaction      # any run: builds dist/ and dist/bench-modules
#   bash bench/http/callgrind-server.sh <variant> [warm-up requests] [measured requests]
#
# The server runs under callgrind with collection off; autocannon (100 connections) sends the
# warm-up requests, collection is switched on for the measured ones and off again. Under valgrind
# the server is ~80x slower, so it is saturated and handles many requests per event-loop turn in
# every variant alike; counts of different variants are comparable only when taken the same way,
# with the machine otherwise idle. Audited variants repeat within ~2.5% (GC and batch timing in
# the window); a shorter window counts more per request (the JIT is not warm yet). Callgrind counts user-space instructions: the kernel's work
# (sockets to the client and to PostgreSQL) is not in them. Needs PostgreSQL on 127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/../.."
variant=${1:?variant, e.g. none, minimal-postgres, postgres-nocontext}
warmup=${2:-2000}
measured=${3:-6000}
work=$(mktemp -d)
db="callgrind_$$"
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db" postgres
cleanup() { psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres || true; rm -rf "$work"; }
trap cleanup EXIT
BENCH_VARIANT=$variant BENCH_PG_URL="postgres://postgres@127.0.0.1:5432/$db" BENCH_SQLITE="$work/audit.sqlite" \
  NODE_PATH=dist/bench-modules NODE_ENV=production \
  valgrind --tool=callgrind --smc-check=all-non-file --instr-atstart=no --callgrind-out-file="$work/out" \
  node dist/bench/bench/http/bench-app.js > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do grep -q listening "$work/server.log" && break; sleep 0.5; done
port=$(awk '/listening/{print $2}' "$work/server.log")
[ -n "$port" ] || { cat "$work/server.log" >&2; exit 1; }
body='{"fullName":"Jane Q. Example","email":"jane.example@example.com","phone":"+44 20 7946 0958","ssn":"123-45-6789","notes":"Allergic to penicillin; call her sister on +44 20 7946 0000","ward":"B4"}'
load() {
  npx autocannon -c 100 -a "$1" -t 120 -m POST -H 'content-type: application/json' -H 'authorization: Bearer bench-token' \
    -b "$body" "http://127.0.0.1:$port/patients" 2>&1 | grep -E 'requests in' || true
}
load "$warmup" > /dev/null
sleep 3
callgrind_control -i on "$pid" > /dev/null 2>&1
load "$measured" > /dev/null
sleep 3 # the async writer's last batches of the measured requests
callgrind_control -i off "$pid" > /dev/null 2>&1
callgrind_control -d "$pid" > /dev/null 2>&1
sleep 2
kill -INT "$pid"; sleep 3; kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true
total=$(grep -h '^totals' "$work/out.1" | awk '{print $2}')
echo "$variant: $total instructions over $measured requests = $((total / measured)) per request"
