import { createHash, randomBytes } from 'node:crypto';
import type { JsonObject, JsonValue } from '../audit-event';
import {
  QUICK_CLEAN,
  QUICK_LIMIT,
  QUICK_SURROGATE,
  quickVerdict,
  BUILT_IN_DETECTORS,
  BUILT_IN_DETECTOR_KINDS,
  DetectorSet,
  isDateLike,
  type BuiltInDetectorKind,
  type DetectorStrategy,
  type PiiDetector,
  type PiiMatch,
} from './detectors';
import { HmacSha256 } from './hmac-sha256';
import { mask, wellFormed, wellFormedMasker } from './masks';
import type { PiiStrategy } from './pii-field.decorator';
import { getRedactionPlan, type FieldRule, type RedactionPlan } from './redaction-plan';
import { noteLine, RedactionTrace, ReportObjects, type NoteGroup, type RedactionReport } from './redaction-report';
import { compileBirthKeyMatcher, compileSensitiveKeyMatcher } from './sensitive-keys';

/** Per built-in detector: `false` turns it off, `true` keeps its default, a strategy changes what a match becomes. */
export type DetectorSettings = Partial<Record<BuiltInDetectorKind, boolean | DetectorStrategy>>;

/** Redaction options (module option `redaction`). */
export interface RedactorOptions {
  /**
   * Key of the `hash` strategy (HMAC-SHA-256). Without one, a random key is made per process:
   * pseudonyms are then stable only until restart. Use ≥ 32 random bytes; keep it out of the database.
   */
  hmacKey?: string | Buffer;
  /** More key names to always redact, on top of the built-in list (password, token, cookie, …). */
  sensitiveKeys?: string[];
  /**
   * Built-in value detectors: all on, matches redacted (`[REDACTED:<kind>]`) except `ip`, which is
   * masked to its network (`203.0.113.*`). The client address (`http.ip`) follows the `ip` setting.
   *
   * @example
   * detectors: { ip: false }            // keep IP addresses as they are
   * detectors: { email: 'hash', phone: 'mask', iban: false }
   */
  detectors?: DetectorSettings;
  /** Your own detectors, run after the built-in ones (e.g. a patient number format). */
  customDetectors?: PiiDetector[];
  /** Deeper structures are cut with a `[Truncated:depth]` marker. Default 8. */
  maxDepth?: number;
  /** Longer arrays keep this many items plus a marker. Default 100. */
  maxArrayLength?: number;
  /** Longer strings are cut with a marker. Default 2048. */
  maxStringLength?: number;
  /** Objects with more keys keep this many plus a `[Truncated]` key. Default 200. */
  maxKeys?: number;
  /** Values (objects, arrays, scalars) kept from one input at most; the rest become `[Truncated:size]`. Default 10 000. */
  maxNodes?: number;
}

export { MAX_REPORT_LINES, listed, mergeLabels, type RedactionReport } from './redaction-report';

/** Marker of the `redact` strategy. */
export function redactedMarker(kind?: string): string {
  return kind ? `[REDACTED:${kind}]` : '[REDACTED]';
}

export { mask } from './masks';

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * @internal A whole text that is an ISO 8601 date and time (`2025-01-02T03:04:05.678Z`, `…+02:00`):
 * ASCII (so well-formed), and nothing any built-in detector matches, whatever its digits
 * (detector-prechecks.spec.ts). Its digit chains are too short for a card or a phone number (the
 * longest, seconds + fraction + offset hours, is followed by `:`, which a phone number may not be),
 * its colons follow word characters (no IPv6 start) and it has no letters a keyword needs. At most
 * 6 fraction digits: with 7, `07.0000000` is a national phone number to the phone detector.
 */
export const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * @internal A whole text that is a UUID (hex groups 8-4-4-4-12, either case): the span DetectorSet's
 * UUID filter drops matches in, here covering the whole text (so nothing a built-in detector finds
 * in it survives; redactor.spec.ts holds that against the full path).
 */
export const UUID_TEXT = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

/** A DTO key's facts and the plan's rule for it. */
interface PlanEntry {
  facts: KeyFacts;
  rule: FieldRule | undefined;
}

/** What one redactor knows of one DTO plan. */
interface PlanState {
  /** Per PII-free key: its facts and the plan's rule (at most 1 000 keys). */
  entries: Map<string, PlanEntry>;
  /** Walkers compiled for the first key lists seen (at most {@link MAX_SHAPES}). */
  shapes: CompiledShape[];
  /** False once code generation failed (not allowed here): the generic walk only. */
  compile: boolean;
}

/**
 * A walker compiled for one key list of one plan (see Redactor.compileShape): it reads and writes
 * each key by name, so each read and write site sees one object layout, and applies the same
 * per-key step (Redactor.keyValue) as the generic walk.
 */
interface CompiledShape {
  keys: readonly string[];
  /** Without a report. */
  walk: (object: Record<string, unknown>, depth: number, state: WalkState) => JsonObject;
  /** With a report: sets `state.at` to each key's path (precomputed per parent path, see {@link shapePaths}). */
  walkReport: (object: Record<string, unknown>, depth: number, state: WalkState) => JsonObject;
  /**
   * With a trace (buildEntry's report): as walkReport, except that the notes of declared fields
   * taking their strategy's common case (a marker, a masked or hashed text, an omitted value) are
   * one bit each, added to the trace as one group at the end of the call (see deferredNote).
   */
  walkTrace: (object: Record<string, unknown>, depth: number, state: WalkState) => JsonObject;
}

/**
 * What was made for each of the last {@link PARENTS_KEPT} parent paths, most recent first: made once
 * per parent, so a path built from it is the same string from call to call (a report compares it
 * by identity, its hash is already known). A DTO is usually reported under one or two parents
 * (`request.body`, `response.body`, `request.body.items[]`), a body's arrays alternate (`notes`,
 * `comments`).
 */
class RecentByParent<V> {
  private readonly parents: string[] = [];
  private readonly values: V[] = [];

  constructor(private readonly make: (parent: string) => V) {}

  of(parent: string): V {
    const parents = this.parents;
    for (let i = 0; i < parents.length; i += 1) if (parents[i] === parent) return this.values[i] as V;
    const value = this.make(parent);
    if (parents.length >= PARENTS_KEPT) {
      parents.pop();
      this.values.pop();
    }
    parents.unshift(parent);
    this.values.unshift(value);
    return value;
  }
}

/**
 * A compiled walker's key paths (`<parent>.<key>`, index-aligned with its steps) per parent path,
 * with the walker's deferred labels: the same {@link NoteGroup} object on every call under one
 * parent, so a trace that holds it compares with an earlier trace by identity.
 */
function shapePaths(segments: readonly string[], labels: readonly string[]): RecentByParent<NoteGroup> {
  return new RecentByParent((parent) => ({ paths: segments.map((segment) => parent + segment), labels }));
}

/**
 * Steps of a compiled walker whose note a trace may take as one bit of a group (see deferredNote):
 * the first 30, so a group's bits stay a small integer.
 */
const MAX_DEFERRED_STEPS = 30;

/** Parent paths a compiled walker keeps key paths for, and a redactor its arrays' items' paths. */
const PARENTS_KEPT = 4;

/** One key's step in a compiled walker (see Redactor.stepOf). */
type Step = (value: unknown, depth: number, state: WalkState) => JsonValue | undefined;

/** Key lists compiled per plan: a DTO arrives in one or a few key orders; a hostile client cannot make more. */
const MAX_SHAPES = 4;
/** Key lists compiled for plain objects (per redactor: the first ones seen; the rest take the generic walk). */
const MAX_PLAIN_SHAPES = 8;
/** Most keys of a compiled key list (larger objects take the generic walk). */
const MAX_SHAPE_KEYS = 64;

/** What a key name means to one redactor (see Redactor.keyFacts). */
interface KeyFacts {
  /** The key as stored (scrubbed of PII). */
  out: string;
  /** Its path segment in a report: `.<out>`. */
  segment: string;
  /** The last parent path this key was reported under, and `<parent><segment>` (see keyPath). */
  parent: string | undefined;
  path: string;
  sensitive: boolean;
  birth: boolean;
}

interface WalkState {
  /**
   * The objects being walked (ancestors of the current value): a cycle points back into them. A
   * stack, not a Set: it is at most `maxDepth` deep, and push/pop/scan of a few entries costs less
   * than hashing every object in and out.
   */
  ancestors: object[];
  nodes: number;
  /** The public report (a Map), buildEntry's trace, or none. */
  report: RedactionReport | RedactionTrace | undefined;
  /**
   * `report` when it is a trace, else undefined: set where the state is made, so the walk tells a
   * trace from a Map by one field test (an `instanceof` per object and per note cost more).
   */
  trace: RedactionTrace | undefined;
  /** Path of the current value (`request.body.items[].email`), kept only when a report is wanted. */
  at: string;
}

/**
 * Turns captured values into JSON that holds no raw PII: `@PiiField` declarations of the DTO
 * class first, then sensitive key names, then value detectors on every remaining string (and key).
 * Never throws on odd input (cycles, Buffers, BigInt, Maps, deep nesting, hostile getters): it
 * summarizes instead.
 *
 * @example
 * const redactor = new Redactor({ hmacKey: process.env.AUDIT_HMAC_KEY });
 * redactor.redact(req.body, CreatePatientDto); // { email: 'hmac-sha256:…', ssn: '[REDACTED:ssn]', … }
 */
export class Redactor {
  /** First 8 hex digits of SHA-256(key): tells which key made a pseudonym, reveals nothing of it. */
  readonly hmacKeyId: string;
  /** True when no key was configured and a per-process random one is in use. */
  readonly ephemeralKey: boolean;
  /** @internal The compiled detectors (shared with the exposure scanner). */
  readonly detectorSet: DetectorSet;
  /** @internal Strategy per detector of {@link detectorSet}, index-aligned. */
  readonly detectorStrategies: readonly DetectorStrategy[];
  /** @internal */
  readonly isSensitiveKey: (key: string) => boolean;
  /** @internal */
  readonly isBirthKey: (key: string) => boolean;
  /** Strategy of the `ip` kind (client address, IPs in text); `false` when IPs are kept. */
  readonly ipStrategy: DetectorStrategy | false;
  /** Strategy of date-of-birth values found by key context; `false` when that detector is off. */
  readonly birthDateStrategy: DetectorStrategy | false;
  private readonly hmac: HmacSha256;
  private readonly maxDepth: number;
  private readonly maxArrayLength: number;
  private readonly maxStringLength: number;
  private readonly maxKeys: number;
  private readonly maxNodes: number;
  /** Longest text the detectors look at (longer ones are cut first: detection stays O(limit)). */
  private readonly scanLimit: number;
  private readonly keyMemo = new Map<string, KeyFacts>();
  /** Stored report objects of the last distinct traces (see {@link reportObject}). */
  private readonly reportObjects = new ReportObjects();
  /** Per DTO plan, what this redactor knows of each key (facts and rule together) and its compiled shapes. */
  private readonly planStates = new WeakMap<RedactionPlan, PlanState>();
  /** The last two plans looked up and their states (see planStateOf): identity checks before the WeakMap's hash look-up. */
  private recentPlan: RedactionPlan | undefined = undefined;
  private recentPlanState: PlanState | undefined = undefined;
  private olderPlan: RedactionPlan | undefined = undefined;
  private olderPlanState: PlanState | undefined = undefined;
  /** The last DTO class redacted and its plan (see planOf). */
  private lastType: Function | undefined = undefined;
  private lastPlan: RedactionPlan | undefined = undefined;
  /**
   * The same for plain objects (no DTO plan): each key's facts (rule always undefined) and walkers
   * compiled for the first {@link MAX_PLAIN_SHAPES} key lists seen (a body's nested objects: items,
   * comments, addresses usually come in one key order).
   */
  private readonly plainState: PlanState = { entries: new Map(), shapes: [], compile: true };
  /** Whether {@link quickVerdict} may stand in for the detectors (built-in detectors only). */
  private readonly quickCheck: boolean;
  /** Per detector of {@link detectorSet}: its kind when set up, and its report label `<strategy>:<kind>`. */
  private readonly detectorKinds: readonly string[];
  /** Per detector, the index of its report label in {@link labelTable} (detectors may share one: both `ip`). */
  private readonly detectorLabelIds: readonly number[];
  private readonly labelTable: readonly string[];
  /** Joined labels of several matches, by the code of their label ids (see noteMatches). */
  private readonly joinedLabels = new Map<number, string>();
  /**
   * The path of an array's items (`<parent>[]`) for the last few parents, so a walker's precomputed
   * paths under it stay the same strings from call to call (with one kept, a body's alternating
   * arrays built both paths anew each call and were compared by content).
   */
  private readonly itemsPaths = new RecentByParent((parent) => `${parent}[]`);
  /**
   * Per detector of {@link detectorSet}: its `[REDACTED:<kind>]` marker when its strategy is
   * `redact`, else undefined. The marker is the same string for every match, so replacing one
   * builds no template string and slices no value nobody reads (18 matches in the bench's (b): 0.43
   * -> 0.22 us).
   */
  private readonly detectorMarkers: ReadonlyArray<string | undefined>;

  constructor(options: RedactorOptions = {}) {
    const key = options.hmacKey;
    if (key !== undefined && (typeof key === 'string' ? key.length === 0 : !Buffer.isBuffer(key) || key.length === 0)) {
      throw new InvalidRedactionOptionsError('redaction.hmacKey is empty. Give at least 32 random bytes, or leave it out for a per-process key.');
    }
    this.ephemeralKey = key === undefined;
    const hmacKey = key === undefined ? randomBytes(32) : Buffer.isBuffer(key) ? Buffer.from(key) : Buffer.from(key, 'utf8');
    this.hmacKeyId = createHash('sha256').update(hmacKey).digest('hex').slice(0, 8);
    this.hmac = new HmacSha256(hmacKey, `hmac-sha256:${this.hmacKeyId}:`);
    if (options.sensitiveKeys !== undefined && (!Array.isArray(options.sensitiveKeys) || options.sensitiveKeys.some((k) => typeof k !== 'string'))) {
      throw new InvalidRedactionOptionsError('redaction.sensitiveKeys must be an array of key names, e.g. ["diagnosis"].');
    }
    this.isSensitiveKey = compileSensitiveKeyMatcher(options.sensitiveKeys ?? []);
    this.isBirthKey = compileBirthKeyMatcher();
    const { detectors, strategies } = compileDetectors(options.detectors, options.customDetectors);
    this.detectorSet = new DetectorSet(detectors);
    this.quickCheck = this.detectorSet.builtInOnly;
    this.detectorStrategies = strategies;
    this.detectorKinds = detectors.map((detector) => detector.kind);
    this.detectorMarkers = detectors.map((detector, d) => ((strategies[d] ?? 'redact') === 'redact' ? `[REDACTED:${detector.kind}]` : undefined));
    const labels = detectors.map((detector, d) => `${strategies[d] ?? 'redact'}:${detector.kind}`);
    this.labelTable = [...new Set(labels)];
    this.detectorLabelIds = labels.map((label) => this.labelTable.indexOf(label));
    this.ipStrategy = settingOf(options.detectors, 'ip');
    this.birthDateStrategy = settingOf(options.detectors, 'date-of-birth');
    this.maxDepth = positive(options.maxDepth, 8, 'maxDepth');
    this.maxArrayLength = positive(options.maxArrayLength, 100, 'maxArrayLength');
    this.maxStringLength = positive(options.maxStringLength, 2048, 'maxStringLength');
    this.maxKeys = positive(options.maxKeys, 200, 'maxKeys');
    this.maxNodes = positive(options.maxNodes, 10_000, 'maxNodes');
    this.scanLimit = this.maxStringLength + 512;
  }

  /**
   * Redacts any value. `type` is the declared DTO class (used when `value` is a plain object,
   * e.g. `req.body` before validation); a class instance brings its own class. With `report`, every
   * change is noted under `path` (see {@link RedactionReport}).
   */
  redact(value: unknown, type?: Function, report?: RedactionReport, path = '$'): JsonValue {
    const plan = type ? this.planOf(type) : undefined;
    // (A trace passed here, which the type does not allow, is still noted into as a trace.)
    const trace = report instanceof RedactionTrace ? report : undefined;
    const state: WalkState = { ancestors: [], nodes: 0, report, trace, at: report ? path : '' };
    return this.walk(value, plan, 0, state);
  }

  /** Redacts an object and returns an object (a non-object input gives `{ value: … }`). */
  redactObject(value: unknown, type?: Function, report?: RedactionReport, path?: string): JsonObject {
    const result = this.redact(value, type, report, path);
    return result !== null && typeof result === 'object' && !Array.isArray(result) ? result : { value: result };
  }

  /** Scrubs detected PII out of free text (error messages, user agents), then cuts it to `maxStringLength`. */
  redactText(text: string, report?: RedactionReport, path?: string): string {
    if (report && path !== undefined) return this.text(text, { ancestors: [], nodes: 0, report, trace: report instanceof RedactionTrace ? report : undefined, at: path });
    return this.text(text, undefined);
  }

  /**
   * @internal {@link redact} noting into a trace (buildEntry's report) instead of a Map: the same
   * notes, their stored object built once at the end by {@link reportObject}.
   */
  redactTraced(value: unknown, type: Function | undefined, trace: RedactionTrace, path: string): JsonValue {
    const plan = type ? this.planOf(type) : undefined;
    return this.walk(value, plan, 0, { ancestors: [], nodes: 0, report: trace, trace, at: path });
  }

  /** @internal {@link redactText} noting into a trace (see {@link redactTraced}). */
  redactTextTraced(text: string, trace: RedactionTrace, path: string): string {
    return this.text(text, { ancestors: [], nodes: 0, report: trace, trace, at: path });
  }

  /**
   * @internal What an entry stores as `payload.redactions` for a complete trace: the object of a
   * Map filled with the same notes (see {@link ReportObjects}; a fresh object per call).
   */
  reportObject(trace: RedactionTrace): JsonObject {
    return this.reportObjects.objectOf(trace);
  }

  /** The client address as configured by the `ip` detector setting (mask by default). */
  redactIp(ip: string): string {
    if (this.ipStrategy === false) return ip;
    return this.replacement(this.ipStrategy, 'ip', ip);
  }

  /**
   * Applies one strategy to a value (a declared field or a sensitive key). `undefined` means omit.
   * A function strategy's result passes the redactor again (detectors, key rules); if it throws,
   * the value is redacted.
   */
  applyStrategy(strategy: PiiStrategy, value: unknown, kind?: string, key = ''): JsonValue | undefined {
    switch (strategy) {
      case 'omit':
        return undefined;
      case 'redact':
        return redactedMarker(kind);
      case 'mask':
        return wellFormed(mask(plainText(value), kind));
      case 'hash':
        return this.pseudonym(plainText(value));
      default:
        if (typeof strategy !== 'function') return redactedMarker(kind);
        try {
          const result = strategy(value, { ...(kind !== undefined ? { kind } : {}), key });
          return result === undefined ? undefined : this.redact(result);
        } catch {
          return redactedMarker(kind);
        }
    }
  }

  /** `hmac-sha256:<key id>:<hex>`: a stable, keyed pseudonym. */
  pseudonym(text: string): string {
    return this.hmac.prefixedHex(text);
  }

  /** @internal What a detector match becomes. */
  replacement(strategy: DetectorStrategy, kind: string, value: string): string {
    return strategy === 'mask' ? mask(value, kind) : strategy === 'hash' ? this.pseudonym(value) : `[REDACTED:${kind}]`;
  }

  private walk(value: unknown, plan: RedactionPlan | undefined, depth: number, state: WalkState): JsonValue {
    if (++state.nodes > this.maxNodes) return '[Truncated:size]';
    // `typeof value === '…'` tests, not a switch on `typeof value`: V8 fuses each test into a type
    // check, where a switch first builds the type's name (a builtin call per value walked).
    if (typeof value === 'string') return this.text(value, state);
    if (typeof value === 'object') {
      if (value === null) return null;
    } else if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
    else if (typeof value === 'boolean') return value;
    else if (typeof value === 'bigint') return this.text(value.toString(), state);
    else return null; // undefined, a function, a symbol
    const at = state.at;
    try {
      return this.walkReference(value as object, plan, depth, state);
    } catch {
      // A getter, a proxy trap or a toJSON threw: the value cannot be read, so it is summarized (never thrown).
      state.at = at; // the report's path is this value's again
      return '[Unreadable]';
    }
  }

  private walkReference(object: object, plan: RedactionPlan | undefined, depth: number, state: WalkState): JsonValue {
    const proto: unknown = Object.getPrototypeOf(object);
    // Plain objects and arrays (nearly every value of a body) cannot be a Date, a Map, a Set or an
    // ArrayBuffer; a typed array can (its prototype may have been swapped), so that check stays.
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) {
      if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
      if (Buffer.isBuffer(object) || ArrayBuffer.isView(object)) return `[Binary ${(object as ArrayBufferView).byteLength} bytes]`;
      if (object instanceof ArrayBuffer) return `[Binary ${object.byteLength} bytes]`;
      if (object instanceof Map) return `[Map ${object.size} entries]`;
      if (object instanceof Set) return `[Set ${object.size} entries]`;
    } else if (ArrayBuffer.isView(object)) return `[Binary ${object.byteLength} bytes]`;
    if (typeof (object as { pipe?: unknown }).pipe === 'function') return '[Stream]';
    const ancestors = state.ancestors;
    if (ancestors.includes(object)) return '[Circular]';
    if (depth >= this.maxDepth) return '[Truncated:depth]';
    ancestors.push(object);
    try {
      if (Array.isArray(object)) return this.walkArray(object, plan, depth, state);
      const own = (object as { constructor?: unknown }).constructor;
      const classPlan = typeof own === 'function' && own !== Object ? getRedactionPlan(own) : plan;
      const toJSON = (object as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        // What JSON.stringify (and so the client) would see: a Decimal, an ObjectId, an entity's own form.
        const json: unknown = toJSON.call(object);
        if (json !== object) return json !== null && typeof json === 'object' ? this.walkReference(json, classPlan, depth, state) : this.walk(json, undefined, depth, state);
      }
      return this.walkObject(object as Record<string, unknown>, classPlan, depth, state);
    } finally {
      ancestors.pop();
    }
  }

  private walkArray(items: unknown[], plan: RedactionPlan | undefined, depth: number, state: WalkState): JsonValue[] {
    const limit = Math.min(items.length, this.maxArrayLength);
    const result: JsonValue[] = new Array<JsonValue>(limit);
    if (state.report) {
      const parent = state.at;
      state.at = this.itemsPaths.of(parent);
      for (let i = 0; i < limit; i += 1) result[i] = this.walk(items[i], plan, depth + 1, state);
      state.at = parent;
    } else {
      for (let i = 0; i < limit; i += 1) result[i] = this.walk(items[i], plan, depth + 1, state);
    }
    if (items.length > limit) result.push(`[Truncated:${items.length - limit} more items]`);
    return result;
  }

  private walkObject(object: Record<string, unknown>, plan: RedactionPlan | undefined, depth: number, state: WalkState): JsonObject {
    // Object.keys, not for-in + hasOwnProperty: for-in reads by field index from the enum cache and
    // won 3x in a microbenchmark, but lost 5% here (same-process A/B of the bench payloads).
    const keys = Object.keys(object);
    const planState = plan === undefined ? this.plainState : this.planStateOf(plan);
    const shapes = planState.shapes;
    for (let s = 0; s < shapes.length; s += 1) {
      const shape = shapes[s] as CompiledShape;
      if (sameKeys(shape.keys, keys)) {
        if (state.report === undefined) return shape.walk(object, depth, state);
        return state.trace !== undefined ? shape.walkTrace(object, depth, state) : shape.walkReport(object, depth, state);
      }
    }
    const result: JsonObject = {};
    const limit = Math.min(keys.length, this.maxKeys);
    const entries = planState.entries;
    // Every key's facts and rule are kept in `entries` (PII-free names): this key list can be compiled.
    let compilable = keys.length === limit && limit <= MAX_SHAPE_KEYS;
    for (let k = 0; k < limit; k += 1) {
      const key = keys[k] as string;
      if ((key.length === 9 || key.length === 11) && UNSAFE_KEYS.has(key)) continue;
      let value: unknown;
      try {
        value = object[key];
      } catch {
        value = '[Unreadable]';
      }
      if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
        // Its facts are not looked up here; a compiled walker needs them.
        if (compilable && !entries.has(key)) compilable = false;
        continue;
      }
      // Every key-derived fact in one look-up: the scrubbed key (a query name or a map keyed by
      // e-mail address is PII too), the sensitive-name and birth-date-context verdicts.
      let facts: KeyFacts;
      let rule: FieldRule | undefined;
      // A DTO's keys: the key facts and the plan's rule in one look-up (a plain object's: no rule).
      const entry = entries.get(key);
      if (entry !== undefined) {
        facts = entry.facts;
        rule = entry.rule;
      } else {
        facts = this.keyFacts(key, state);
        rule = plan !== undefined ? plan.rule(key) : undefined;
        // Only PII-free names are kept (as in the key memo), at most 1 000 per plan (and for plain objects).
        if (facts.out === key && key.length <= 128 && entries.size < 1_000) entries.set(key, { facts, rule });
        else compilable = false;
      }
      let out: JsonValue | undefined;
      if (state.report) {
        const parent = state.at;
        state.at = keyPath(facts, parent);
        out = this.keyValue(facts, rule, key, value, depth, state);
        state.at = parent;
      } else out = this.keyValue(facts, rule, key, value, depth, state);
      // UNSAFE_KEYS are skipped above and a scrubbed key is a marker or text: plain assignment is safe.
      if (out !== undefined && facts.out !== '__proto__') result[facts.out] = out;
    }
    if (keys.length > limit) result['[Truncated]'] = `${keys.length - limit} more keys`;
    if (compilable && planState.compile && shapes.length < (plan !== undefined ? MAX_SHAPES : MAX_PLAIN_SHAPES)) this.compileShape(planState, keys);
    return result;
  }

  /**
   * The value stored for one key (`undefined`: left out): a declared field's strategy, a sensitive
   * name's marker, a birth date by key context, or the walk into the value. Notes the change in the
   * report (under `state.at`, which the caller has set to this key's path). Shared by the generic
   * walk and the compiled walkers.
   */
  private keyValue(facts: KeyFacts, rule: FieldRule | undefined, key: string, value: unknown, depth: number, state: WalkState): JsonValue | undefined {
    let out: JsonValue | undefined;
    if (rule?.declaration) {
      const { strategy, kind } = rule.declaration;
      // A declared field is PII as a whole, nested DTO or not: walking into it would store every
      // undeclared part of it raw. Arrays get the strategy per item (hash pseudonyms stay per value).
      if (strategy === 'omit') out = undefined;
      else if (value === null) out = null;
      else if (Array.isArray(value)) {
        out = value.slice(0, this.maxArrayLength).map((item) => (item === null ? null : (this.applyStrategy(strategy, item, kind, key) ?? null)));
      } else out = rule.marker ?? this.applyStrategy(strategy, value, kind, key); // `redact`: its marker, built once
      if (value !== null && state.report) this.note(state, rule.label ?? ruleLabel(strategy, kind));
    } else if (facts.sensitive) {
      out = value === null ? null : redactedMarker();
      if (value !== null && state.report) this.note(state, 'redact:sensitive-key');
    } else if (facts.birth && typeof value === 'string' && this.birthDateStrategy !== false && isDateLike(value)) {
      out = this.replacement(this.birthDateStrategy, 'date-of-birth', value);
      if (state.report) this.note(state, `${this.birthDateStrategy}:date-of-birth`);
    } else {
      out = this.walk(value, rule?.nested?.(), depth + 1, state);
    }
    return out;
  }

  /**
   * One key's step in a compiled walker: {@link keyValue}, with the commonest cases of its rule
   * taken first (without a report: a `redact` marker, a masked or hashed text, an omitted field, a
   * value walked into). Each shortcut is what keyValue returns in that case.
   */
  private stepOf(facts: KeyFacts, rule: FieldRule | undefined, key: string): Step {
    const general: Step = (value, depth, state) => this.keyValue(facts, rule, key, value, depth, state);
    const declaration = rule?.declaration;
    if (declaration !== undefined) {
      const { strategy, kind } = declaration;
      const marker = rule?.marker;
      if (strategy === 'omit') return () => undefined;
      if (marker !== undefined) return (value, depth, state) => (value === null || Array.isArray(value) ? general(value, depth, state) : marker);
      if (strategy === 'mask') {
        const masker = wellFormedMasker(kind);
        return (value, depth, state) => (typeof value === 'string' ? masker(value) : general(value, depth, state));
      }
      if (strategy === 'hash') return (value, depth, state) => (typeof value === 'string' ? this.pseudonym(value) : general(value, depth, state));
      return general;
    }
    if (facts.sensitive || facts.birth) return general;
    const nested = rule?.nested;
    if (nested !== undefined) return (value, depth, state) => this.walk(value, nested(), depth + 1, state);
    return (value, depth, state) => this.walk(value, undefined, depth + 1, state);
  }

  /**
   * {@link stepOf} with a report (`state.report` set, `state.at` this key's path): the same
   * shortcuts, each noting the rule's label (built once) as keyValue does.
   */
  private reportStepOf(facts: KeyFacts, rule: FieldRule | undefined, key: string): Step {
    const general: Step = (value, depth, state) => this.keyValue(facts, rule, key, value, depth, state);
    const declaration = rule?.declaration;
    if (declaration !== undefined) {
      const { strategy, kind } = declaration;
      const marker = rule?.marker;
      const label = rule?.label ?? ruleLabel(strategy, kind);
      if (strategy === 'omit') {
        return (value, _depth, state) => {
          if (value !== null) this.note(state, label);
          return undefined;
        };
      }
      if (marker !== undefined) {
        return (value, depth, state) => {
          if (value === null || Array.isArray(value)) return general(value, depth, state);
          this.note(state, label);
          return marker;
        };
      }
      if (strategy === 'mask') {
        const masker = wellFormedMasker(kind);
        return (value, depth, state) => {
          if (typeof value !== 'string') return general(value, depth, state);
          this.note(state, label);
          return masker(value);
        };
      }
      if (strategy === 'hash') {
        return (value, depth, state) => {
          if (typeof value !== 'string') return general(value, depth, state);
          this.note(state, label);
          return this.pseudonym(value);
        };
      }
      return general;
    }
    if (facts.sensitive || facts.birth) return general;
    const nested = rule?.nested;
    if (nested !== undefined) return (value, depth, state) => this.walk(value, nested(), depth + 1, state);
    return (value, depth, state) => this.walk(value, undefined, depth + 1, state);
  }

  /**
   * Compiles a walker for one key list of a plan (every key PII-free, its facts and rule known):
   * generated code that reads and stores each key by name (a named access site sees one object
   * layout, where the generic loop's keyed ones see every layout) and calls {@link keyValue} with
   * that key's facts and rule, skipping the per-key look-ups. It does what the generic walk does on
   * an object with exactly these keys, in this order (the caller checks that). The keys enter the
   * code only as `JSON.stringify` string literals; where code cannot be generated
   * (`--disallow-code-generation-from-strings`), the generic walk stays.
   */
  private compileShape(planState: PlanState, keys: readonly string[]): void {
    const steps: Step[] = [];
    const reportSteps: Step[] = [];
    const segments: string[] = [];
    const lines: string[] = [];
    const reportLines: string[] = [];
    const traceLines: string[] = [];
    const deferred: (DeferredNote | undefined)[] = [];
    const literals: string[] = [];
    for (let k = 0; k < keys.length; k += 1) {
      const key = keys[k] as string;
      if (UNSAFE_KEYS.has(key)) continue;
      const entry = planState.entries.get(key);
      if (entry === undefined || entry.facts.out !== key) return;
      const { facts, rule } = entry;
      const literal = JSON.stringify(key);
      const i = steps.length;
      const read = `try { v = o[${literal}]; } catch { v = '[Unreadable]'; }`;
      const valued = `v !== undefined && typeof v !== 'function' && typeof v !== 'symbol'`;
      const reported = `state.at = p[${i}]; v = r${i}(v, depth, state); if (v !== undefined) out[${literal}] = v;`;
      lines.push(read, `if (${valued}) { v = s${i}(v, depth, state); if (v !== undefined) out[${literal}] = v; }`);
      reportLines.push(read, `if (${valued}) { ${reported} }`);
      steps.push(this.stepOf(facts, rule, key));
      reportSteps.push(this.reportStepOf(facts, rule, key));
      segments.push(facts.segment);
      deferred.push(i < MAX_DEFERRED_STEPS ? deferredNote(rule) : undefined);
      literals.push(literal);
    }
    // A deferred note moves after the notes of the keys walked after it in the same call. Only notes
    // of one path have an order that counts (labels merge in order), so a key whose path some other
    // key's values may also be reported under (`a.b` beside `a`, `a[]` beside `a`) is not deferred.
    for (let i = 0; i < segments.length; i += 1) {
      const segment = segments[i] as string;
      if (deferred[i] !== undefined && segments.some((other) => segment.startsWith(`${other}.`) || segment.startsWith(`${other}[`))) deferred[i] = undefined;
    }
    for (let i = 0; i < segments.length; i += 1) {
      const literal = literals[i] as string;
      const read = reportLines[2 * i] as string;
      const valued = `v !== undefined && typeof v !== 'function' && typeof v !== 'symbol'`;
      const reported = `state.at = p[${i}]; v = r${i}(v, depth, state); if (v !== undefined) out[${literal}] = v;`;
      const note = deferred[i];
      const bit = `m |= ${1 << i};`;
      // Each branch is the one reportStepOf takes for the same value, with the note as a bit.
      if (note === undefined) traceLines.push(read, `if (${valued}) { ${reported} }`);
      else if (note.kind === 'omit') traceLines.push(read, `if (${valued} && v !== null) { ${bit} }`);
      else if (note.kind === 'marker') traceLines.push(read, `if (${valued}) { if (v === null || Array.isArray(v)) { ${reported} } else { out[${literal}] = ${JSON.stringify(note.marker)}; ${bit} } }`);
      else traceLines.push(read, `if (${valued}) { if (typeof v === 'string') { out[${literal}] = s${i}(v, depth, state); ${bit} } else { ${reported} } }`);
    }
    let walk: CompiledShape['walk'];
    let walkReport: CompiledShape['walkReport'];
    let walkTrace: CompiledShape['walkTrace'];
    try {
      const names = [...steps.map((_, i) => `s${i}`), ...reportSteps.map((_, i) => `r${i}`), 'paths'];
      const factory = new Function(
        ...names,
        `'use strict';\nreturn [function compiledWalk(o, depth, state) {\nconst out = {};\nlet v;\n${lines.join('\n')}\nreturn out;\n}, ` +
          `function compiledWalkReport(o, depth, state) {\nconst out = {};\nlet v;\nconst parent = state.at;\nconst p = paths.of(parent).paths;\n${reportLines.join('\n')}\nstate.at = parent;\nreturn out;\n}, ` +
          `function compiledWalkTrace(o, depth, state) {\nconst out = {};\nlet v;\nlet m = 0;\nconst parent = state.at;\nconst g = paths.of(parent);\nconst p = g.paths;\n${traceLines.join('\n')}\nstate.at = parent;\nif (m !== 0) state.report.addGroup(g, m);\nreturn out;\n}];`,
      ) as (...args: unknown[]) => [CompiledShape['walk'], CompiledShape['walkReport'], CompiledShape['walkTrace']];
      const labels = deferred.map((note) => note?.label ?? '');
      [walk, walkReport, walkTrace] = factory(...steps, ...reportSteps, shapePaths(segments, labels));
    } catch {
      planState.compile = false; // not retried
      return;
    }
    planState.shapes.push({ keys: keys.slice(), walk, walkReport, walkTrace });
  }

  /**
   * getRedactionPlan(type), the last type's answer kept (plans never change once made): consecutive
   * bodies often share a DTO class, and an identity test costs less than the WeakMap look-up (about
   * 110 of (a)'s instructions). Keeps the last class reachable while this redactor is.
   */
  private planOf(type: Function): RedactionPlan {
    if (type === this.lastType) return this.lastPlan as RedactionPlan;
    const plan = getRedactionPlan(type);
    this.lastType = type;
    this.lastPlan = plan;
    return plan;
  }

  /**
   * What this redactor knows of `plan`: the last two plans' states are compared by identity first
   * (a body and its nested DTO alternate), the WeakMap is asked only on a miss.
   */
  private planStateOf(plan: RedactionPlan): PlanState {
    if (plan === this.recentPlan) return this.recentPlanState as PlanState;
    if (plan === this.olderPlan) {
      const state = this.olderPlanState as PlanState;
      this.olderPlan = this.recentPlan;
      this.olderPlanState = this.recentPlanState;
      this.recentPlan = plan;
      this.recentPlanState = state;
      return state;
    }
    let state = this.planStates.get(plan);
    if (state === undefined) this.planStates.set(plan, (state = { entries: new Map(), shapes: [], compile: true }));
    this.olderPlan = this.recentPlan;
    this.olderPlanState = this.recentPlanState;
    this.recentPlan = plan;
    this.recentPlanState = state;
    return state;
  }

  /**
   * What a key name means here: its scrubbed form and the key rules' verdicts. Remembered only for
   * keys without PII (a memo of e-mail addresses would be a store of PII), up to 10 000 names.
   */
  private keyFacts(key: string, state: WalkState): KeyFacts {
    const known = this.keyMemo.get(key);
    if (known !== undefined) return known;
    const out = this.text(key, state);
    const facts: KeyFacts = { out, segment: `.${out}`, parent: undefined, path: '', sensitive: this.isSensitiveKey(key), birth: this.isBirthKey(key) };
    if (out === key && key.length <= 128 && this.keyMemo.size < 10_000) this.keyMemo.set(key, facts);
    return facts;
  }

  private text(text: string, state: WalkState | undefined): string {
    const n = text.length;
    if (n <= QUICK_LIMIT && n <= this.maxStringLength && this.quickCheck) {
      // Short text (a city, a tag, a status, an id): when none of its characters is one that every
      // match of some built-in detector contains, no detector can match; it is kept as it is (or
      // made well-formed when it has a surrogate). Skips the scan's setup, most of its cost here.
      const verdict = quickVerdict(text);
      if (verdict === QUICK_CLEAN) return text;
      if (verdict === QUICK_SURROGATE) return wellFormed(text);
      // An ISO 8601 timestamp (what every serialized Date is): no built-in detector can match one
      // (property-tested over every digit), and one expression test costs a fifth of the scan and
      // candidate tries its digit runs and colons set off.
      if (n >= 20 && n <= 35 && ISO_TIMESTAMP.test(text)) return text;
      // A whole text that is a UUID (a request id, a record id): DetectorSet.find drops every match
      // inside a UUID, so none is left in one that spans the text; one expression test instead of
      // the scan and the tries its digit runs set off (~0.5 us per request id).
      if (n === 36 && UUID_TEXT.test(text)) return text;
    }
    let scanned = text;
    if (text.length > this.scanLimit) {
      // Look at a bounded window: cut at a space near its end so no token is split in two.
      const space = text.lastIndexOf(' ', this.scanLimit);
      scanned = text.slice(0, space > this.scanLimit - 128 ? space : this.scanLimit);
    }
    const matches = this.detectorSet.find(scanned);
    let out = scanned;
    if (matches !== null) {
      out = this.replaceMatches(scanned, matches);
      if (state?.report) this.noteMatches(state, matches);
    }
    if (out.length > this.maxStringLength || scanned !== text) {
      const cut = Math.max(0, out.length - this.maxStringLength) + (text.length - scanned.length);
      out = `${out.slice(0, this.maxStringLength)}[Truncated:${cut} chars]`;
    }
    return wellFormed(out);
  }

  /**
   * `replaceMatches(text, matches, m => replacement(strategy of m, m.kind, value))`, with a `redact`
   * detector's marker taken from {@link detectorMarkers} (a match whose kind is not its detector's,
   * which find() never gives, is replaced as before).
   */
  private replaceMatches(text: string, matches: readonly PiiMatch[]): string {
    const markers = this.detectorMarkers;
    const kinds = this.detectorKinds;
    let out = '';
    let at = 0;
    for (let m = 0; m < matches.length; m += 1) {
      const match = matches[m] as PiiMatch;
      const marker = markers[match.detector];
      const replaced =
        marker !== undefined && kinds[match.detector] === match.kind
          ? marker
          : this.replacement(this.detectorStrategies[match.detector] ?? 'redact', match.kind, text.slice(match.start, match.end));
      out += text.slice(at, match.start) + replaced;
      at = match.end;
    }
    return out + text.slice(at);
  }

  private noteMatches(state: WalkState, matches: readonly PiiMatch[]): void {
    if (matches.length === 0) {
      this.note(state, '');
      return;
    }
    const ids = this.detectorLabelIds;
    const kinds = this.detectorKinds;
    // The distinct labels in order of first appearance, as one number (base: labels + 1).
    let code = 0;
    let seen = 0;
    let last = -1;
    for (let m = 0; m < matches.length; m += 1) {
      const match = matches[m] as PiiMatch;
      const id = ids[match.detector];
      if (id === undefined || id >= 30 || kinds[match.detector] !== match.kind) {
        this.note(state, this.joinLabels(matches));
        return;
      }
      if ((seen & (1 << id)) === 0) {
        seen |= 1 << id;
        code = code * (this.labelTable.length + 1) + id + 1;
        last = id;
      }
    }
    if (code === last + 1) {
      this.note(state, this.labelTable[last] as string); // one label
      return;
    }
    const memo = code <= Number.MAX_SAFE_INTEGER;
    let label = memo ? this.joinedLabels.get(code) : undefined;
    if (label === undefined) {
      label = this.joinLabels(matches);
      if (memo && this.joinedLabels.size < 256) this.joinedLabels.set(code, label);
    }
    this.note(state, label);
  }

  /** The distinct `<strategy>:<kind>` labels of some matches, in order of first appearance, joined with `,`. */
  private joinLabels(matches: readonly PiiMatch[]): string {
    const labels: string[] = [];
    for (const match of matches) {
      const label = `${this.detectorStrategies[match.detector] ?? 'redact'}:${match.kind}`;
      if (!labels.includes(label)) labels.push(label);
    }
    return labels.join(',');
  }

  private note(state: WalkState, label: string): void {
    const trace = state.trace;
    if (trace !== undefined) trace.add(state.at, label);
    else if (state.report !== undefined) noteLine(state.report as RedactionReport, state.at, label);
  }
}

/** Thrown at start-up for redaction options that cannot work. */
export class InvalidRedactionOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRedactionOptionsError';
  }
}

const DETECTOR_STRATEGIES: readonly DetectorStrategy[] = ['redact', 'mask', 'hash'];

function compileDetectors(
  settings: DetectorSettings | undefined,
  custom: PiiDetector[] | undefined,
): { detectors: PiiDetector[]; strategies: DetectorStrategy[] } {
  if (settings !== undefined && (settings === null || typeof settings !== 'object' || Array.isArray(settings))) {
    throw new InvalidRedactionOptionsError('redaction.detectors must be an object such as { ip: false, email: "hash" }.');
  }
  for (const [kind, setting] of Object.entries(settings ?? {})) {
    if (!(BUILT_IN_DETECTOR_KINDS as readonly string[]).includes(kind)) {
      throw new InvalidRedactionOptionsError(`redaction.detectors: unknown detector "${kind}". Known: ${BUILT_IN_DETECTOR_KINDS.join(', ')}. Add your own with redaction.customDetectors.`);
    }
    if (typeof setting !== 'boolean' && !DETECTOR_STRATEGIES.includes(setting as DetectorStrategy)) {
      throw new InvalidRedactionOptionsError(`redaction.detectors.${kind} must be true, false, "redact", "mask" or "hash" (got ${JSON.stringify(setting)}).`);
    }
  }
  if (custom !== undefined && !Array.isArray(custom)) {
    throw new InvalidRedactionOptionsError('redaction.customDetectors must be an array of { kind, pattern: RegExp, validate? }.');
  }
  const detectors: PiiDetector[] = [];
  const strategies: DetectorStrategy[] = [];
  for (const detector of BUILT_IN_DETECTORS as readonly PiiDetector[]) {
    const setting = settingOf(settings, detector.kind as BuiltInDetectorKind);
    if (setting === false) continue;
    detectors.push(detector);
    strategies.push(setting);
  }
  for (const [index, detector] of (custom ?? []).entries()) {
    if (!detector || typeof detector.kind !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(detector.kind)) {
      throw new InvalidRedactionOptionsError(`redaction.customDetectors[${index}].kind must be 1–64 letters, digits, ".", "_" or "-".`);
    }
    if (!(detector.pattern instanceof RegExp) || detector.pattern.sticky) {
      throw new InvalidRedactionOptionsError(`redaction.customDetectors[${index}].pattern must be a (non-sticky) RegExp, e.g. /\\bPT-\\d{8}\\b/g.`);
    }
    if (detector.validate !== undefined && typeof detector.validate !== 'function') {
      throw new InvalidRedactionOptionsError(`redaction.customDetectors[${index}].validate must be a function (match, text, index) => boolean.`);
    }
    if (detector.strategy !== undefined && !DETECTOR_STRATEGIES.includes(detector.strategy)) {
      throw new InvalidRedactionOptionsError(`redaction.customDetectors[${index}].strategy must be "redact", "mask" or "hash".`);
    }
    detectors.push(detector);
    strategies.push(detector.strategy ?? 'redact');
  }
  return { detectors, strategies };
}

/** The effective setting of a built-in kind: its strategy, or `false` when turned off. */
function settingOf(settings: DetectorSettings | undefined, kind: BuiltInDetectorKind): DetectorStrategy | false {
  const setting = settings?.[kind];
  if (setting === false) return false;
  if (typeof setting === 'string') return setting;
  const builtIn = (BUILT_IN_DETECTORS as readonly PiiDetector[]).find((detector) => detector.kind === kind);
  return builtIn?.strategy ?? 'redact';
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidRedactionOptionsError(`redaction.${name} must be a positive integer (got ${String(value)}).`);
  }
  return value;
}

function plainText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      return '[unserializable]';
    }
  }
  return String(value);
}


/** Report label of a declared field: `<strategy>:<kind>` (`custom` for a function, `pii` without a kind). */
function ruleLabel(strategy: PiiStrategy, kind: string | undefined): string {
  return `${typeof strategy === 'function' ? 'custom' : strategy}:${kind ?? 'pii'}`;
}

/** `<parent><segment>` of a key: the last one is kept per key, so a path is one string across calls (its hash computed once). */
function keyPath(facts: KeyFacts, parent: string): string {
  if (facts.parent !== parent) {
    facts.parent = parent;
    facts.path = parent + facts.segment;
  }
  return facts.path;
}

/** A declared field's note that a compiled walker's trace variant takes as a bit (see deferredNote). */
interface DeferredNote {
  /** Which common case: an omitted value, a `redact` marker, or a masked or hashed text. */
  kind: 'omit' | 'marker' | 'text';
  label: string;
  marker?: string;
}

/**
 * The common case of a declared field's strategy, in which reportStepOf notes the rule's label and
 * returns without walking into the value (so no other note is made under the field's path): `omit`
 * (any value but null), `redact` (neither null nor an array: the marker), `mask` and `hash` (a
 * string). Other strategies and undeclared keys are noted as they come.
 */
function deferredNote(rule: FieldRule | undefined): DeferredNote | undefined {
  const declaration = rule?.declaration;
  if (declaration === undefined) return undefined;
  const { strategy, kind } = declaration;
  const label = rule?.label ?? ruleLabel(strategy, kind);
  if (strategy === 'omit') return { kind: 'omit', label };
  if (rule?.marker !== undefined) return { kind: 'marker', label, marker: rule.marker };
  if (strategy === 'mask' || strategy === 'hash') return { kind: 'text', label };
  return undefined;
}

/** Two key lists, same keys in the same order. */
function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}
