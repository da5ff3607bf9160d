import 'reflect-metadata';
import fc from 'fast-check';
import { declare, objectOf } from '../../../../../test/support/pii-fixtures';
import { Type } from 'class-transformer';
import type { PiiFieldOptions } from './pii-field.decorator';
import { getRedactionPlan } from './redaction-plan';
import { RedactionTrace } from './redaction-report';
import { listed, mergeLabels, Redactor, type RedactionReport, type RedactorOptions } from './redactor';

/**
 * Compiled walkers (Redactor.compileShape): after a DTO's key list has been walked once, objects
 * with the same keys in the same order take generated code. The reference is the generic walk: a
 * new Redactor has compiled nothing, so its first walk of anything is generic.
 */
const KEY = 'test-hmac-key-0123456789abcdef0123456789abcdef';
const fresh = (): Redactor => new Redactor({ hmacKey: KEY });

/** How many key lists a redactor has compiled for a DTO class (white box: the spec must see the compiled path run). */
function compiledShapes(redactor: Redactor, type: Function): number {
  const states = (redactor as unknown as { planStates: WeakMap<object, { shapes: unknown[] }> }).planStates;
  return states.get(getRedactionPlan(type))?.shapes.length ?? 0;
}

/** How many key lists a redactor has compiled for plain objects (no DTO). */
function plainShapes(redactor: Redactor): number {
  return (redactor as unknown as { plainState: { shapes: unknown[] } }).plainState.shapes.length;
}

/**
 * `run` on a new Redactor that cannot compile anything (code generation from strings fails, as
 * under `--disallow-code-generation-from-strings`): the generic walk only, the reference of the
 * compiled walkers (a new redactor alone would compile a key list met twice within one call).
 */
function generic<T>(run: (r: Redactor) => T): T {
  const original = globalThis.Function;
  globalThis.Function = function NoCodeGeneration() {
    throw new EvalError('Code generation from strings disallowed for this context');
  } as unknown as FunctionConstructor;
  try {
    const r = fresh();
    const result = run(r);
    expect(plainShapes(r)).toBe(0);
    return result;
  } finally {
    globalThis.Function = original;
  }
}



const KEYS = [
  'email', 'phone', 'ssn', 'fullName', 'notes', 'tags', 'nested', 'items', 'city', 'password', 'born', 'dob', 'age', 'x',
  '__proto__', 'constructor', 'prototype', '1', '20', 'a"b', 'back\\slash', 'line\u2028sep', 'lone\ud800', 'jane@example.com', '${x}', "'q'",
];
const STRATEGIES: ReadonlyArray<PiiFieldOptions | undefined> = [
  undefined,
  { strategy: 'redact', kind: 'name' },
  { strategy: 'mask' },
  { strategy: 'mask', kind: 'phone' },
  { strategy: 'mask', kind: 'Email' },
  { strategy: 'hash', kind: 'email' },
  { strategy: 'omit' },
  { strategy: (value) => `custom:${typeof value}` },
  { strategy: () => 'call me on +44 20 7946 0958' },
];
const PREFIXES = [undefined, 'request.body', 'response.body', 'request.body.items[]', '', '__proto__', 'a"b'];
const TEXTS = ['Springfield', 'jane.doe@example.com', '+44 20 7946 0958', '4111 1111 1111 1111', '1931-07-19', 'x', '', 'lone \ud800', 'B4', 'see 203.0.113.7'];

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(...TEXTS),
    fc.constantFrom(null, undefined, 0, 41, NaN, true, 10n, () => 1, Symbol('s')),
    fc.array(fc.oneof(fc.constantFrom(...TEXTS), fc.constant(null)), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('street', 'email', 'city', 'password'), tie('value'), { maxKeys: 3 }),
  ),
})).value;

class NestedDto {}
declare(NestedDto, 'street', { strategy: 'redact', kind: 'street' });

describe('compiled walkers', () => {
  it('give what the generic walk gives (values and report) for any DTO, key list and values, on every later call', () => {
    let compiledRuns = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...STRATEGIES.keys())), { maxLength: 8 }),
        fc.boolean(),
        fc.uniqueArray(fc.constantFrom(...KEYS), { maxLength: 10 }),
        fc.array(value, { minLength: 2 * KEYS.length, maxLength: 2 * KEYS.length }),
        fc.boolean(),
        fc.constantFrom(...PREFIXES),
        (declarations, nested, keys, values, withReport, prefix) => {
          class Dto {}
          for (const [key, strategy] of declarations) declare(Dto, key, STRATEGIES[strategy]);
          if (nested) Type(() => NestedDto)(Dto.prototype as object, 'nested');
          const warm = fresh();
          // With a report: under a path prefix as the writer calls it (buildEntry: 'request.body').
          const redact = (r: Redactor, object: unknown): [unknown, unknown] => {
            const report: RedactionReport | undefined = withReport ? new Map() : undefined;
            const out = r.redact(object, Dto, report, prefix);
            return [out, report && [...report]];
          };
          // The first object compiles its key list; the second (same keys, other values) takes it.
          const first = objectOf(keys.map((key, i) => [key, values[i]] as const));
          const second = objectOf(keys.map((key, i) => [key, values[KEYS.length + i]] as const));
          expect(redact(warm, first)).toEqual(redact(fresh(), first));
          if (compiledShapes(warm, Dto) > 0) compiledRuns += 1;
          expect(redact(warm, second)).toEqual(redact(fresh(), second));
          expect(redact(warm, first)).toEqual(redact(fresh(), first));
        },
      ),
      { numRuns: 3000, seed: 20261203 },
    );
    // Most runs went through a compiled walker (the others had a PII key such as an e-mail address).
    expect(compiledRuns).toBeGreaterThan(1500);
  });

  it('give the generic report for arrays of DTOs and DTOs nested in plain objects, under many prefixes in turn (more than a walker keeps paths for)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...STRATEGIES.keys())), { maxLength: 6 }),
        fc.uniqueArray(fc.constantFrom(...KEYS), { maxLength: 6 }),
        fc.array(fc.array(value, { minLength: KEYS.length, maxLength: KEYS.length }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.oneof(fc.constantFrom(...PREFIXES.filter((p): p is string => p !== undefined)), fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 9 }),
        (declarations, keys, rows, prefixes) => {
          class Dto {}
          for (const [key, strategy] of declarations) declare(Dto, key, STRATEGIES[strategy]);
          Type(() => Dto)(Dto.prototype as object, 'nested'); // recursive: a walker inside itself
          const objects = rows.map((row) => objectOf(keys.map((key, i) => [key, i === 0 && keys[0] === 'nested' ? objectOf(keys.map((k, j) => [k, row[j]] as const)) : row[i]] as const)));
          const warm = fresh();
          const run = (r: Redactor, input: unknown, prefix: string, type?: Function): [unknown, unknown] => {
            const report: RedactionReport = new Map();
            return [r.redact(input, type, report, prefix), [...report]];
          };
          for (let round = 0; round < 2; round += 1) {
            for (const prefix of prefixes) {
              expect(run(warm, objects, prefix, Dto)).toEqual(run(fresh(), objects, prefix, Dto));
              // Plain objects around the DTOs: the generic walk's key paths, then the walkers under them.
              const plain = { list: objects, one: objects[0], again: { list: objects } };
              expect(run(warm, plain, prefix)).toEqual(run(fresh(), plain, prefix));
              const typed = { ...plain };
              expect(run(warm, typed, prefix, Dto)).toEqual(run(fresh(), typed, prefix, Dto));
            }
          }
        },
      ),
      { numRuns: 400, seed: 20261204 },
    );
  });

  it('takes the compiled path whenever a key list has only PII-free names (so the property above tests it)', () => {
    class Dto {}
    declare(Dto, 'email', { strategy: 'hash' });
    const r = fresh();
    r.redact(objectOf([['email', 'a@b.io'], ['a"b', 1], ['__proto__', 2], ['line\u2028sep', 'x']]), Dto);
    expect(compiledShapes(r, Dto)).toBe(1);
    // A key that is PII itself is never compiled into code (nor remembered).
    r.redact(objectOf([['jane@example.com', 1]]), Dto);
    expect(compiledShapes(r, Dto)).toBe(1);
  });

  it('compiles at most 4 key lists per DTO; other orders take the generic walk, with the same result', () => {
    class Dto {}
    declare(Dto, 'email', { strategy: 'hash', kind: 'email' });
    declare(Dto, 'ssn');
    const r = fresh();
    const keys = ['email', 'ssn', 'city', 'note'];
    const orders = [keys, [...keys].reverse(), ['ssn', 'email'], ['city'], ['note', 'email'], ['email']];
    for (let round = 0; round < 3; round += 1) {
      for (const order of orders) {
        const object = objectOf(order.map((key) => [key, key === 'note' ? 'mail jane.doe@example.com' : `${key}-value`] as const));
        expect(r.redact(object, Dto)).toEqual(fresh().redact(object, Dto));
      }
    }
    expect(compiledShapes(r, Dto)).toBe(4);
  });

  it('reads each key once, in order, as the generic walk does: getters that throw, delete later keys or add keys', () => {
    class Dto {}
    declare(Dto, 'email', { strategy: 'hash' });
    const make = (): Record<string, unknown> => {
      const input: Record<string, unknown> = { first: 1, email: 'a@b.io', third: 3, boom: 0 };
      Object.defineProperty(input, 'first', {
        enumerable: true,
        get: () => {
          delete input.email;
          input.added = 'new';
          return 1;
        },
      });
      Object.defineProperty(input, 'boom', { enumerable: true, get: () => { throw new Error('getter exploded'); } });
      return input;
    };
    const r = fresh();
    const plain = objectOf([['first', 1], ['email', 'a@b.io'], ['third', 3], ['boom', 0]]);
    r.redact(plain, Dto); // compiles first, email, third, boom
    expect(compiledShapes(r, Dto)).toBe(1);
    const expected = { first: 1, third: 3, boom: '[Unreadable]' };
    expect(fresh().redact(make(), Dto)).toEqual(expected);
    expect(r.redact(make(), Dto)).toEqual(expected);
  });

  it('falls back to the generic walk where code cannot be generated', () => {
    class Dto {}
    declare(Dto, 'email', { strategy: 'hash' });
    const original = globalThis.Function;
    const r = fresh();
    try {
      globalThis.Function = function NoCodeGeneration() {
        throw new EvalError('Code generation from strings disallowed for this context');
      } as unknown as FunctionConstructor;
      const object = { email: 'a@b.io', city: 'x' };
      expect(r.redact(object, Dto)).toEqual(fresh().redact(object, Dto));
      expect(r.redact(object, Dto)).toEqual(fresh().redact(object, Dto));
    } finally {
      globalThis.Function = original;
    }
    expect(compiledShapes(r, Dto)).toBe(0);
  });
});

describe('compiled walkers: undeclared scalars inline', () => {
  /** As {@link generic}, with options: the generic walk of a redactor that cannot compile. */
  function genericWith<T>(options: RedactorOptions, run: (r: Redactor) => T): T {
    const original = globalThis.Function;
    globalThis.Function = function NoCodeGeneration() {
      throw new EvalError('Code generation from strings disallowed for this context');
    } as unknown as FunctionConstructor;
    try {
      return run(new Redactor(options));
    } finally {
      globalThis.Function = original;
    }
  }
  const scalar = fc.oneof(
    fc.constantFrom(...TEXTS),
    fc.constantFrom(true, false, 0, -0, 41, -1.5, NaN, Infinity, -Infinity, Number.MAX_VALUE, 10n, null, undefined),
    fc.double(),
    fc.string({ maxLength: 12 }),
  );
  const anyValue = fc.oneof(scalar, value);

  it('give what the generic walk gives for strings, booleans, finite and non-finite numbers, with the node limit reached anywhere (no report, Map report, trace)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...STRATEGIES.keys())), { maxLength: 4 }),
        fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 10 }),
        fc.array(anyValue, { minLength: 2 * KEYS.length, maxLength: 2 * KEYS.length }),
        fc.integer({ min: 1, max: 16 }),
        fc.constantFrom('none', 'map', 'trace'),
        (declarations, keys, values, maxNodes, report) => {
          class Dto {}
          for (const [key, strategy] of declarations) declare(Dto, key, STRATEGIES[strategy]);
          const options: RedactorOptions = { hmacKey: KEY, maxNodes };
          const redact = (r: Redactor, object: unknown): unknown => {
            if (report === 'none') return r.redact(object, Dto);
            if (report === 'map') {
              const lines: RedactionReport = new Map();
              return [r.redact(object, Dto, lines, 'request.body'), [...lines]];
            }
            const trace = new RedactionTrace();
            const out = r.redactTraced(object, Dto, trace, 'request.body');
            return [out, trace.empty ? undefined : r.reportObject(trace)];
          };
          const warm = new Redactor(options);
          const first = objectOf(keys.map((key, i) => [key, values[i]] as const));
          const second = objectOf(keys.map((key, i) => [key, values[KEYS.length + i]] as const));
          redact(warm, first); // compiles the key list (if its names are PII-free)
          for (const object of [second, first]) {
            const expected = genericWith(options, (r) => redact(r, object));
            // Object.is per scalar (toEqual tells -0 from 0 and NaN equals NaN).
            expect(redact(warm, object)).toEqual(expected);
          }
        },
      ),
      { numRuns: 3000, seed: 20261127 },
    );
  });
});

describe('compiled walkers with a trace (buildEntry\'s report)', () => {
  /** A report's lines sorted by path: the stored object is canonicalized, so only its content counts. */
  const sorted = (lines: Iterable<[string, unknown]>): Array<[string, unknown]> => [...lines].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // A marker enters the trace walker's code as a literal: kinds with every character @PiiField allows besides letters.
  const odd: PiiFieldOptions[] = [{ strategy: 'redact', kind: 'a.b-c_9' }, { strategy: 'redact', kind: 'x'.repeat(64) }, { strategy: 'omit', kind: '.' }];
  const strategies = [...STRATEGIES, ...odd];

  it('give the values of the Map walk and a stored object with the Map report\'s content, for any DTO, key list and values, on every later call', () => {
    let grouped = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...strategies.keys())), { maxLength: 8 }),
        fc.boolean(),
        fc.uniqueArray(fc.constantFrom(...KEYS), { maxLength: 10 }),
        fc.array(value, { minLength: 2 * KEYS.length, maxLength: 2 * KEYS.length }),
        fc.constantFrom(...PREFIXES.filter((p): p is string => p !== undefined)),
        (declarations, nested, keys, values, prefix) => {
          class Dto {}
          for (const [key, strategy] of declarations) declare(Dto, key, strategies[strategy]);
          if (nested) Type(() => NestedDto)(Dto.prototype as object, 'nested');
          const warm = fresh();
          const traced = (object: unknown): [unknown, unknown] => {
            const trace = new RedactionTrace();
            const out = warm.redactTraced(object, Dto, trace, prefix);
            if (trace.notes.some((note) => typeof note === 'object')) grouped += 1;
            return [out, trace.empty ? undefined : sorted(Object.entries(warm.reportObject(trace)))];
          };
          const mapped = (object: unknown): [unknown, unknown] => {
            const report: RedactionReport = new Map();
            const out = fresh().redact(object, Dto, report, prefix);
            return [out, report.size === 0 ? undefined : sorted(report)];
          };
          const first = objectOf(keys.map((key, i) => [key, values[i]] as const));
          const second = objectOf(keys.map((key, i) => [key, values[KEYS.length + i]] as const));
          for (const object of [first, second, first, second]) expect(traced(object)).toEqual(mapped(object));
        },
      ),
      { numRuns: 3000, seed: 20261126 },
    );
    // Declared fields in their common case went through the trace walkers' groups.
    expect(grouped).toBeGreaterThan(500);
  });
});

describe('compiled walkers of plain objects (no DTO)', () => {
  /** Plain objects of a few key lists (from KEYS, so with PII and unsafe names too), repeated and nested. */
  const plainTree: fc.Arbitrary<unknown> = fc
    .tuple(
      fc.array(fc.uniqueArray(fc.constantFrom(...KEYS), { maxLength: 6 }), { minLength: 1, maxLength: 10 }),
      fc.array(fc.tuple(fc.nat(), fc.array(value, { minLength: 6, maxLength: 6 }), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 14 }),
    )
    .map(([lists, rows]) => {
      const made: unknown[] = [];
      for (const [list, values, child, asArray] of rows) {
        const keys = lists[list % lists.length] as string[];
        // Now and then a value is an object made before (same key lists nest in each other, or sit in arrays).
        const entries = keys.map((key, i) => [key, made.length > 0 && i === 0 ? (asArray ? [made[child % made.length], made[(child + 1) % made.length]] : made[child % made.length]) : values[i]] as const);
        made.push(objectOf(entries));
      }
      return { rows: made, last: made[made.length - 1] };
    });

  it('give what the generic walk gives (values and report), under any prefix, on first and later calls', () => {
    let compiled = 0;
    fc.assert(
      fc.property(fc.array(plainTree, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.constantFrom(...PREFIXES), (trees, withReport, prefix) => {
        const redact = (r: Redactor, input: unknown): [unknown, unknown] => {
          const report: RedactionReport | undefined = withReport ? new Map() : undefined;
          return [r.redact(input, undefined, report, prefix), report && [...report]];
        };
        const warm = fresh();
        for (let round = 0; round < 2; round += 1) {
          for (const tree of trees) expect(redact(warm, tree)).toEqual(generic((r) => redact(r, tree)));
        }
        compiled += plainShapes(warm);
      }),
      { numRuns: 1500, seed: 20261208 },
    );
    expect(compiled).toBeGreaterThan(3000);
  });

  it('report array items under their own path for any sequence of array parents (more than a redactor keeps items\' paths for), Map and trace', () => {
    // Arrays under up to 7 distinct parents (keys, nesting, prefixes), met in any order and again.
    const names = ['a', 'b', 'notes', 'comments', 'c.d', 'x'];
    const body = fc
      .array(fc.tuple(fc.constantFrom(...names), fc.constantFrom(...names), fc.boolean()), { minLength: 1, maxLength: 5 })
      .map((parts) => objectOf(parts.map(([key, inner, nested]) => [key, nested ? [{ [inner]: ['jane@example.com', 'x'] }] : ['call 0207 946 0958', 'ok']] as const)));
    fc.assert(
      fc.property(fc.array(fc.tuple(body, fc.constantFrom('request.body', 'response.body', 'q')), { minLength: 1, maxLength: 8 }), (calls) => {
        const warm = fresh();
        for (let round = 0; round < 2; round += 1) {
          for (const [input, prefix] of calls) {
            const report: RedactionReport = new Map();
            const expected: RedactionReport = new Map();
            expect(warm.redact(input, undefined, report, prefix)).toEqual(fresh().redact(input, undefined, expected, prefix));
            expect([...report]).toEqual([...expected]);
            const trace = new RedactionTrace();
            warm.redactTraced(input, undefined, trace, prefix);
            expect(Object.entries(warm.reportObject(trace))).toEqual([...expected]);
          }
        }
      }),
      { numRuns: 800, seed: 20261127 },
    );
  });

  it('compiles at most 8 key lists per redactor; the others take the generic walk, with the same result', () => {
    const r = fresh();
    const lists = Array.from({ length: 12 }, (_, i) => Array.from({ length: (i % 4) + 1 }, (_, k) => `k${i}_${k}`));
    for (let round = 0; round < 3; round += 1) {
      for (const keys of lists) {
        const object = objectOf(keys.map((key, k) => [key, k === 0 ? 'mail jane.doe@example.com' : `${key}-value`] as const));
        const report: RedactionReport = new Map();
        expect([r.redact(object, undefined, report, 'request.body'), [...report]]).toEqual(
          generic((g) => {
            const expected: RedactionReport = new Map();
            return [g.redact(object, undefined, expected, 'request.body'), [...expected]];
          }),
        );
      }
    }
    expect(plainShapes(r)).toBe(8);
  });

  it('never compiles a key list with a PII key, and keeps sensitive and birth-date keys as the generic walk does', () => {
    const r = fresh();
    const withPii = objectOf([['jane@example.com', 1], ['city', 'x']]);
    r.redact(withPii);
    r.redact(withPii);
    expect(plainShapes(r)).toBe(0);
    const object = { password: 'hunter2', born: '1931-07-19', note: 'call +44 20 7946 0958', nested: { token: 'abc', dob: '19.07.1931' } };
    for (let round = 0; round < 3; round += 1) {
      const report: RedactionReport = new Map();
      expect([r.redact(object, undefined, report, 'request.body'), [...report]]).toEqual(
        generic((g) => {
          const expected: RedactionReport = new Map();
          return [g.redact(object, undefined, expected, 'request.body'), [...expected]];
        }),
      );
    }
    expect(plainShapes(r)).toBe(2);
    expect(JSON.stringify(r.redact(object))).not.toMatch(/hunter2|1931|7946|abc/);
  });
});

describe('report labels of detector matches', () => {
  /** The report as the rule states it: per text, its matches' distinct labels in order; per path, each label once, in order of first appearance. */
  function expectedReport(r: Redactor, texts: readonly string[], path: string): Array<[string, string]> {
    const strategies = r.detectorStrategies;
    let line: string | undefined;
    for (const text of texts) {
      const matches = r.detectorSet.find(text);
      if (matches === null) continue;
      const labels: string[] = [];
      for (const match of matches) {
        const label = `${strategies[match.detector] ?? 'redact'}:${match.kind}`;
        if (!labels.includes(label)) labels.push(label);
      }
      if (line === undefined) {
        line = labels.join(',');
        continue;
      }
      // Each label once per path: a text holding a kind the path lists already adds only the others.
      const listedLabels = line.split(',');
      for (const label of labels) if (!listedLabels.includes(label)) listedLabels.push(label);
      line = listedLabels.join(',');
    }
    return line === undefined ? [] : [[path, line]];
  }

  const FRAGMENTS = [
    'mail jane.doe@example.com', 'call +44 20 7946 0958', 'card 4111 1111 1111 1111', 'from 203.0.113.7', 'at 2001:db8::1',
    'ssn 612-73-4859', 'PT-12345678', 'ID-9999', 'nothing here', 'born 1931-07-19',
  ];
  const OPTIONS: RedactorOptions[] = [
    {},
    { detectors: { email: 'hash', phone: 'mask', ip: 'redact' } },
    { detectors: { card: false }, customDetectors: [{ kind: 'patient', pattern: /\bPT-\d{8}\b/g }, { kind: 'id', pattern: /\bID-\d{4}\b/g, strategy: 'mask' }] },
    { customDetectors: [{ kind: 'email', pattern: /\bID-\d{4}\b/g, strategy: 'hash' }] },
  ];

  it('are the distinct <strategy>:<kind> of each text in order, merged per path as the rule says, on first and later calls', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...OPTIONS.keys()),
        fc.array(fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 5 }).map((parts) => parts.join(' ; ')), { minLength: 1, maxLength: 6 }),
        (options, texts) => {
          const r = new Redactor({ hmacKey: KEY, ...OPTIONS[options] });
          const expected = expectedReport(r, texts, 'request.body.notes[]');
          for (let round = 0; round < 3; round += 1) {
            const report: RedactionReport = new Map();
            r.redact({ notes: texts }, undefined, report, 'request.body');
            expect([...report]).toEqual(expected);
          }
        },
      ),
      { numRuns: 1500, seed: 20261205 },
    );
  });

  it('listed(existing, label) is existing.split(",").includes(label)', () => {
    const text = fc.array(fc.constantFrom('a', 'b', ',', ':'), { maxLength: 8 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(text, text, (existing, label) => {
        expect(listed(existing, label)).toBe(existing.split(',').includes(label));
      }),
      { numRuns: 20_000, seed: 20261206 },
    );
  });

  it('mergeLabels appends each label of a joined label once: the labels of existing, then the new ones in order', () => {
    const label = fc.constantFrom('redact:card', 'redact:email', 'mask:phone', 'hash:email');
    const joined = fc.uniqueArray(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join(','));
    fc.assert(
      fc.property(joined, joined, (existing, added) => {
        const expected = existing.split(',');
        for (const one of added.split(',')) if (!expected.includes(one)) expected.push(one);
        expect(mergeLabels(existing, added)).toBe(expected.join(','));
      }),
      { numRuns: 5_000, seed: 20261207 },
    );
  });

  it('a path whose values hold several kinds lists each kind once (card, then e-mail and card)', () => {
    const report: RedactionReport = new Map();
    const redacted = fresh().redact({ notes: ['card 4111 1111 1111 1111', 'mail bob@example.org, card 4111 1111 1111 1111'] }, undefined, report, 'request.body');
    expect(JSON.stringify(redacted)).not.toMatch(/4111|bob@/);
    expect(report.get('request.body.notes[]')).toBe('redact:card,redact:email');
  });
});
