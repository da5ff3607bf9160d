import 'reflect-metadata';
import { faker } from '@faker-js/faker/locale/en';
import fc from 'fast-check';
import { Type } from 'class-transformer';
import { PiiField, Redactor, buildEntry, canonicalize, type AuditEvent } from 'sealed-audit';

/**
 * Property: for generated nested payloads with planted PII (realistic values from a seeded faker),
 * no planted value survives redaction — in any field, at any depth, as a value, inside free text,
 * or as a key. Seeds are fixed, so a failure reproduces; fast-check shrinks it to a small payload.
 */

faker.seed(20250103);

/** A valid US SSN (area 001–899 except 666, group and serial non-zero). */
function ssn(): string {
  let area = faker.number.int({ min: 1, max: 899 });
  if (area === 666) area = 667;
  const group = faker.number.int({ min: 1, max: 99 });
  const serial = faker.number.int({ min: 1, max: 9999 });
  return `${String(area).padStart(3, '0')}-${String(group).padStart(2, '0')}-${String(serial).padStart(4, '0')}`;
}

const POOL_SIZE = 40;
const pool = (make: () => string): string[] => Array.from({ length: POOL_SIZE }, make);

/** Planted values by kind; each must disappear. */
const PLANTS: Record<string, string[]> = {
  email: pool(() => faker.internet.email()),
  phone: pool(() => faker.phone.number({ style: 'international' })),
  nationalPhone: pool(() => faker.phone.number({ style: 'national' })),
  card: pool(() => faker.finance.creditCardNumber()),
  iban: pool(() => faker.finance.iban({ formatted: faker.datatype.boolean() })),
  ssn: pool(ssn),
  ipv4: pool(() => faker.internet.ipv4()),
  ipv6: pool(() => faker.internet.ipv6()),
  jwt: pool(() => faker.internet.jwt()),
  apiKey: pool(() => `sk_live_${faker.string.alphanumeric(24)}`),
  awsKey: pool(() => `AKIA${faker.string.alphanumeric({ length: 16, casing: 'upper' })}`),
  githubToken: pool(() => `ghp_${faker.string.alphanumeric(36)}`),
  urlPassword: pool(() => faker.internet.password({ length: 14, pattern: /[A-Za-z0-9]/ })),
  birthDate: pool(() => faker.date.birthdate().toISOString().slice(0, 10)),
};

/** How a planted value appears in text (the part that must vanish is the value itself). */
const CONTEXTS: Record<string, (value: string) => string> = {
  urlPassword: (value) => `postgres://svc:${value}@db.internal:5432/app`,
  birthDate: (value) => `born ${value}`,
  card: (value) => `card ${value}`,
};

const plantArb = fc
  .constantFrom(...Object.keys(PLANTS))
  .chain((kind) => fc.constantFrom(...(PLANTS[kind] as string[])).map((value) => ({ kind, value })));

const fillerArb = fc.constantFrom(...Array.from({ length: 60 }, () => faker.lorem.words({ min: 1, max: 6 })));
const keyArb = fc.constantFrom(...Array.from({ length: 30 }, () => faker.lorem.word()), 'note', 'comment', 'details', 'message', 'meta');

/** A string leaf: filler, or filler with a planted value inside (space-separated, as in prose). */
const textArb = fc.oneof(
  fillerArb.map((text) => ({ text, planted: [] as string[] })),
  fc.tuple(fillerArb, plantArb, fillerArb).map(([before, plant, after]) => ({
    text: `${before} ${(CONTEXTS[plant.kind] ?? ((v: string) => v))(plant.value)} ${after}`,
    planted: [plant.value],
  })),
  plantArb.map((plant) => ({ text: (CONTEXTS[plant.kind] ?? ((v: string) => v))(plant.value), planted: [plant.value] })),
);

interface Generated {
  value: unknown;
  planted: string[];
}

const { tree } = fc.letrec<{ tree: Generated; leaf: Generated }>((tie) => ({
  leaf: fc.oneof(
    textArb.map(({ text, planted }): Generated => ({ value: text, planted })),
    fc.integer().map((n): Generated => ({ value: n, planted: [] })),
    fc.boolean().map((b): Generated => ({ value: b, planted: [] })),
    fc.constant<Generated>({ value: null, planted: [] }),
  ),
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.array(tie('tree'), { maxLength: 4 }).map((items) => ({ value: items.map((item) => item.value), planted: items.flatMap((item) => item.planted) })),
    fc
      .array(fc.tuple(fc.oneof(keyArb.map((key) => ({ key, planted: [] as string[] })), plantArb.filter((p) => p.kind === 'email').map((p) => ({ key: p.value, planted: [p.value] }))), tie('tree')), { maxLength: 5 })
      .map((pairs) => {
        const value: Record<string, unknown> = {};
        const planted: string[] = [];
        for (const [key, child] of pairs) {
          value[key.key] = child.value;
          planted.push(...key.planted, ...child.planted);
        }
        return { value, planted };
      }),
  ),
}));

const redactor = new Redactor({ hmacKey: 'property-test-hmac-key-0123456789abcdef', maxDepth: 64 });

function survivors(output: string, planted: readonly string[]): string[] {
  return planted.filter((value) => output.includes(value));
}

describe('planted PII never survives redaction (fast-check, faker-seeded)', () => {
  it('the pools hold what they claim (the property would be vacuous otherwise)', () => {
    for (const [kind, values] of Object.entries(PLANTS)) {
      expect(values.length).toBe(POOL_SIZE);
      for (const value of values) {
        const text = (CONTEXTS[kind] ?? ((v: string) => v))(value);
        expect(redactor.redactText(text)).not.toContain(value);
      }
    }
  });

  it('no planted value in the redacted output of any generated payload, at any depth', () => {
    fc.assert(
      fc.property(tree, ({ value, planted }) => {
        const out = JSON.stringify(redactor.redact(value));
        expect(survivors(out, planted)).toEqual([]);
      }),
      { seed: 42, numRuns: 400 },
    );
  });

  it('no planted value in a sealed entry built from a request carrying generated parts', () => {
    fc.assert(
      fc.property(tree, tree, tree, textArb, (body, query, metadata, message) => {
        const event: AuditEvent = {
          timestamp: new Date('2025-01-03T00:00:00.000Z'),
          action: 'thing.update',
          outcome: 'failure',
          http: { method: 'POST', route: '/things/:id', status: 500, durationMs: 1, userAgent: message.text },
          request: { body: body.value, query: query.value, headers: { 'x-note': message.text } },
          error: { name: 'Error', message: message.text, details: { message: [message.text] } },
          metadata: { extra: metadata.value },
        };
        const entry = canonicalize(buildEntry(event, 'chain-1', redactor));
        expect(survivors(entry, [...body.planted, ...query.planted, ...metadata.planted, ...message.planted])).toEqual([]);
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('declared DTO fields hide any value, whatever it looks like (no detector needed)', () => {
    class ContactDto {
      @PiiField({ strategy: 'mask', kind: 'name' }) name!: string;
      @PiiField({ strategy: 'hash' }) reference!: string;
      @PiiField({ strategy: 'redact' }) free!: string;
    }
    class EnvelopeDto {
      @Type(() => ContactDto) contacts!: ContactDto[];
    }
    const words = fc.string({ minLength: 8, maxLength: 40 }).filter((s) => s.trim().length >= 8);
    fc.assert(
      fc.property(fc.array(fc.tuple(words, words, words), { minLength: 1, maxLength: 5 }), (rows) => {
        const input = { contacts: rows.map(([name, reference, free]) => ({ name, reference, free })) };
        const out = JSON.stringify(redactor.redact(input, EnvelopeDto));
        const planted = rows.flatMap(([name, reference, free]) => [name, reference, free]).map((s) => JSON.stringify(s).slice(1, -1));
        expect(survivors(out, planted)).toEqual([]);
      }),
      { seed: 99, numRuns: 200 },
    );
  });
});
