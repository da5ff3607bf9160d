import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { JsonObject, JsonValue } from '../audit-event';
import { DEFAULT_DETECTORS, scrubText, type PiiDetector } from './detectors';
import type { PiiStrategy } from './pii-field.decorator';
import { getRedactionPlan, type RedactionPlan } from './redaction-plan';
import { compileSensitiveKeyMatcher } from './sensitive-keys';

/** Redaction options (module option `redaction`). */
export interface RedactorOptions {
  /**
   * Key of the `hash` strategy (HMAC-SHA-256). Without one, a random key is made per process:
   * pseudonyms are then stable only until restart. Use ≥ 32 random bytes; keep it out of the database.
   */
  hmacKey?: string | Buffer;
  /** More key names to always redact, on top of the built-in list (password, token, cookie, …). */
  sensitiveKeys?: string[];
  /** Deeper structures are cut with a `[Truncated:depth]` marker. Default 8. */
  maxDepth?: number;
  /** Longer arrays keep this many items plus a marker. Default 100. */
  maxArrayLength?: number;
  /** Longer strings are cut with a marker. Default 2048. */
  maxStringLength?: number;
}

/** Marker of the `redact` strategy. */
export function redactedMarker(kind?: string): string {
  return kind ? `[REDACTED:${kind}]` : '[REDACTED]';
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Turns captured values into JSON that holds no raw PII: `@PiiField` declarations of the DTO
 * class first, then sensitive key names, then value detectors on every remaining string.
 * Never throws on odd input (cycles, Buffers, BigInt, Maps, deep nesting): it summarizes instead.
 *
 * @example
 * const redactor = new Redactor({ hmacKey: process.env.AUDIT_HMAC_KEY });
 * redactor.redact(req.body, CreatePatientDto); // { email: 'hmac:…', ssn: '[REDACTED]', … }
 */
export class Redactor {
  /** First 8 hex digits of SHA-256(key): tells which key made a pseudonym, reveals nothing of it. */
  readonly hmacKeyId: string;
  /** True when no key was configured and a per-process random one is in use. */
  readonly ephemeralKey: boolean;
  private readonly hmacKey: Buffer;
  private readonly isSensitiveKey: (key: string) => boolean;
  private readonly detectors: readonly PiiDetector[];
  private readonly maxDepth: number;
  private readonly maxArrayLength: number;
  private readonly maxStringLength: number;

  constructor(options: RedactorOptions = {}) {
    const key = options.hmacKey;
    if (key !== undefined && (typeof key === 'string' ? key.length === 0 : key.length === 0)) {
      throw new InvalidRedactionOptionsError('redaction.hmacKey is empty. Give at least 32 random bytes, or leave it out for a per-process key.');
    }
    this.ephemeralKey = key === undefined;
    this.hmacKey = key === undefined ? randomBytes(32) : Buffer.isBuffer(key) ? key : Buffer.from(key, 'utf8');
    this.hmacKeyId = createHash('sha256').update(this.hmacKey).digest('hex').slice(0, 8);
    if (options.sensitiveKeys !== undefined && !Array.isArray(options.sensitiveKeys)) {
      throw new InvalidRedactionOptionsError('redaction.sensitiveKeys must be an array of key names, e.g. ["diagnosis"].');
    }
    this.isSensitiveKey = compileSensitiveKeyMatcher(options.sensitiveKeys ?? []);
    this.detectors = DEFAULT_DETECTORS;
    this.maxDepth = positive(options.maxDepth, 8, 'maxDepth');
    this.maxArrayLength = positive(options.maxArrayLength, 100, 'maxArrayLength');
    this.maxStringLength = positive(options.maxStringLength, 2048, 'maxStringLength');
  }

  /**
   * Redacts any value. `type` is the declared DTO class (used when `value` is a plain object,
   * e.g. `req.body` before validation); a class instance brings its own class.
   */
  redact(value: unknown, type?: Function): JsonValue {
    const plan = type ? getRedactionPlan(type) : undefined;
    return this.walk(value, plan, 0, new Set());
  }

  /** Redacts an object and returns an object (a non-object input gives `{ value: … }`). */
  redactObject(value: unknown, type?: Function): JsonObject {
    const result = this.redact(value, type);
    return result !== null && typeof result === 'object' && !Array.isArray(result) ? result : { value: result };
  }

  /** Scrubs detected PII out of free text (error messages, paths). */
  redactText(text: string): string {
    return this.truncate(scrubText(text, this.detectors));
  }

  /** Applies one strategy to a value (a declared field or a sensitive key). `undefined` means omit. */
  applyStrategy(strategy: PiiStrategy, value: unknown, kind?: string): JsonValue | undefined {
    switch (strategy) {
      case 'omit':
        return undefined;
      case 'redact':
        return redactedMarker(kind);
      case 'mask':
        return mask(plainText(value));
      case 'hash':
        return `hmac-sha256:${this.hmacKeyId}:${createHmac('sha256', this.hmacKey).update(plainText(value), 'utf8').digest('hex')}`;
    }
  }

  private walk(value: unknown, plan: RedactionPlan | undefined, depth: number, seen: Set<object>): JsonValue {
    switch (typeof value) {
      case 'string':
        return this.redactText(value);
      case 'number':
        return Number.isFinite(value) ? value : String(value);
      case 'boolean':
        return value;
      case 'bigint':
        return this.redactText(value.toString());
      case 'undefined':
      case 'function':
      case 'symbol':
        return null;
    }
    if (value === null) return null;
    try {
      return this.walkReference(value as object, plan, depth, seen);
    } catch {
      // A getter or a proxy trap threw: the value cannot be read, so it is summarized (never thrown).
      return '[Unreadable]';
    }
  }

  private walkReference(object: object, plan: RedactionPlan | undefined, depth: number, seen: Set<object>): JsonValue {
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
    if (Buffer.isBuffer(object) || ArrayBuffer.isView(object)) return `[Binary ${(object as ArrayBufferView).byteLength} bytes]`;
    if (object instanceof Map) return `[Map ${object.size} entries]`;
    if (object instanceof Set) return `[Set ${object.size} entries]`;
    if (typeof (object as { pipe?: unknown }).pipe === 'function') return '[Stream]';
    if (seen.has(object)) return '[Circular]';
    if (depth >= this.maxDepth) return '[Truncated:depth]';
    seen.add(object);
    try {
      if (Array.isArray(object)) return this.walkArray(object, plan, depth, seen);
      const own = object.constructor;
      const effective = own && own !== Object && typeof own === 'function' ? getRedactionPlan(own) : plan;
      return this.walkObject(object as Record<string, unknown>, effective, depth, seen);
    } finally {
      seen.delete(object);
    }
  }

  private walkArray(items: unknown[], plan: RedactionPlan | undefined, depth: number, seen: Set<object>): JsonValue[] {
    const limit = Math.min(items.length, this.maxArrayLength);
    const result: JsonValue[] = [];
    for (let i = 0; i < limit; i += 1) result.push(this.walk(items[i], plan, depth + 1, seen));
    if (items.length > limit) result.push(`[Truncated:${items.length - limit} more items]`);
    return result;
  }

  private walkObject(
    object: Record<string, unknown>,
    plan: RedactionPlan | undefined,
    depth: number,
    seen: Set<object>,
  ): JsonObject {
    const result: JsonObject = {};
    for (const key of Object.keys(object)) {
      if (UNSAFE_KEYS.has(key)) continue;
      let value: unknown;
      try {
        value = object[key];
      } catch {
        value = '[Unreadable]';
      }
      if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
      const rule = plan?.rule(key);
      let out: JsonValue | undefined;
      if (rule?.declaration) {
        const { strategy, kind } = rule.declaration;
        // A declared field is PII as a whole, nested DTO or not: walking into it would store every
        // undeclared part of it raw. Arrays get the strategy per item (hash pseudonyms stay per value).
        if (strategy === 'omit') out = undefined;
        else if (Array.isArray(value)) {
          out = value.slice(0, this.maxArrayLength).map((item) => (item === null ? null : (this.applyStrategy(strategy, item, kind) ?? null)));
        } else out = value === null ? null : this.applyStrategy(strategy, value, kind);
      } else if (this.isSensitiveKey(key)) {
        out = value === null ? null : redactedMarker();
      } else {
        out = this.walk(value, rule?.nested?.(), depth + 1, seen);
      }
      if (out !== undefined) {
        // defineProperty: a key named like an accessor of Object.prototype must stay a plain data key.
        // Keys are scrubbed like values: a query name or a map keyed by e-mail address is PII too.
        Object.defineProperty(result, this.redactText(key), { value: out, enumerable: true, writable: true, configurable: true });
      }
    }
    return result;
  }

  private truncate(text: string): string {
    if (text.length <= this.maxStringLength) return text;
    return `${text.slice(0, this.maxStringLength)}[Truncated:${text.length - this.maxStringLength} chars]`;
  }
}

/** Thrown at start-up for redaction options that cannot work. */
export class InvalidRedactionOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRedactionOptionsError';
  }
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
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      return '[unserializable]';
    }
  }
  return String(value);
}

/**
 * Keeps a short hint and hides the rest: the last 4 characters of long values (card, phone),
 * 2 of medium ones, none of short ones; e-mail addresses keep their first letter and domain.
 */
export function mask(text: string): string {
  const at = text.lastIndexOf('@');
  if (at > 0 && at < text.length - 1) return `${text[0] ?? ''}***@${text.slice(at + 1)}`;
  const chars = [...text];
  const keep = chars.length >= 12 ? 4 : chars.length >= 6 ? 2 : 0;
  return `${'*'.repeat(Math.min(chars.length - keep, 8))}${chars.slice(chars.length - keep).join('')}`;
}
