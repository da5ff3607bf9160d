import fc from 'fast-check';
import type { JsonObject } from '../audit-event';
import { copier } from './redaction-report';

/** What copier must equal: the spread copy it replaces. */
function spreadCopy(object: JsonObject): JsonObject {
  return { ...object };
}

describe('copier (the stored report object of a kept trace, copied per entry)', () => {
  // Report paths and labels, and keys that an object literal treats specially: integer-like keys
  // (ordered first), `__proto__`, quotes, backslashes, line separators, lone surrogates.
  const key = fc.oneof(
    fc.constantFrom('request.body.email', 'request.body.items[].card', '0', '7', '4294967294', '4294967295', '-1', '01', '__proto__', 'constructor', 'a"b', 'a\\b', '\u2028', '\ud800', '', ' '),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 6 }),
  );
  const value = fc.oneof(fc.constantFrom('hash:email', 'redact:card,redact:email', '', '"', '\\', '\u2029', '\udfff'), fc.string({ unit: 'binary', maxLength: 8 }));

  it('gives a fresh object equal to the spread copy, with the same keys in the same order and a plain prototype', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 80 }), (lines) => {
        const object: JsonObject = {};
        for (const [k, v] of lines) Object.defineProperty(object, k, { value: v, enumerable: true, writable: true, configurable: true });
        const copy = copier(object);
        const a = copy();
        const b = copy();
        const expected = spreadCopy(object);
        expect(a).not.toBe(b);
        expect(a).not.toBe(object);
        expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
        expect(Object.keys(a)).toEqual(Object.keys(expected));
        expect(Object.values(a)).toEqual(Object.values(expected));
        expect(Object.keys(b)).toEqual(Object.keys(expected));
        // A copy is its entry's own: changing it changes neither the next copy nor the kept object.
        a['request.body.email'] = 'changed';
        expect(Object.values(copy())).toEqual(Object.values(expected));
      }),
      { numRuns: 3000, seed: 20261207 },
    );
  });
});
