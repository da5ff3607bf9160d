/**
 * The HTTP target (audited async ≥ 0.85× of no auditing) set against the floors measured in the
 * same run: how many µs of CPU per request 0.85× leaves, and what the parts no implementation can
 * skip cost on this machine and this Node. A CPU-bound server's ratio is none ÷ (none + added
 * CPU), so a sum of floors larger than the budget bounds the ratio below the target whatever the
 * rest of the code does.
 */
import { table } from './bench-report';

/** Per-entry floors from the store benchmark (Node CPU, µs). */
export interface EntryFloors {
  sealAloneUs: number;
  appendAloneUs: number;
}

const fmt = (us: number): string => us.toFixed(1);
const bound = (none: number, added: number): string => `${(none / (none + added)).toFixed(2)}×`;

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
  const entry = floors ? floors.sealAloneUs + floors.appendAloneUs : undefined;

  const rows: Array<[string, string, string]> = [
    ['`none`: the bare endpoint', fmt(none), ''],
    [`budget: what ${target}× leaves for auditing, none × (1/${target} − 1)`, fmt(budget), `${target.toFixed(2)}×`],
  ];
  if (context !== undefined) rows.push(['the request context alone (`none-als` − `none`), on by default', fmt(context), bound(none, context)]);
  if (hooks !== undefined) rows.push([`the module’s hooks on every request (\`${String(hooksVariant)}\` − \`none\`)`, fmt(hooks), bound(none, hooks)]);
  if (floors && entry !== undefined) {
    rows.push(['one entry: redact + seal alone, no database (store benchmark)', fmt(floors.sealAloneUs), '']);
    rows.push(['one entry: `store.append()` alone, client side (store benchmark)', fmt(floors.appendAloneUs), bound(none, entry)]);
  }
  const lines: string[] = [];
  if (entry !== undefined && hooks !== undefined) {
    const noContext = entry + hooks;
    rows.push(['floor with `requestContext: false`: hooks + entry', fmt(noContext), bound(none, noContext)]);
    if (context !== undefined) {
      const defaults = noContext + context;
      rows.push(['floor with the defaults: context + hooks + entry', fmt(defaults), bound(none, defaults)]);
      lines.push(
        defaults > budget
          ? `With the defaults the floors alone add ${fmt(defaults)} µs against a budget of ${fmt(budget)} µs: a server bound by its own CPU cannot pass ${bound(none, defaults)} of \`none\` here, before any capture or entry-building code runs.`
          : `With the defaults the floors add ${fmt(defaults)} µs of a ${fmt(budget)} µs budget: ${fmt(budget - defaults)} µs are left for capture and building the entry.`,
      );
    }
    lines.push(
      noContext > budget
        ? `With \`requestContext: false\` the floors alone add ${fmt(noContext)} µs, more than the budget.`
        : `With \`requestContext: false\` the floors add ${fmt(noContext)} µs: ${fmt(budget - noContext)} µs are left for capture and building the entry.`,
    );
  }
  for (const [variant, value] of cpu) {
    if (variant === 'none' || variant === 'none-als' || variant === 'pino' || variant === 'nest-enhancers' || variant.endsWith('-unaudited')) continue;
    rows.push([`measured: \`${variant}\` − \`none\``, fmt(Math.max(0, value - none)), bound(none, Math.max(0, value - none))]);
  }
  return [
    `### HTTP budget at ${target}× vs the floors measured in this run (CPU per request, all threads)`,
    '',
    table(['', 'µs', 'best ratio a CPU-bound server could reach'], rows),
    '',
    'The floors are work no audited request can skip: the request context (how `AuditService.record()`',
    'finds its request), the hooks that see denied requests, and one entry redacted, sealed and',
    'inserted (measured without HTTP, so without capture). Ratio = none ÷ (none + added CPU).',
    ...(lines.length ? ['', ...lines] : []),
  ].join('\n');
}
