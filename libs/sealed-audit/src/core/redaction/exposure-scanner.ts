import { isDateLike, replaceMatches, type PiiMatch } from './detectors';
import { mask } from './masks';
import { getRedactionPlan, type RedactionPlan } from './redaction-plan';
import type { Redactor } from './redactor';

/**
 * What happens when an audited route's response carries PII that its response type does not
 * declare: `observe` reports it (a `pii.exposure` event, scanned after the response is sent),
 * `mask` rewrites the response before it is sent and reports it, `off` does neither.
 */
export type LeakPolicy = 'observe' | 'mask' | 'off';

export const LEAK_POLICIES: readonly LeakPolicy[] = ['observe', 'mask', 'off'];

/** One place in a response body where undeclared PII was found. Never holds the value. */
export interface ExposureFinding {
  /** JSON path in the response body: `$` (the body itself), `$.contact.email`, `$.items[].note`. */
  path: string;
  /** What was found: a detector kind (`email`, `phone`, `card`, …), `sensitive-key` or `date-of-birth`. */
  kind: string;
  /** How many matches (array items are counted together under one `[]` path). */
  count: number;
}

/** The result of {@link ExposureScanner.mask}: the body to send and what was rewritten in it. */
export interface ExposureMaskResult {
  /** The body to send: the very same reference when nothing had to change (copy-on-write otherwise). */
  body: unknown;
  findings: ExposureFinding[];
}

/** A compiled list of allowed JSON paths (an allowed path covers everything below it). */
export interface AllowList {
  readonly paths: readonly string[];
}

/** Thrown at decoration/start-up time for an `allow` path that cannot be understood. */
export class InvalidAllowPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAllowPathError';
  }
}

/**
 * Normalizes allowed paths: `contact.email`, `$.contact.email`, `items[].email` and `items[3].email`
 * (any index means every item) all name paths the way findings do.
 *
 * @example
 * compileAllowList(['contact.email', 'items[].phone'])
 */
export function compileAllowList(paths: readonly string[] | undefined): AllowList | undefined {
  if (paths === undefined) return undefined;
  if (!Array.isArray(paths)) throw new InvalidAllowPathError('`allow` must be an array of JSON paths such as ["contact.email", "items[].phone"].');
  const normalized = paths.map((path) => {
    if (typeof path !== 'string' || path.trim() === '') throw new InvalidAllowPathError('`allow` paths must be non-empty strings such as "contact.email".');
    let p = path.trim().replace(/\[\d*\]/g, '[]');
    if (p === '$') return '$';
    if (p.startsWith('$.') || p.startsWith('$[')) p = p.slice(1);
    else if (!p.startsWith('[')) p = `.${p}`;
    return `$${p}`;
  });
  return { paths: normalized };
}

const SECRET_KINDS = new Set(['jwt', 'api-key', 'bearer-token', 'url-credentials', 'sensitive-key']);
const MAX_FINDING_LINES = 100;

interface ScanState {
  rewrite: boolean;
  allow: AllowList | undefined;
  findings: Map<string, Map<string, number>>;
  path: string[];
  seen: Set<object>;
  nodes: number;
}

/**
 * The leak check of audited responses: finds PII that the response type does not declare. Fields
 * declared with `@PiiField` on the response type (or its nested types) are intended output and are
 * not reported; neither are paths the route allows. Everything else is checked like the redactor
 * checks captured values: sensitive key names, birth dates by key context, value detectors on every
 * string and key. Never throws; never copies a value into a finding.
 */
export class ExposureScanner {
  private readonly maxDepth: number;
  private readonly maxNodes: number;

  constructor(
    private readonly redactor: Redactor,
    limits: { maxDepth?: number; maxNodes?: number } = {},
  ) {
    this.maxDepth = limits.maxDepth ?? 32;
    this.maxNodes = limits.maxNodes ?? 100_000;
  }

  /** Reports undeclared PII in `body` (the `observe` policy: nothing is changed). */
  scan(body: unknown, type?: Function, allow?: AllowList): ExposureFinding[] {
    const state = this.state(false, allow);
    try {
      this.visit(body, type ? getRedactionPlan(type) : undefined, 0, state);
    } catch {
      // visit() guards every read; this is a last resort that keeps "never throws" true.
    }
    return findingsOf(state);
  }

  /**
   * Rewrites undeclared PII in `body` (the `mask` policy): detector matches become kind-aware masks
   * (`j***@***.com`, `********58`), secrets and sensitive keys become `[REDACTED:<kind>]`. The input is
   * not modified; changed objects are shallow copies that keep their prototype.
   */
  mask(body: unknown, type?: Function, allow?: AllowList): ExposureMaskResult {
    const state = this.state(true, allow);
    let out: unknown = body;
    try {
      out = this.visit(body, type ? getRedactionPlan(type) : undefined, 0, state);
    } catch {
      out = body;
    }
    return { body: out, findings: findingsOf(state) };
  }

  private state(rewrite: boolean, allow: AllowList | undefined): ScanState {
    return { rewrite, allow, findings: new Map(), path: ['$'], seen: new Set(), nodes: 0 };
  }

  private visit(value: unknown, plan: RedactionPlan | undefined, depth: number, state: ScanState): unknown {
    if (++state.nodes > this.maxNodes && !state.rewrite) return value;
    if (typeof value === 'string') return this.text(value, state);
    if (value === null || typeof value !== 'object') return value;
    if (value instanceof Date || Buffer.isBuffer(value) || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
    if (value instanceof Map || value instanceof Set || typeof (value as { pipe?: unknown }).pipe === 'function') return value;
    if (state.seen.has(value) || depth >= this.maxDepth) return value;
    state.seen.add(value);
    try {
      if (Array.isArray(value)) return this.visitArray(value, plan, depth, state);
      const own = (value as { constructor?: unknown }).constructor;
      const classPlan = typeof own === 'function' && own !== Object ? getRedactionPlan(own) : plan;
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        // What the client receives is the toJSON form; if it changes, that form is sent instead.
        const json: unknown = toJSON.call(value);
        if (json !== value) {
          const out = this.visit(json, classPlan, depth, state);
          return out === json ? value : out;
        }
      }
      return this.visitObject(value as Record<string, unknown>, classPlan, depth, state);
    } catch {
      return value;
    } finally {
      state.seen.delete(value);
    }
  }

  private visitArray(items: unknown[], plan: RedactionPlan | undefined, depth: number, state: ScanState): unknown[] {
    let copy: unknown[] | undefined;
    state.path.push('[]');
    for (let i = 0; i < items.length; i += 1) {
      const item = items[i];
      const out = this.visit(item, plan, depth + 1, state);
      if (out !== item && state.rewrite) (copy ??= items.slice())[i] = out;
    }
    state.path.pop();
    return copy ?? items;
  }

  private visitObject(object: Record<string, unknown>, plan: RedactionPlan | undefined, depth: number, state: ScanState): unknown {
    let copy: Record<string, unknown> | undefined;
    const renamed: Array<[string, string]> = [];
    for (const key of Object.keys(object)) {
      let value: unknown;
      try {
        value = object[key];
      } catch {
        continue;
      }
      if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
      const keyMatches = this.redactor.detectorSet.find(key);
      const pathKey = keyMatches ? replaceMatches(key, keyMatches, (m) => `[REDACTED:${m.kind}]`) : key;
      state.path.push(`.${pathKey}`);
      try {
        if (this.allowed(state)) continue;
        if (keyMatches) {
          this.record(state, keyMatches);
          if (state.rewrite) renamed.push([key, replaceMatches(key, keyMatches, (m, v) => replacement(m.kind, v))]);
        }
        if (plan?.rule(key)?.declaration) continue; // declared on the response type: intended output
        let out: unknown = value;
        if (this.redactor.isSensitiveKey(key)) {
          if ((typeof value === 'string' && value !== '') || typeof value === 'number' || (typeof value === 'object' && value !== null)) {
            this.count(state, 'sensitive-key', 1);
            out = '[REDACTED:sensitive-key]';
          }
        } else if (typeof value === 'string' && this.redactor.birthDateStrategy !== false && this.redactor.isBirthKey(key) && isDateLike(value)) {
          this.count(state, 'date-of-birth', 1);
          out = '[REDACTED:date-of-birth]';
        } else {
          // An own `__proto__` key (JSON.parse makes them) is sent by JSON.stringify too: it is checked like any other.
          out = this.visit(value, plan?.rule(key)?.nested?.(), depth + 1, state);
        }
        if (out !== value && state.rewrite) {
          copy ??= shallowCopy(object);
          Object.defineProperty(copy, key, { value: out, enumerable: true, writable: true, configurable: true });
        }
      } finally {
        state.path.pop();
      }
    }
    if (renamed.length > 0 && state.rewrite) {
      copy ??= shallowCopy(object);
      for (const [from, to] of renamed) {
        const value = copy[from];
        delete copy[from];
        Object.defineProperty(copy, to, { value, enumerable: true, writable: true, configurable: true });
      }
    }
    return copy ?? object;
  }

  private text(text: string, state: ScanState): string {
    const matches = this.redactor.detectorSet.find(text);
    if (matches === null || this.allowed(state)) return text;
    this.record(state, matches);
    return state.rewrite ? replaceMatches(text, matches, (match, value) => replacement(match.kind, value)) : text;
  }

  private allowed(state: ScanState): boolean {
    const allow = state.allow;
    if (!allow) return false;
    const path = state.path.join('');
    return allow.paths.some((allowed) => path === allowed || path.startsWith(`${allowed}.`) || path.startsWith(`${allowed}[]`));
  }

  private record(state: ScanState, matches: readonly PiiMatch[]): void {
    for (const match of matches) this.count(state, match.kind, 1);
  }

  private count(state: ScanState, kind: string, n: number): void {
    const path = state.path.join('');
    let kinds = state.findings.get(path);
    if (!kinds) {
      if (state.findings.size >= MAX_FINDING_LINES) return;
      kinds = new Map();
      state.findings.set(path, kinds);
    }
    kinds.set(kind, (kinds.get(kind) ?? 0) + n);
  }
}

/** Secrets are never partly shown; other kinds keep their usual hint. */
function replacement(kind: string, value: string): string {
  return SECRET_KINDS.has(kind) ? `[REDACTED:${kind}]` : mask(value, kind);
}

function shallowCopy(object: Record<string, unknown>): Record<string, unknown> {
  const copy = Object.create(Object.getPrototypeOf(object) as object | null) as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    Object.defineProperty(copy, key, { value: object[key], enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

function findingsOf(state: ScanState): ExposureFinding[] {
  const findings: ExposureFinding[] = [];
  for (const [path, kinds] of state.findings) {
    for (const [kind, count] of kinds) findings.push({ path, kind, count });
  }
  return findings;
}

/** A `pii.exposure` event: an audited response carried undeclared PII. Paths, kinds and counts — never values. */
export interface PiiExposure {
  type: 'pii.exposure';
  timestamp: Date;
  requestId: string;
  /** HTTP method and route pattern (`GET /patients/:id`), never the raw path. */
  method: string;
  route: string;
  /** The audited route's action (`patient.read`). */
  action: string;
  status: number;
  /** `observe`: the response left as it was. `mask`: it was rewritten before it was sent. */
  policy: 'observe' | 'mask';
  masked: boolean;
  findings: ExposureFinding[];
  /** Sum of the finding counts. */
  total: number;
}

/** A subscriber to `pii.exposure` events. May be async; a throw or rejection is logged, never propagated. */
export type ExposureListener = (exposure: PiiExposure) => void | Promise<void>;

/**
 * A tiny typed event source for `pii.exposure`. Listeners run after the response is sent and
 * can neither delay nor break it.
 *
 * @example
 * const off = emitter.on((exposure) => alerts.send(`${exposure.route}: ${exposure.total} PII value(s)`));
 * off(); // unsubscribe
 */
export class ExposureEmitter {
  private readonly listeners = new Set<ExposureListener>();

  constructor(private readonly onListenerError: (message: string) => void = () => undefined) {}

  /** Subscribes; returns the function that unsubscribes. */
  on(listener: ExposureListener): () => void {
    if (typeof listener !== 'function') throw new TypeError('onExposure(listener): listener must be a function (exposure) => void.');
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(exposure: PiiExposure): void {
    for (const listener of this.listeners) {
      try {
        const result = listener(exposure);
        if (result && typeof (result as Promise<void>).then === 'function') {
          (result as Promise<void>).then(undefined, (error: unknown) => this.failed(error));
        }
      } catch (error) {
        this.failed(error);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }

  private failed(error: unknown): void {
    this.onListenerError(`a pii.exposure listener failed (${error instanceof Error ? error.name : typeof error})`);
  }
}
