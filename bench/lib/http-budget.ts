/**
 * The HTTP target (audited async ≥ 0.85× of no auditing) set against the floors measured in the
 * same run: how many µs of CPU per request 0.85× leaves, and what the parts no implementation can
 * skip cost on this machine and this Node. A CPU-bound server's ratio is none ÷ (none + added
 * CPU), so a sum of floors larger than the budget bounds the ratio below the target whatever the
 * rest of the code does. Two kinds of floor: sealed-audit's own parts (its hooks, one entry from
 * the store benchmark), and `minimal-postgres`, a hand-written minimal audit log with no
 * sealed-audit in it: the floor of any implementation of the guarantees.
 */
import { table } from './bench-report';

/** Per-entry floors from the store benchmark (Node CPU, µs). */
export interface EntryFloors {
  sealAloneUs: number;
  /** PostgreSQL: the client side of `store.append()` (the server's work is another process's). */
  appendAloneUs: number;
  /** SQLite: `store.append()` with the engine itself, which runs in the Node process. */
  sqliteAppendAloneUs?: number;
}

const fmt = (us: number): string => us.toFixed(1);
const bound = (none: number, added: number): string => `${(none / (none + added)).toFixed(2)}×`;

/** The store a variant writes to, from its name (`sqlite-…`, `postgres-…`). */
function storeOf(variant: string): 'postgres' | 'sqlite' | undefined {
  if (variant.startsWith('sqlite')) return 'sqlite';
  if (variant.startsWith('postgres')) return 'postgres';
  return undefined;
}

/**
 * The Markdown section, or `undefined` when the run lacks the `none` baseline. Rows whose
 * variant or benchmark did not run are left out.
 */
export function httpBudgetSection(cpu: ReadonlyMap<string, number>, floors: EntryFloors | undefined, target = 0.85): string | undefined {
  const none = cpu.get('none');
  if (none === undefined) return undefined;
  const budget = none * (1 / target - 1);
  const diff = (variant: string): number | undefined => {
    const value = cpu.get(variant);
    return value === undefined ? undefined : Math.max(0, value - none);
  };
  const context = diff('none-als');
  // Either store will do: an unaudited endpoint writes nothing (postgres for Node binaries that
  // better-sqlite3 was not built for).
  const hooksVariant = ['sqlite-nocontext-unaudited', 'postgres-nocontext-unaudited'].find((variant) => cpu.has(variant));
  const hooks = hooksVariant === undefined ? undefined : diff(hooksVariant);
  const entryOf = (store: 'postgres' | 'sqlite'): number | undefined => {
    if (!floors) return undefined;
    const append = store === 'postgres' ? floors.appendAloneUs : floors.sqliteAppendAloneUs;
    return append === undefined ? undefined : floors.sealAloneUs + append;
  };
  /** Context (unless off) + hooks + one entry of the variant's store: what it cannot go below. */
  const floorOf = (variant: string): number | undefined => {
    const store = storeOf(variant);
    const entry = store && entryOf(store);
    if (entry === undefined || hooks === undefined) return undefined;
    if (variant.includes('nocontext')) return hooks + entry;
    return context === undefined ? undefined : context + hooks + entry;
  };

  const rows: Array<[string, string, string, string]> = [
    ['`none`: the bare endpoint', fmt(none), '', ''],
    [`budget: what ${target}× leaves for auditing, none × (1/${target} − 1)`, fmt(budget), `${target.toFixed(2)}×`, ''],
  ];
  if (context !== undefined) rows.push(['the request context alone (`none-als` − `none`), on by default', fmt(context), bound(none, context), '']);
  if (hooks !== undefined) rows.push([`the module’s hooks on every request (\`${String(hooksVariant)}\` − \`none\`)`, fmt(hooks), bound(none, hooks), '']);
  if (floors) {
    rows.push(['one entry: redact + seal alone, no database (store benchmark)', fmt(floors.sealAloneUs), '', '']);
    rows.push(['one entry: PostgreSQL `store.append()` alone, client side (store benchmark)', fmt(floors.appendAloneUs), bound(none, floors.sealAloneUs + floors.appendAloneUs), '']);
    if (floors.sqliteAppendAloneUs !== undefined) {
      rows.push(['one entry: SQLite `store.append()` alone, the engine included (store benchmark)', fmt(floors.sqliteAppendAloneUs), bound(none, floors.sealAloneUs + floors.sqliteAppendAloneUs), '']);
    }
  }
  const lines: string[] = [];
  for (const store of ['postgres', 'sqlite'] as const) {
    const entry = entryOf(store);
    if (entry === undefined || hooks === undefined) continue;
    const name = store === 'postgres' ? 'PostgreSQL' : 'SQLite';
    const noContext = entry + hooks;
    rows.push([`floor, ${name}, \`requestContext: false\`: hooks + entry`, fmt(noContext), bound(none, noContext), '']);
    if (context !== undefined) {
      const defaults = noContext + context;
      rows.push([`floor, ${name}, defaults: context + hooks + entry`, fmt(defaults), bound(none, defaults), '']);
      lines.push(
        defaults > budget
          ? `${name} with the defaults: the floors alone add ${fmt(defaults)} µs against a budget of ${fmt(budget)} µs, so a server bound by its own CPU cannot pass ${bound(none, defaults)} of \`none\` here, before any capture or entry-building code runs.`
          : `${name} with the defaults: the floors add ${fmt(defaults)} µs of a ${fmt(budget)} µs budget; ${fmt(budget - defaults)} µs are left for capture and building the entry.`,
      );
    }
    lines.push(
      noContext > budget
        ? `${name} with \`requestContext: false\`: the floors alone add ${fmt(noContext)} µs, more than the budget (best ${bound(none, noContext)}).`
        : `${name} with \`requestContext: false\`: the floors add ${fmt(noContext)} µs; ${fmt(budget - noContext)} µs are left for capture and building the entry.`,
    );
  }
  const minimal = diff('minimal-postgres');
  if (minimal !== undefined) {
    const what = 'A hand-written audit log doing only the unavoidable (serialize with the PII fields replaced, one SHA-256 chain hash, one row into the same PostgreSQL table)';
    rows.push(['floor of any implementation: `minimal-postgres` (a hand-written minimal audit log) − `none`', fmt(minimal), bound(none, minimal), '']);
    lines.push(
      minimal > budget
        ? `${what} adds ${fmt(minimal)} µs here, more than the ${fmt(budget)} µs budget: by CPU time, no implementation of these guarantees reaches ${target}× on this machine (best ${bound(none, minimal)}).`
        : `${what} adds ${fmt(minimal)} µs here: ${fmt(budget - minimal)} µs of the ${fmt(budget)} µs budget are left for everything sealed-audit does beyond it (hooks that see denied requests, masks, HMAC pseudonyms, detectors, the redaction report, RFC 8785 sealing, the writer).`,
    );
    if (context !== undefined) {
      const withContext = minimal + context;
      rows.push(['floor of any implementation with a request context: `minimal-postgres` + the request context', fmt(withContext), bound(none, withContext), '']);
      lines.push(
        withContext > budget
          ? `With a request context (the default, how \`AuditService.record()\` finds its request) the floor is ${fmt(withContext)} µs, over the budget: by CPU time, no implementation with one reaches ${target}× here (best ${bound(none, withContext)}).`
          : `With a request context the floor is ${fmt(withContext)} µs, inside the budget.`,
      );
    }
  }
  for (const [variant, value] of cpu) {
    if (variant === 'none' || variant === 'none-als' || variant === 'pino' || variant === 'minimal-postgres' || variant === 'nest-enhancers' || variant.endsWith('-unaudited')) continue;
    const added = Math.max(0, value - none);
    const floor = floorOf(variant);
    rows.push([`measured: \`${variant}\` − \`none\``, fmt(added), bound(none, added), floor === undefined ? '' : fmt(added - floor)]);
  }
  return [
    `### HTTP budget at ${target}× vs the floors measured in this run (CPU per request, all threads)`,
    '',
    table(['', 'µs', 'best ratio a CPU-bound server could reach', 'measured − its floor, µs'], rows),
    '',
    'The floors are work no audited request can skip: the request context (how `AuditService.record()`',
    'finds its request), the hooks that see denied requests, and one entry redacted, sealed and',
    'inserted (measured without HTTP, so without capture). Ratio = none ÷ (none + added CPU). The',
    'last column is what a variant spent beyond the floors of its store and context setting: capture,',
    'building the event, handing it to the writer, the garbage collection of entries waiting for their',
    'batch (and noise: each figure is the difference of two medians).',
    ...(lines.length ? ['', ...lines] : []),
  ].join('\n');
}
