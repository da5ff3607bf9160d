import 'reflect-metadata';
import { Body, Controller, INestApplication, Post } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import fc from 'fast-check';
import request from 'supertest';
import { AuditModule, AuditService, Audited, verifyChains, type SealedEntry } from 'sealed-audit';
import { removeTempSqlite, tempSqlitePath } from '../support/sqlite';
import { readEntries } from '../support/stored-entries';

const MAX_ENTRY_BYTES = 32 * 1024;

@Controller()
class HostileController {
  constructor(private readonly audit: AuditService) {}

  @Post('echo')
  @Audited({ action: 'hostile.echo' })
  echo(@Body() body: unknown): { type: string } {
    return { type: typeof body };
  }

  @Post('manual')
  @Audited({ action: 'hostile.manual' })
  manual(): { ok: true } {
    const circular: Record<string, unknown> = { n: 10n, when: new Date(Number.NaN), map: new Map([[{}, new Set([1])]]), buf: Buffer.alloc(2048) };
    circular.self = circular;
    circular.list = [circular, '\ud800', 'carol@example.com'];
    this.audit.record({ action: 'hostile.circular', outcome: 'success', metadata: circular });
    return { ok: true };
  }
}

/**
 * Hostile HTTP input through a real Nest app on a real port (SQLite): 10 MB bodies, deep nesting,
 * `__proto__` keys, lone surrogates, malformed JSON, non-JSON content types, generated JSON. The
 * host app must keep answering, nothing may reject unhandled, stored entries stay under the cap
 * (with a truncation marker), and the chain verifies.
 */
describe('hostile HTTP input (Nest, SQLite, real port)', () => {
  const file = tempSqlitePath();
  const unhandled: unknown[] = [];
  const tripwire = (reason: unknown): void => void unhandled.push(reason);
  let app: INestApplication;
  let audit: AuditService;

  beforeAll(async () => {
    process.on('unhandledRejection', tripwire);
    const moduleRef = await Test.createTestingModule({
      imports: [AuditModule.forRoot({ storage: { type: 'sqlite', database: file }, spool: false, maxEntryBytes: MAX_ENTRY_BYTES, redaction: { hmacKey: 'hostile-key' } })],
      controllers: [HostileController],
    })
      .setLogger({ log: () => undefined, warn: () => undefined, error: () => undefined })
      .compile();
    const nest = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
    nest.useBodyParser('json', { limit: '20mb' });
    nest.useBodyParser('urlencoded', { limit: '20mb', extended: true });
    nest.useBodyParser('text', { limit: '20mb', type: ['text/*', 'application/xml'] });
    nest.useBodyParser('raw', { limit: '20mb', type: 'application/octet-stream' });
    app = nest;
    await app.listen(0, '127.0.0.1');
    audit = app.get(AuditService);
  }, 60_000);

  afterAll(async () => {
    process.off('unhandledRejection', tripwire);
    await app?.close();
    removeTempSqlite(file);
  });

  it('survives crafted hostile bodies and stores bounded, verifiable entries', async () => {
    const server = app.getHttpServer();
    const tenMb = 10 * 1024 * 1024;
    const wide: Record<string, string> = {};
    for (let i = 0; i < 200; i += 1) wide[`k${i}`] = 'w'.repeat(Math.floor(tenMb / 200));
    let deep = '{"end":1}';
    for (let i = 0; i < 5000; i += 1) deep = `{"n":${deep}}`;
    const cases: Array<[string, string | Buffer, number]> = [
      ['application/json', JSON.stringify({ blob: 'x'.repeat(tenMb) }), 201],
      ['application/json', JSON.stringify(wide), 201],
      ['application/json', deep, 201],
      ['application/json', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"p":1}},"email":"dave@example.com"}', 201],
      ['application/json', '{"lone":"\\ud800","pair":"\\ud83d\\ude00","nul":"\\u0000"}', 201],
      ['application/json', '{"broken": tru', 400],
      ['application/json', '', 201],
      ['text/plain', 'ssn 123-45-6789 and mail erin@example.com', 201],
      ['application/xml', '<a><b>frank@example.com</b></a>', 201],
      ['application/octet-stream', Buffer.alloc(tenMb, 7), 201],
      ['application/x-www-form-urlencoded', 'a[b][c][d][e][f]=1&__proto__[x]=1&password=hunter2', 201],
      ['application/weird', 'whatever', 201],
    ];
    // A body the parser refuses (malformed JSON, a JSON scalar) ends in 400 before Nest routes the
    // request: the handler never ran, no audited route is known, so no entry (only 401/403 are recorded everywhere).
    let recorded = 0;
    for (const [type, body, status] of cases) {
      if (status === 201) recorded += 1;
      await request(server).post('/echo').set('content-type', type).send(body).expect(status);
    }
    await request(server).post('/manual').expect(201);

    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const res = await request(server).post('/echo').set('content-type', 'application/json').send(JSON.stringify(value));
        expect([201, 400]).toContain(res.status);
        if (res.status === 201) recorded += 1;
      }),
      { numRuns: 60 },
    );
    // Still serving.
    await request(server).post('/echo').send({ ok: true }).expect(201);
    await audit.flush();

    const entries: SealedEntry[] = await readEntries({ type: 'sqlite', database: file });
    expect(entries).toHaveLength(recorded + 3); // + /manual and its circular record + the last request
    for (const entry of entries) expect(Buffer.byteLength(JSON.stringify(entry.payload))).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
    expect(entries.some((entry) => entry.payload.truncated !== undefined)).toBe(true);
    expect(entries.some((entry) => entry.action === 'hostile.circular')).toBe(true);
    const text = JSON.stringify(entries);
    for (const raw of ['dave@example.com', 'erin@example.com', 'frank@example.com', 'carol@example.com', '123-45-6789', 'hunter2']) expect(text).not.toContain(raw);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(audit.stats()).toMatchObject({ dropped: 0, writeFailures: 0 });
    expect(await verifyChains(entries)).toMatchObject({ ok: true });
    expect(unhandled).toEqual([]);
  }, 120_000);
});
