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

describe('serializeCanonical: compiled sorted copies (objects of a key list seen before)', () => {
  /**
   * A fresh instance of the module (nothing compiled yet): key lists are compiled for the first few
   * hundred seen in a process, which the random keys of the properties above would have used up.
   */
  function freshSerializer(): typeof serializeCanonical {
    let fresh: typeof serializeCanonical | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      fresh = (require('./rfc8785') as typeof import('./rfc8785')).serializeCanonical;
    });
    return fresh as typeof serializeCanonical;
  }
  const KEYS = ['b', 'a', 'z', 'é', '\u0080', 'A', '', ' ', '1a', '01', '2fa', '10', '4294967295', '__proto__', '\ud800', 'a"b', 'line\u2028sep', '${x}', "'q'", 'request.body.email'];
  /** An object with these own enumerable members, in this order (`__proto__` as an own key too). */
  function objectOf(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    for (const [key, member] of entries) Object.defineProperty(object, key, { value: member, enumerable: true, writable: true, configurable: true });
    return object;
  }
  const scalar = fc.oneof(
    { weight: 8, arbitrary: fc.oneof(fc.string({ maxLength: 6 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.constantFrom(-0, 1e21, 1e-7, 0.1)) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, Symbol('s'), Number.NaN, Number.POSITIVE_INFINITY, 1n, new Date(0), () => 1, { toJSON: () => ({ y: 1, x: 2 }) }, new Map()) },
  );
  /** Values whose objects take their key lists from a few shared lists, so most lists are met again (and compiled). */
  const tree = fc.array(fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }).chain((lists) =>
    fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('value'), { maxLength: 3 }), tie('object')),
      object: fc.tuple(fc.nat({ max: lists.length - 1 }), fc.array(tie('value'), { minLength: 6, maxLength: 6 })).map(([list, members]) => objectOf((lists[list] as string[]).map((key, i) => [key, members[i]] as const))),
    })).object,
  );

  it('give the package\'s bytes (or error) on the first call and every later one, for any key lists and members', () => {
    let serialize = freshSerializer();
    let runs = 0;
    fc.assert(
      fc.property(tree, (value) => {
        // A fresh module now and then: the compiled key lists would fill up with the random ones.
        if (++runs % 50 === 0) serialize = freshSerializer();
        const expected = outcome(canonicalizeReference, value);
        for (let call = 0; call < 3; call += 1) expect(outcome(serialize, value)).toEqual(expected);
      }),
      { numRuns: 3000, seed: 20261127 },
    );
  });

  it('read each member once, in sorted order, as the general copy does (getters), on the first call and later ones', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...KEYS.filter((key) => key !== '__proto__')), { minLength: 1, maxLength: 6 }), (keys) => {
        const log: string[] = [];
        const object = {};
        for (const key of keys) Object.defineProperty(object, key, { enumerable: true, get: () => (log.push(key), key.length) });
        const sorted = [...keys].sort();
        const expected = canonicalizeReference({ x: object, y: [object] });
        const serialize = freshSerializer();
        for (let call = 0; call < 3; call += 1) {
          log.length = 0;
          // The same object twice: on the first call, the second is copied by the code the first compiled.
          expect(serialize({ x: object, y: [object] })).toBe(expected);
          expect(log).toEqual([...sorted, ...sorted]);
        }
      }),
      { numRuns: 500, seed: 20261128 },
    );
  });

  it('give the same bytes past the number of key lists it compiles (in all, per length), and where code cannot be generated', () => {
    // 400 lists of 3 keys (past the bound per length), then 700 of 1 to 40 keys (past the bound in all).
    const many = [
      ...Array.from({ length: 400 }, (_, n) => objectOf([[`k${n}`, n], ['b', { y: [n], x: null }], ['a', `v${n}`]])),
      ...Array.from({ length: 700 }, (_, n) => objectOf(Array.from({ length: 1 + (n % 40) }, (_, k) => [`k${n}.${40 - k}`, k % 3 === 0 ? { z: k, a: [k] } : `${k}`] as const))),
    ];
    const serialize = freshSerializer();
    for (let round = 0; round < 2; round += 1) for (const value of many) expect(serialize(value)).toBe(canonicalizeReference(value));
    jest.isolateModules(() => {
      const original = globalThis.Function;
      globalThis.Function = function NoCodeGeneration() {
        throw new EvalError('Code generation from strings disallowed for this context');
      } as unknown as FunctionConstructor;
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const isolated = (require('./rfc8785') as typeof import('./rfc8785')).serializeCanonical;
        for (let round = 0; round < 2; round += 1) for (const value of many.slice(0, 20)) expect(isolated(value)).toBe(canonicalizeReference(value));
      } finally {
        globalThis.Function = original;
      }
    });
  });
});
