import type { JsonObject } from '../audit-event';

/**
 * Where a value was changed and how: `"request.body.email" → "hash:email"`. Paths name array
 * items `[]` (one line for all items); the label is `<strategy>:<kind>` (`redact`, `mask`, `hash`,
 * `omit`, `custom`), several kinds in one text are joined with `,`. Never holds a value.
 *
 * @example
 * const report: RedactionReport = new Map();
 * redactor.redact(req.body, CreatePatientDto, report, 'request.body');
 * report.get('request.body.email'); // 'hash:email'
 */
export type RedactionReport = Map<string, string>;

/** Most lines one report keeps (a hostile body must not grow the entry without bound). */
export const MAX_REPORT_LINES = 200;

/** The line a full report gets instead of more paths. */
const TRUNCATED_PATH = '[Truncated]';
const TRUNCATED_LABEL = 'more redactions than the summary keeps';

/**
 * @internal Notes one change in a report: the rule of every report, public or traced. A new path
 * gets its label (or, past {@link MAX_REPORT_LINES}, the report gets a `[Truncated]` line); a path
 * already noted gets the labels it does not list yet appended ({@link mergeLabels}).
 */
export function noteLine(report: RedactionReport, path: string, label: string): void {
  const existing = report.get(path);
  if (existing === undefined) {
    if (report.size < MAX_REPORT_LINES) report.set(path, label);
    else report.set(TRUNCATED_PATH, TRUNCATED_LABEL);
  } else if (existing !== label) {
    const merged = mergeLabels(existing, label);
    if (merged !== existing) report.set(path, merged);
  }
}

/**
 * @internal `existing` with each label of `label` (one, or several joined with `,`) that it does
 * not list yet appended: `redact:card` + `redact:email,redact:card` → `redact:card,redact:email`.
 */
export function mergeLabels(existing: string, label: string): string {
  if (!label.includes(',')) return listed(existing, label) ? existing : `${existing},${label}`;
  let merged = existing;
  for (const one of label.split(',')) if (!listed(merged, one)) merged = `${merged},${one}`;
  return merged;
}

/**
 * @internal `existing.split(',').includes(label)` without the split: `label` is one of the
 * comma-separated labels of `existing` (a label holding a comma is never one of them).
 */
export function listed(existing: string, label: string): boolean {
  if (label.includes(',')) return false;
  const n = label.length;
  if (n === 0) return existing.split(',').includes('');
  for (let at = existing.indexOf(label); at !== -1; at = existing.indexOf(label, at + 1)) {
    if ((at === 0 || existing.charCodeAt(at - 1) === 44) && (at + n === existing.length || existing.charCodeAt(at + n) === 44)) return true;
  }
  return false;
}

/** @internal A report as the plain object an entry stores in `payload.redactions` (`Object.fromEntries` is several times slower). */
export function reportObject(report: RedactionReport): JsonObject {
  const out: JsonObject = {};
  for (const [path, what] of report) {
    // A plain assignment of "__proto__" would set the prototype instead of a key.
    if (path === '__proto__') Object.defineProperty(out, path, { value: what, enumerable: true, writable: true, configurable: true });
    else out[path] = what;
  }
  return out;
}

/**
 * @internal Notes a compiled walker defers to the end of a call (see Redactor.compileShape): its
 * key paths under one parent and, index-aligned, the label each key's note would have. One object
 * per walker and parent path, reused on every call.
 */
export interface NoteGroup {
  readonly paths: readonly string[];
  readonly labels: readonly string[];
}

/**
 * @internal The report of one audit entry as buildEntry collects it: the redactor's notes, in
 * order, as `path, label, path, label, …`, turned into the stored object once at the end
 * ({@link ReportObjects}). A Map costs a hash look-up and often a store per note; most entries of
 * one endpoint note the same paths with the same labels, so the notes are kept as they come and
 * the object is built once per distinct sequence of notes.
 */
export class RedactionTrace {
  /**
   * `path, label` pairs and `group, bits` pairs (the notes of a group's keys whose bit is set, in
   * key order), flattened, in the order noted (a pair equal to the one before it is left out).
   */
  readonly notes: Array<string | NoteGroup | number> = [];

  /** Notes one change (what {@link noteLine} does to a Map, deferred). */
  add(path: string, label: string): void {
    const notes = this.notes;
    const n = notes.length;
    // The same note twice in a row (items of one array) changes nothing the second time: the path
    // already lists the label, or the report is full and keeps its one `[Truncated]` line. The path
    // `[Truncated]` itself is the exception (its second note would merge into the marker), so it is
    // always kept; buildEntry's paths never are that, but the rule stays exact for any path.
    if (n !== 0 && notes[n - 1] === label && notes[n - 2] === path && path !== TRUNCATED_PATH) return;
    notes.push(path, label);
  }

  /**
   * Notes the keys of `group` whose bit is set in `bits` (bit i: key i), as {@link add} would one by
   * one in key order. Its paths are `<parent>.<key>`, never `[Truncated]`: the same group twice in a
   * row changes nothing the second time.
   */
  addGroup(group: NoteGroup, bits: number): void {
    const notes = this.notes;
    const n = notes.length;
    if (n !== 0 && notes[n - 1] === bits && notes[n - 2] === group) return;
    notes.push(group, bits);
  }

  /** Whether anything was noted (the Map of the same notes would not be empty). */
  get empty(): boolean {
    return this.notes.length === 0;
  }
}

/** Sequences of notes whose stored object is kept (the last ones built; an app's endpoints cycle through a few). */
const MAX_CACHED_TRACES = 8;
/** Longest sequence of notes kept (strings): a body of hundreds of array items is built each time. */
const MAX_CACHED_NOTES = 1024;

/**
 * @internal The stored object of a trace's notes: what {@link reportObject} gives for a Map filled
 * by {@link noteLine} with the same notes in the same order (the Map is a function of that sequence,
 * so an equal sequence gives an equal object). The objects of the last few distinct sequences are
 * kept; each call returns a fresh copy (`{ ...kept }`, a shallow clone V8 does in one step), so no
 * entry shares, or can change, another entry's object.
 */
export class ReportObjects {
  private readonly traces: (RedactionTrace['notes'])[] = [];
  private readonly objects: JsonObject[] = [];
  /** Per kept object, a function that returns a fresh copy of it (see {@link copier}). */
  private readonly copies: (() => JsonObject)[] = [];

  /** The object an entry stores for `trace` (call it once the trace is complete). */
  objectOf(trace: RedactionTrace): JsonObject {
    const notes = trace.notes;
    const traces = this.traces;
    for (let t = 0; t < traces.length; t += 1) {
      if (sameNotes(traces[t] as RedactionTrace['notes'], notes)) return (this.copies[t] as () => JsonObject)();
    }
    const report: RedactionReport = new Map();
    for (let i = 0; i < notes.length; i += 2) {
      const at = notes[i] as string | NoteGroup;
      if (typeof at === 'string') {
        noteLine(report, at, notes[i + 1] as string);
        continue;
      }
      const bits = notes[i + 1] as number;
      for (let k = 0; k < at.paths.length; k += 1) if ((bits & (1 << k)) !== 0) noteLine(report, at.paths[k] as string, at.labels[k] as string);
    }
    const object = reportObject(report);
    if (notes.length > MAX_CACHED_NOTES) return object;
    if (traces.length >= MAX_CACHED_TRACES) {
      traces.pop();
      this.objects.pop();
      this.copies.pop();
    }
    // A copy of the notes (the trace is its caller's) and a kept object no entry holds.
    traces.unshift(notes.slice());
    this.objects.unshift(object);
    this.copies.unshift(copier(object));
    return { ...object };
  }
}

/** Most lines of a kept object copied by a generated object literal (see {@link copier}). */
const MAX_LITERAL_LINES = 64;

/**
 * @internal A function returning a fresh copy of `object` (string values only, as a report's): an object
 * literal generated from its lines (keys and values as `JSON.stringify` string literals), which V8
 * makes by copying a boilerplate with every property in the object itself, where `{ ...object }`
 * goes through the clone IC and copies the properties that did not fit into the object separately
 * (about twice the work for (a)'s ten lines). A `__proto__` line (an object literal would set the
 * prototype instead), a larger report, or code generation not being allowed: the spread copy.
 */
export function copier(object: JsonObject): () => JsonObject {
  const spread = (): JsonObject => ({ ...object });
  const keys = Object.keys(object);
  if (keys.length > MAX_LITERAL_LINES || keys.includes('__proto__')) return spread;
  try {
    const lines = keys.map((key) => `${JSON.stringify(key)}: ${JSON.stringify(object[key])}`);
    return new Function(`'use strict';\nreturn function reportCopy() {\nreturn {${lines.join(', ')}};\n};`)() as () => JsonObject;
  } catch {
    return spread;
  }
}

/**
 * Two sequences of notes, equal element for element: strings by content (mostly the same string
 * objects: the compiled walkers' precomputed paths), groups by identity, bits by value.
 */
function sameNotes(a: RedactionTrace['notes'], b: RedactionTrace['notes']): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i += 1) if (a[i] !== b[i]) return false;
  return true;
}
