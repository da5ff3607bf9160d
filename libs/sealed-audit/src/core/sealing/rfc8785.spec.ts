import fc from 'fast-check';
import reference from 'canonicalize';
import { serializeCanonical } from './rfc8785';

const canonicalizeReference = reference as unknown as (value: unknown) => string | undefined;

/** What a call gives: its text, or the message it threw. */
function outcome(serialize: (value: unknown) => string | undefined, value: unknown): { text?: string | undefined; error?: string } {
  try {
    return { text: serialize(value) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

describe('serializeCanonical (RFC 8785)', () => {
  it('is byte-identical to the canonicalize package on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(serializeCanonical(value)).toBe(canonicalizeReference(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('is identical on anything else too: sparse arrays, undefined and symbol members, Dates, boxed values, null prototypes, NaN', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBoxedValues: true,
          withDate: true,
          withSparseArray: true,
          withNullPrototype: true,
          withObjectString: true,
          withTypedArray: true,
          withMap: true,
          withSet: true,
          withUnicodeString: true,
        }),
        (value) => {
          expect(outcome(serializeCanonical, value)).toEqual(outcome(canonicalizeReference, value));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('sorts keys by UTF-16 code units and writes numbers in ECMAScript form (RFC 8785 §3.2.3 and appendix B samples)', () => {
    const value = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    expect(serializeCanonical(value)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    expect(serializeCanonical([1e21, 1e-7, -0, 0.000001, 333333333.3333333, 9007199254740992, 4.5])).toBe('[1e+21,1e-7,0,0.000001,333333333.3333333,9007199254740992,4.5]');
  });

  it('writes plain values natively and leaves everything else to the general path, with the same bytes either way', () => {
    const nullPrototype = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: [2, { d: 'x', c: null }] });
    const withProto = JSON.parse('{"z":1,"__proto__":{"y":2}}') as unknown;
    const holes = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const cases: unknown[] = [
      { b: { y: [1, 'two', true, null], x: -0 }, a: 'é\u2028"\\', c: undefined, d: Symbol('s') },
      [undefined, Symbol('s'), { z: 1, y: 2 }, [[], {}]],
      nullPrototype,
      withProto,
      { 10: 'a', 9: 'b', x: 'c' },
      { '1a': 1, a: 2 },
      { '2fa': 1, '01': 2, '4294967295': 3, '4294967294': 4, '9007199254740993': 5, a: 6, '0': 7 },
      { '2fa': 1, '01': 2, '4294967295': 3, '99999999999': 4, b: { '1x': 1, '1': 2 } },
      { a: new Date(0), b: { toJSON: () => ({ z: 1, y: 2 }) } },
      { a: holes },
      { a: () => 1, b: [() => 1] },
      { a: new Number(1), b: new String('ab'), c: new Map([[1, 2]]) },
      { deep: JSON.parse(`${'['.repeat(100)}{"b":1,"a":2}${']'.repeat(100)}`) as unknown },
      { a: 1e21, b: 1e-7, c: 0.1 + 0.2, d: '\ud800' },
    ];
    for (const value of cases) expect(outcome(serializeCanonical, value)).toEqual(outcome(canonicalizeReference, value));
    expect(() => serializeCanonical({ a: [{ b: Number.NaN }] })).toThrow('NaN is not allowed');
    expect(() => serializeCanonical({ a: 1n })).toThrow(TypeError);
  });

  it('refuses NaN and infinities, and has no text for a top-level undefined or function', () => {
    expect(() => serializeCanonical({ a: Number.NaN })).toThrow('NaN is not allowed');
    expect(() => serializeCanonical([Number.POSITIVE_INFINITY])).toThrow('Infinity is not allowed');
    expect(serializeCanonical(undefined)).toBeUndefined();
    expect(serializeCanonical(() => 1)).toBeUndefined();
  });
});
