/**
 * RFC 8785 (JSON Canonicalization Scheme) serialization, byte for byte what the `canonicalize`
 * package (2.1.0, the reference this project started from) returns for every input — the spec
 * next to this file checks that on generated values — in about half its time: loops and `+=`
 * instead of `reduce` with a template literal per member. It runs once per audit entry on the
 * writer's thread, so it is on the path the HTTP and store-append benchmarks measure.
 *
 * Keys are sorted by UTF-16 code units (`Array.prototype.sort` without a comparator), strings and
 * numbers are serialized by `JSON.stringify` (ECMAScript's Number-to-String is what RFC 8785
 * prescribes), `toJSON()` is honoured, `undefined` and symbol members are skipped, `undefined`
 * and symbol array items become `null`, and NaN / ±Infinity are refused.
 *
 * Returns `undefined` for a top-level value without a JSON form (undefined, a function, a
 * symbol), like the package; nested ones are written as the package writes them.
 *
 * Plain JSON-like values (what the redactor builds and `JSON.parse` returns) take a fast path: a
 * key-sorted copy written by `JSON.stringify` (see `sortedCopy`). A value it does not cover is
 * written entirely by the general path, whose members are then read a second time (a getter runs
 * twice; the package reads each once).
 */
export function serializeCanonical(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && (Object.prototype as { toJSON?: unknown }).toJSON === undefined) {
    const sorted = sortedCopy(value, 0);
    if (sorted !== UNSUPPORTED) return JSON.stringify(sorted);
  }
  return serializeGeneral(value);
}

/** What {@link sortedCopy} returns for a value it leaves to the general serializer. */
const UNSUPPORTED: unique symbol = Symbol('unsupported');

/** Deeper values take the general path (which then overflows the stack exactly as the package does, if it must). */
const MAX_FAST_DEPTH = 64;

/**
 * The fast path: a copy of `value` whose every object has its members in canonical order, for
 * `JSON.stringify` to write natively (one flat string, no per-member calls or concatenations:
 * about half the time of the general path for an audit payload, and far less garbage). For such a
 * copy `JSON.stringify` writes exactly the canonical bytes: the same string and number forms, and
 * members in insertion order, which is the sorted order here.
 *
 * Only for what provably serializes alike: plain objects (prototype `Object.prototype` or null)
 * and plain arrays, nested at most {@link MAX_FAST_DEPTH}, holding strings, finite numbers,
 * booleans, null, and undefined or symbol members (skipped) and items (null). Anything else
 * returns {@link UNSUPPORTED}: a `toJSON` anywhere, an array-index key (enumerated first whatever
 * the insertion order), `__proto__` (an assignment would set
 * the prototype), a hole (the package skips it), a function, a bigint, NaN or an infinity (the
 * general path throws the package's error). Every member is read once, as the package reads it.
 * An object whose key list was met before is copied by code compiled for that list ({@link compileShape}).
 */
function sortedCopy(value: object, depth: number): unknown {
  if (depth > MAX_FAST_DEPTH || (value as { toJSON?: unknown }).toJSON !== undefined) return UNSUPPORTED;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return UNSUPPORTED;
    const items = value as unknown[];
    const copy = new Array<unknown>(items.length);
    for (let index = 0; index < items.length; index += 1) {
      const item = plainMember(items[index], depth);
      if (item === UNSUPPORTED) return UNSUPPORTED;
      if (item === undefined) {
        if (!(index in items)) return UNSUPPORTED;
        copy[index] = null;
      } else {
        copy[index] = item;
      }
    }
    return copy;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return UNSUPPORTED;
  const keys = Object.keys(value);
  const shape = keys.length === 0 ? undefined : compiledShape(keys);
  if (shape !== undefined) return shape(value as Record<string, unknown>, depth);
  for (let index = 0; index < keys.length; index += 1) {
    const key = keys[index] as string;
    const first = key.charCodeAt(0);
    if ((first >= 0x30 && first <= 0x39 && isArrayIndex(key)) || key === '__proto__') return UNSUPPORTED;
  }
  const unsorted = keys.length > 0 && keys.length <= MAX_SHAPE_KEYS && compilable(keys.length) ? keys.slice() : undefined;
  sortKeys(keys);
  if (unsorted !== undefined) compileShape(unsorted, keys);
  const copy: Record<string, unknown> = {};
  for (let index = 0; index < keys.length; index += 1) {
    const key = keys[index] as string;
    const member = plainMember((value as Record<string, unknown>)[key], depth);
    if (member === UNSUPPORTED) return UNSUPPORTED;
    // Skipped by the package and by JSON.stringify alike; symbols are mapped to undefined.
    if (member !== undefined) copy[key] = member;
  }
  return copy;
}

/** The sorted copy of an object with one key list (see {@link compileShape}). */
type ShapeCopy = (value: Record<string, unknown>, depth: number) => unknown;

/** A compiled key list: the keys in the object's order (as Object.keys gives them) and its copier. */
interface Shape {
  readonly keys: readonly string[];
  readonly copy: ShapeCopy;
}

/** Compiled key lists by their length (an array index, where a Map of first keys cost a hash look-up per object). */
const shapesByLength: Shape[][] = [];
/**
 * Key lists compiled in this process: the first ones seen (an app's payloads come in a few dozen;
 * the rest, such as objects keyed by ids, take the general copy), at most a few per length so
 * that finding one stays a short scan whatever the keys.
 */
let shapeCount = 0;
const MAX_SHAPES = 256;
const MAX_SHAPES_PER_LENGTH = 16;
/** Longer key lists take the general copy (a payload's objects have a few keys; hostile ones may have thousands). */
const MAX_SHAPE_KEYS = 64;
/** False once code generation failed (not allowed here): the general copy only, not retried. */
let canCompile = true;

/** The copier compiled for exactly this key list, if any. */
function compiledShape(keys: readonly string[]): ShapeCopy | undefined {
  const list = shapesByLength[keys.length];
  if (list === undefined) return undefined;
  for (let s = 0; s < list.length; s += 1) {
    const shape = list[s] as Shape;
    const known = shape.keys;
    let same = true;
    for (let k = 0; k < keys.length; k += 1) {
      if (known[k] !== keys[k]) {
        same = false;
        break;
      }
    }
    if (same) return shape.copy;
  }
  return undefined;
}

/**
 * Compiles the sorted copy of objects with the key list `unsorted` (checked by the caller: no
 * array index, no `__proto__`), whose sorted order is `sorted`: generated code that reads each
 * member by name in sorted order (as the general copy does, so a getter runs in the same order)
 * through {@link plainMember}, then returns one object literal with the keys in sorted order. A
 * literal allocates every property in the object at once and skips the key checks and the sort;
 * its objects are also faster for JSON.stringify to read than `{}` grown key by key. An undefined
 * member stays in the literal as `undefined`, which JSON.stringify skips as the general copy
 * skips it: the text is the same. Keys enter the code only as JSON.stringify string literals (the
 * same key once evaluated, for any string). Where code cannot be generated, nothing is compiled.
 */
function compileShape(unsorted: readonly string[], sorted: readonly string[]): void {
  const reads = sorted.map((key, i) => `const m${i} = member(o[${JSON.stringify(key)}], depth);\nif (m${i} === U) return U;`);
  const literal = sorted.map((key, i) => `${JSON.stringify(key)}: m${i}`).join(', ');
  let copy: ShapeCopy;
  try {
    copy = new Function('member', 'U', `'use strict';\nreturn function sortedShapeCopy(o, depth) {\n${reads.join('\n')}\nreturn { ${literal} };\n};`)(plainMember, UNSUPPORTED) as ShapeCopy;
  } catch {
    canCompile = false;
    return;
  }
  const shape: Shape = { keys: unsorted, copy };
  const list = shapesByLength[unsorted.length];
  if (list === undefined) shapesByLength[unsorted.length] = [shape];
  else list.push(shape);
  shapeCount += 1;
}

/** Whether a key list of `length` keys may still be compiled. */
function compilable(length: number): boolean {
  if (!canCompile || shapeCount >= MAX_SHAPES) return false;
  const list = shapesByLength[length];
  return list === undefined || list.length < MAX_SHAPES_PER_LENGTH;
}

/** A member as the copy holds it: itself, its sorted copy, undefined (skipped / null) or {@link UNSUPPORTED}. */
function plainMember(member: unknown, depth: number): unknown {
  switch (typeof member) {
    case 'string':
    case 'boolean':
      return member;
    case 'number':
      return Number.isFinite(member) ? member : UNSUPPORTED;
    case 'object':
      return member === null ? null : sortedCopy(member, depth + 1);
    case 'undefined':
    case 'symbol':
      return undefined;
    default:
      return UNSUPPORTED;
  }
}

/**
 * An array index ("0" to "4294967294" without leading zeros): a key that objects enumerate before
 * all others, in numeric order, whatever the order it was added in. Other keys starting with a
 * digit ("2fa", "01") keep their insertion order.
 */
function isArrayIndex(key: string): boolean {
  if (key.length > 10 || (key.length > 1 && key.charCodeAt(0) === 0x30)) return false;
  for (let index = 0; index < key.length; index += 1) {
    const c = key.charCodeAt(index);
    if (c < 0x30 || c > 0x39) return false;
  }
  return Number(key) < 4294967295;
}

/**
 * `keys.sort()` for distinct strings (UTF-16 code unit order, which `<` compares): an insertion
 * sort, in place. Objects have a few keys; `Array.prototype.sort`'s fixed cost was most of the
 * sorting time. Already sorted keys cost one comparison each.
 */
function sortKeys(keys: string[]): void {
  for (let index = 1; index < keys.length; index += 1) {
    const key = keys[index] as string;
    let at = index - 1;
    if (!(key < (keys[at] as string))) continue;
    while (at >= 0 && key < (keys[at] as string)) {
      keys[at + 1] = keys[at] as string;
      at -= 1;
    }
    keys[at + 1] = key;
  }
}

/** The serializer as the package writes it: every value, including what the fast path leaves. */
function serializeGeneral(value: unknown): string | undefined {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw new Error('NaN is not allowed');
    if (!Number.isFinite(value)) throw new Error('Infinity is not allowed');
    return JSON.stringify(value);
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value) as string | undefined;
  const object = value as Record<string, unknown> & { toJSON?: unknown };
  if (object.toJSON instanceof Function) return serializeCanonical((object.toJSON as () => unknown)());
  if (Array.isArray(object)) {
    let text = '[';
    for (let index = 0; index < object.length; index += 1) {
      // The package walks with `reduce`, which skips holes of a sparse array (the comma still
      // depends on the index): kept identical rather than "fixed", the bytes are what is hashed.
      if (!(index in object)) continue;
      if (index !== 0) text += ',';
      const item: unknown = object[index];
      text += String(serializeGeneral(item === undefined || typeof item === 'symbol' ? null : item));
    }
    return `${text}]`;
  }
  const keys = Object.keys(object).sort();
  let members = '';
  for (let index = 0; index < keys.length; index += 1) {
    const key = keys[index] as string;
    const member = object[key];
    if (member === undefined || typeof member === 'symbol') continue;
    if (members.length !== 0) members += ',';
    members += `${JSON.stringify(key)}:${String(serializeGeneral(member))}`;
  }
  return `{${members}}`;
}
