/**
 * `npm run bench`: every benchmark, each printing its baseline, the variant and the ratio, all
 * measured in the same run on this machine. Not a test: nothing here asserts a speed.
 *   --quick          short rounds (a smoke run, numbers are noisy)
 *   --only=http,…    run some benchmarks only
 *   --variants=a,b   HTTP: these variants only (the first is the baseline), e.g. none,sqlite
 *   --save           also write bench/results/<date>.md
 * `scripts/bench.js --node=<path>` runs all of it (and every server) under another Node binary.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { machineLine } from './lib/bench-report';
import { httpBudgetSection, type EntryFloors } from './lib/http-budget';
import { runHttpBench } from './http/run-http';
import { runStoreBench } from './store/run-store';

// Compiled to dist/bench/bench/run.js: the repository is three levels up.
const repo = resolve(__dirname, '../../..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',');
const wanted = (name: string) => !only || only.includes(name);
const httpVariants = args.find((arg) => arg.startsWith('--variants='))?.slice('--variants='.length).split(',');

async function main(): Promise<void> {
  const sections = [machineLine()];
  console.log(sections[0]);
  let httpCpu: Map<string, number> | undefined;
  if (wanted('http')) {
    const { report, cpuPerRequest } = await runHttpBench({
      duration: quick ? 3 : 10,
      rounds: quick ? 1 : 3,
      warmup: quick ? 1 : 3,
      connections: 100,
      variants: httpVariants ?? [
        'none',
        'none-als',
        'pino',
        'minimal-postgres',
        'sqlite',
        'postgres',
        'postgres-sync',
        'sqlite-thread',
        'postgres-thread',
        'postgres-sync-thread',
        'sqlite-nocontext',
        'postgres-nocontext',
        'sqlite-nocontext-thread',
        'postgres-nocontext-thread',
        'sqlite-nocontext-unaudited',
        'nest-enhancers',
      ],
      pgAdminUrl: process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      nodePath: process.env.NODE_PATH ?? join(repo, 'dist', 'bench-modules'),
      appScript: join(__dirname, 'http', 'bench-app.js'),
    });
    console.log(`\n${report}`);
    sections.push(report);
    httpCpu = cpuPerRequest;
  }
  let floors: EntryFloors | undefined;
  if (wanted('store')) {
    const { report, ...measured } = await runStoreBench({
      entries: quick ? 5_000 : 20_000,
      batchSize: 100,
      rounds: quick ? 2 : 5,
      pgAdminUrl: process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    });
    console.log(`\n${report}`);
    sections.push(report);
    floors = measured;
  }
  const budget = httpCpu && httpBudgetSection(httpCpu, floors);
  if (budget) {
    console.log(`\n${budget}`);
    sections.push(budget);
  }
  // The verify and redaction benchmarks are plain scripts over the built library: run them as they are.
  for (const [name, title, script, scriptArgs] of [
    ['verify', 'Verify (PostgreSQL, 4 chains, signed checkpoint every 1000 entries)', 'bench/verify/verify-rate.js', quick ? ['20000'] : []],
    ['redaction', 'Redaction (per payload, vs JSON.stringify of the same payload)', 'bench/redaction/redaction.bench.js', []],
  ] as const) {
    if (!wanted(name)) continue;
    const run = spawnSync(process.execPath, [join(repo, script), ...scriptArgs], { cwd: repo, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${script} failed (${String(run.status)}): ${run.stderr}`);
    const report = `### ${title}\n\n\`\`\`\n${run.stdout.trim()}\n\`\`\``;
    console.log(`\n${report}`);
    sections.push(report);
  }
  if (args.includes('--save')) {
    const dir = join(repo, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    // One file per run: a second run on the same day gets the time too (history is kept, never overwritten).
    const now = new Date().toISOString();
    const day = join(dir, `${now.slice(0, 10)}.md`);
    const file = existsSync(day) ? join(dir, `${now.slice(0, 10)}-${now.slice(11, 13)}${now.slice(14, 16)}.md`) : day;
    writeFileSync(file, `# Benchmarks\n\n${sections.join('\n\n')}\n`);
    console.log(`\nsaved ${file}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
