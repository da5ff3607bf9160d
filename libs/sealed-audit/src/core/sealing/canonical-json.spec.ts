import fc from 'fast-check';
import { canonicalize, isCanonicalJsonObject } from './canonical-json';

/** The property isCanonicalJsonObject must never break: `true` means re-serializing gives the same text. */
function reserializesToItself(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && canonicalize(parsed) === text;
  } catch {
    return false;
  }
}

/** What the one-pass check is meant to prove: keys that need no escape, no lone surrogate anywhere. */
function provable(value: unknown): boolean {
  const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  if (typeof value === 'string') return !loneSurrogate.test(value);
  if (Array.isArray(value)) return value.every(provable);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).every(([key, item]) => JSON.stringify(key) === `"${key}"` && provable(item));
  }
  return true;
}

const nastyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '"', '\\', '/', '\u0000', '\u0008', '\u001f', '\u007f', '\u2028', '\ud800', '\udfff', '😀', 'é', '\t\n\r\b\f', '10', '2', '__proto__'),
);
const number = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(0, -0, 1e21, 1e-7, 5e-324, 0.1, 123456789012345680000));
const { value: json } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nastyString,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nastyString, tie('value'), { maxKeys: 4 }),
  ),
}));
const object = fc.dictionary(nastyString, json, { maxKeys: 6 });

/** Edits that keep a text parseable to the same value (or close to it) but not canonical. */
const edits: Array<(text: string) => string> = [
  (t) => t.replace(':', ': '),
  (t) => t.replace(',', ' ,'),
  (t) => `${t} `,
  (t) => ` ${t}`,
  (t) => t.replace(/"([a-z])":/, '"\\u00$1":'),
  (t) => t.replace(/\d+/, (d) => `${d}.0`),
  (t) => t.replace(/\d+/, (d) => `${d}e0`),
  (t) => t.replace(/(\d)/, '0$1'),
  (t) => t.replace('\\n', '\\u000a'),
  (t) => t.replace('\\"', '\\u0022'),
  (t) => t.replace('/', '\\/'),
  (t) => t.replace('é', '\\u00e9'),
  (t) => t.replace('true', 'True'),
  (t) => t.replace(/\{"([^"]*)":([^,{}[\]]*),"([^"]*)":([^,{}[\]]*)([,}])/, '{"$3":$4,"$1":$2$5'),
  (t) => t.replace(/\{("[^"]*":[^,{}[\]]*)([,}])/, '{$1,$1$2'),
  (t) => t.slice(0, -1),
  (t) => `${t}}`,
];

describe('isCanonicalJsonObject', () => {
  it('accepts the canonical form of any JSON object but for keys with escapes and lone surrogates', () => {
    fc.assert(
      fc.property(object, (value) => {
        const text = canonicalize(value);
        expect(isCanonicalJsonObject(text)).toBe(provable(value));
        expect(reserializesToItself(text)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('is sound: whenever it says yes, parsing and re-serializing gives the same text (random edits of canonical texts)', () => {
    fc.assert(
      fc.property(object, fc.integer({ min: 0, max: edits.length - 1 }), fc.integer({ min: 0, max: edits.length - 1 }), (value, a, b) => {
        const text = (edits[b] as (t: string) => string)((edits[a] as (t: string) => string)(canonicalize(value)));
        if (isCanonicalJsonObject(text)) expect(reserializesToItself(text)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('is sound on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' }).map((s) => `{"a":"${s}"}`)), (text) => {
        if (isCanonicalJsonObject(text)) expect(reserializesToItself(text)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['{}', true],
    ['{"a":1,"b":[true,false,null],"c":{"d":"x"}}', true],
    ['{"a":1e+21,"b":1e-7,"c":-5,"d":0.5}', true],
    ['{"a":"\\u001f\\n\\"\\\\"}', true],
    ['{"a":"😀\u2028\u007f"}', true],
    ['[1]', false],
    ['"a"', false],
    ['{"b":1,"a":2}', false],
    ['{"a":1,"a":1}', false],
    ['{"a":1.0}', false],
    ['{"a":-0}', false],
    ['{"a":1E+21}', false],
    ['{"a":01}', false],
    ['{"a": 1}', false],
    ['{"a":1} ', false],
    ['{"a":"\\/"}', false],
    ['{"a":"\\u0041"}', false],
    ['{"a":"\\u000a"}', false],
    ['{"a":"\\u001F"}', false],
    ['{"a":"\ud800"}', false],
    ['{"a":"\u0001"}', false],
    ['{"a":tru}', false],
    ['{"a":1', false],
    ['', false],
  ])('%s → %s', (text, expected) => {
    expect(isCanonicalJsonObject(text)).toBe(expected);
    if (expected) expect(reserializesToItself(text)).toBe(true);
  });

  it('proves a number token canonical exactly when String(Number(token)) === token (digit-level fast paths included)', () => {
    const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom('0', '1', '5', '9'), minLength: min, maxLength: max });
    const token = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e22, max: 1e22 }).chain((x) => fc.integer({ min: 0, max: 20 }).map((k) => x.toFixed(k))),
      fc.double({ noNaN: true, noDefaultInfinity: true }).chain((x) => fc.integer({ min: 1, max: 21 }).map((k) => x.toPrecision(k))),
      fc.tuple(fc.constantFrom('', '-'), digits(1, 18), fc.constantFrom('', '.'), digits(0, 18), fc.constantFrom('', 'e1', 'e-7', 'E+2', '+', '-', '.5')).map((parts) => parts.join('')),
      fc.tuple(fc.constantFrom('', '-'), fc.constantFrom('0.', '0.0', '0.00000', '0.000000', '00.'), digits(1, 16)).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(token, (t) => {
        expect(isCanonicalJsonObject(`{"a":${t}}`)).toBe(String(Number(t)) === t);
        expect(isCanonicalJsonObject(`{"a":[${t},${t}]}`)).toBe(String(Number(t)) === t);
      }),
      { numRuns: 20000, seed: 20261126 },
    );
    for (const t of ['0.000001', '0.0000001', '0.1', '-0.5', '123456789012345', '1234567890123456', '12345678901234.5', '1234567890123.45', '999999999999999.9', '0.000001234567890123', '1.10', '1.0', '00.5', '-0.0']) {
      expect([t, isCanonicalJsonObject(`{"a":${t}}`)]).toEqual([t, String(Number(t)) === t]);
    }
  });

  it('gives up (false) beyond 64 levels of nesting instead of recursing without bound', () => {
    const deep = `{"a":${'['.repeat(100)}${']'.repeat(100)}}`;
    expect(isCanonicalJsonObject(deep)).toBe(false);
    expect(isCanonicalJsonObject(`{"a":${'['.repeat(1e5)}`)).toBe(false);
  });
});
