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
 */
export function serializeCanonical(value: unknown): string | undefined {
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
      text += String(serializeCanonical(item === undefined || typeof item === 'symbol' ? null : item));
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
    members += `${JSON.stringify(key)}:${String(serializeCanonical(member))}`;
  }
  return `{${members}}`;
}
