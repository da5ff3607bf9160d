/**
 * HTTP overhead of auditing (issue 6, benchmark 1). Each variant of bench-app runs in its own
 * process; autocannon (100 connections) drives them in round-robin, so slow drift of this shared
 * machine hits every variant alike. Reports req/s and p50/p99 latency (median of the rounds) and
 * each variant's ratio to the no-audit baseline, plus the writer's counters: a variant that
 * dropped or still queued entries did not really keep up, whatever its req/s says.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { commandCpu, cpuSince, median, procCpuUs, ratio, table } from '../lib/bench-report';

export interface HttpBenchOptions {
  /** Seconds per measured round. */
  duration: number;
  rounds: number;
  warmup: number;
  connections: number;
  variants: string[];
  pgAdminUrl: string;
  /** NODE_PATH under which `sealed-audit` resolves to the built library. */
  nodePath: string;
  appScript: string;
}

interface RoundResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** The server process's CPU (all threads) per request, µs. */
  cpuPerRequest: number;
  /** The server's main thread's CPU per request, µs: what a request costs the event loop. */
  mainCpuPerRequest: number;
  /** PostgreSQL's CPU per request (all its processes), µs: the database shares the cores. */
  dbCpuPerRequest: number;
  /** The load generator's CPU per request (this process: autocannon), µs. */
  loadCpuPerRequest: number;
}

interface Running {
  variant: string;
  child: ChildProcess;
  port: number;
}

const BODY = JSON.stringify({
  fullName: 'Jane Q. Example',
  email: 'jane.example@example.com',
  phone: '+44 20 7946 0958',
  ssn: '123-45-6789',
  notes: 'Allergic to penicillin; call her sister on +44 20 7946 0000',
  ward: 'B4',
});

async function start(variant: string, env: NodeJS.ProcessEnv, options: HttpBenchOptions): Promise<Running> {
  const child = spawn(process.execPath, [options.appScript], {
    env: { ...process.env, ...env, BENCH_VARIANT: variant, NODE_PATH: options.nodePath, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // stderr is passed on, and its first error line names why a variant did not start.
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    if (errors.length < 4096) errors += chunk.toString();
  });
  let buffer = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /listening (\d+)/.exec(buffer);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => {
      // Nest colours its log: strip the escapes, then take the first "...Error: ..." line.
      const plain = errors.replace(/\x1b\[[0-9;]*m/g, '');
      const at = plain.search(/\b\w*Error: /);
      const why = (at >= 0 ? plain.slice(at).split(/\n\s+at /)[0] ?? '' : plain.trim().split('\n').pop() ?? '').replace(/\s+/g, ' ');
      reject(new Error(`exited with ${code} before listening${why ? `: ${why.slice(0, 240)}` : ''}`));
    });
  });
  return { variant, child, port };
}

async function load(server: Running, seconds: number, connections: number): Promise<RoundResult> {
  const pid = server.child.pid ?? 0;
  const cpuBefore = procCpuUs(pid);
  const mainBefore = procCpuUs(pid, pid);
  const dbBefore = commandCpu('postgres');
  const loadBefore = process.cpuUsage();
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}/patients`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench-token' },
    body: BODY,
    connections,
    duration: seconds,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    // Work still queued after the round (an async writer's backlog) is billed to the next round
    // of the same server, and `stats()` below drains it: across rounds the figure evens out.
    cpuPerRequest: (procCpuUs(pid) - cpuBefore) / Math.max(1, result.requests.total),
    mainCpuPerRequest: (procCpuUs(pid, pid) - mainBefore) / Math.max(1, result.requests.total),
    dbCpuPerRequest: cpuSince('postgres', dbBefore) / Math.max(1, result.requests.total),
    loadCpuPerRequest: ((load) => (load.user + load.system) / Math.max(1, result.requests.total))(process.cpuUsage(loadBefore)),
  };
}

function cpuCell(us: number): string {
  return Number.isFinite(us) ? `${us.toFixed(0)} µs` : '-';
}

async function stats(port: number): Promise<Record<string, unknown> | null> {
  const res = await fetch(`http://127.0.0.1:${port}/__bench/stats`);
  return ((await res.json()) as { stats: Record<string, unknown> | null }).stats;
}

async function stop(running: Running): Promise<void> {
  if (running.child.exitCode !== null) return;
  running.child.kill('SIGTERM');
  await once(running.child, 'exit');
}

/** What the HTTP benchmark found: the Markdown report and each variant's median CPU per request (µs). */
export interface HttpBenchResult {
  report: string;
  /** Median CPU per request of each variant that ran (all threads of its process), µs. */
  cpuPerRequest: Map<string, number>;
}

/** Runs the benchmark and returns the Markdown report and the CPU figures. */
export async function runHttpBench(options: HttpBenchOptions): Promise<HttpBenchResult> {
  const work = mkdtempSync(join(tmpdir(), 'sealed-audit-bench-'));
  const database = `sa_bench_${process.pid}`;
  const admin = new Client({ connectionString: options.pgAdminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${database}`);
  const pgUrl = new URL(options.pgAdminUrl);
  pgUrl.pathname = `/${database}`;
  const env = { BENCH_SQLITE: join(work, 'audit.sqlite'), BENCH_PG_URL: pgUrl.toString(), BENCH_LOG_FILE: join(work, 'requests.log') };

  const running: Running[] = [];
  // A variant that cannot start (e.g. better-sqlite3 built for another Node when the bench runs
  // under `--node=`) is reported as such; the others still run.
  const failed = new Map<string, string>();
  try {
    for (const variant of options.variants) {
      try {
        running.push(await start(variant, env, options));
      } catch (error) {
        failed.set(variant, error instanceof Error ? error.message : String(error));
      }
    }
    if (failed.has(options.variants[0] ?? 'none')) throw new Error(`the baseline variant did not start: ${failed.get(options.variants[0] ?? 'none')}`);
    const results = new Map<string, RoundResult[]>(options.variants.map((v) => [v, []]));
    for (const server of running) await load(server, options.warmup, options.connections);
    for (let round = 0; round < options.rounds; round += 1) {
      for (const server of running) {
        results.get(server.variant)?.push(await load(server, options.duration, options.connections));
        // Let an async writer drain its backlog so it does not bill the next variant.
        await stats(server.port);
      }
    }
    const counters = new Map<string, Record<string, unknown> | null>();
    for (const server of running) counters.set(server.variant, await stats(server.port));

    const baseRounds = results.get(options.variants[0] ?? 'none') ?? [];
    const base = median(baseRounds.map((r) => r.rps));
    const baseCpu = median(baseRounds.map((r) => r.cpuPerRequest));
    const machineCpu = (r: RoundResult): number => r.cpuPerRequest + r.dbCpuPerRequest + r.loadCpuPerRequest;
    const baseMachine = median(baseRounds.map(machineCpu));
    const cpuPerRequest = new Map<string, number>();
    const rows = options.variants.map((variant) => {
      const rounds = results.get(variant) ?? [];
      const failure = failed.get(variant);
      if (failure !== undefined) return [variant, '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', `did not start: ${failure}`];
      cpuPerRequest.set(variant, median(rounds.map((r) => r.cpuPerRequest)));
      const rps = median(rounds.map((r) => r.rps));
      const counter = counters.get(variant);
      const written = counter ? `${String(counter.written)} written, ${String(counter.dropped)} dropped, ${String(counter.queued)} queued` : '-';
      return [
        variant,
        rps.toFixed(0),
        ratio(rps, base),
        median(rounds.map((r) => r.p50)).toFixed(1),
        median(rounds.map((r) => r.p99)).toFixed(1),
        cpuCell(median(rounds.map((r) => r.cpuPerRequest))),
        cpuCell(median(rounds.map((r) => r.mainCpuPerRequest))),
        ratio(baseCpu, median(rounds.map((r) => r.cpuPerRequest))),
        cpuCell(median(rounds.map((r) => r.dbCpuPerRequest))),
        cpuCell(median(rounds.map(machineCpu))),
        ratio(baseMachine, median(rounds.map(machineCpu))),
        rounds.reduce((sum, r) => sum + r.errors + r.non2xx, 0),
        written,
      ];
    });
    const report = [
      `### HTTP overhead (autocannon, ${options.connections} connections, ${options.rounds} × ${options.duration} s rounds after ${options.warmup} s warm-up, median)`,
      '',
      table(
        ['variant', 'req/s', 'vs none', 'p50 ms', 'p99 ms', 'CPU/req', 'main thread CPU/req', 'none CPU ÷ CPU', 'PostgreSQL CPU/req', 'machine CPU/req', 'none ÷ machine', 'errors+non-2xx', 'audit writer'],
        rows,
      ),
      '',
      'CPU/req: the server process’s CPU time (user + system, all threads) per request, from /proc; less',
      'sensitive to this shared machine’s load than req/s. `none CPU ÷ CPU` is the throughput ratio a',
      'server bound by its own CPU would reach, ignoring the load generator that shares the cores.',
      'PostgreSQL CPU/req: all PostgreSQL processes (server and backends) per request; machine CPU/req:',
      'the server + PostgreSQL + the load generator (autocannon, in the benchmark’s own process). The',
      'three share the two cores, so when the cores are the bound, req/s follows `none ÷ machine`.',
    ].join('\n');
    return { report, cpuPerRequest };
  } finally {
    for (const server of running) await stop(server).catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(work, { recursive: true, force: true });
  }
}
