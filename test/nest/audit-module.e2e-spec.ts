import 'reflect-metadata';
import {
  Body,
  CanActivate,
  ConflictException,
  Controller,
  Delete,
  ExecutionContext,
  ForbiddenException,
  Get,
  Injectable,
  INestApplication,
  NotFoundException,
  Param,
  Post,
  UseGuards,
  ValidationPipe,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Type } from 'class-transformer';
import { IsEmail, IsOptional, IsString, ValidateNested } from 'class-validator';
import { existsSync, readFileSync } from 'node:fs';
import { of, throwError, type Observable } from 'rxjs';
import { AuditModule, AuditService, Audited, NoAudit, PiiField, verifyChains, type SealedEntry } from 'sealed-audit';
import { createTempMariaDbDatabase } from '../support/mariadb';
import { createTempPostgresDatabase } from '../support/postgres';
import { removeTempSqlite, tempSqlitePath } from '../support/sqlite';
import { readEntries } from '../support/stored-entries';

/** A fresh database per run of the suite, on each engine the library supports. */
interface Backend {
  storage: { type: 'sqlite'; database: string } | { type: 'postgres' | 'mariadb'; url: string };
  /** Raw bytes at rest, where the engine keeps them in a file we can read. */
  files: string[];
  cleanup(): Promise<void>;
}

const backends: Array<[string, () => Promise<Backend>]> = [
  [
    'SQLite',
    async () => {
      const database = tempSqlitePath();
      return { storage: { type: 'sqlite', database }, files: [database, `${database}-wal`], cleanup: async () => removeTempSqlite(database) };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const db = await createTempPostgresDatabase();
      return { storage: { type: 'postgres', url: db.url }, files: [], cleanup: () => db.drop() };
    },
  ],
  [
    'MariaDB',
    async () => {
      const db = await createTempMariaDbDatabase();
      return { storage: { type: 'mariadb', url: db.url }, files: [], cleanup: () => db.drop() };
    },
  ],
];

class ContactDto {
  @PiiField({ strategy: 'mask' }) @IsString() phone!: string;
  @IsString() city!: string;
}

class CreateThingDto {
  @PiiField({ strategy: 'hash', kind: 'email' }) @IsEmail() email!: string;
  @PiiField() @IsString() ssn!: string;
  @PiiField({ strategy: 'omit' }) @IsString() @IsOptional() secretNote?: string;
  @IsString() label!: string;
  @ValidateNested() @Type(() => ContactDto) contact!: ContactDto;
}

@Injectable()
class HeaderAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string>; user?: unknown }>();
    if (req.headers['x-user'] === 'admin') req.user = { id: 'u-admin', roles: ['admin'] };
    else if (req.headers['x-user'] === 'guest') req.user = { sub: 'u-guest', type: 'user', roles: ['guest'] };
    else return false; // Nest turns this into 403
    if (req.headers['x-user'] !== 'admin' && context.getHandler().name === 'remove') throw new ForbiddenException('admins only');
    return true;
  }
}

@Audited({ resource: 'thing' })
@UseGuards(HeaderAuthGuard)
@Controller('things')
class ThingsController {
  constructor(private readonly audit: AuditService) {}

  @Audited({ action: 'thing.create', resource: 'thing' })
  @Post()
  create(@Body() dto: CreateThingDto) {
    this.audit.record({ action: 'thing.side-effect', outcome: 'success', metadata: { password: 'hunter2', note: 'mail me at jane@corp.example' } });
    return { ok: true, instance: dto instanceof CreateThingDto };
  }

  @Audited({ action: 'thing.read', resource: 'thing', subject: (req) => req.params.id })
  @Get(':id')
  read(@Param('id') id: string) {
    if (id === 'missing') throw new NotFoundException(`no thing for owner jane@corp.example`);
    return { id };
  }

  @Audited({ action: 'thing.delete', subject: (req) => req.params.id })
  @Delete(':id')
  remove(@Param('id') id: string) {
    return { deleted: id };
  }

  @NoAudit()
  @Get()
  list() {
    return [];
  }
}

/** Route handlers inherited by a controller that is audited as a whole. */
class BaseReportsController {
  @Get(':id')
  async find(@Param('id') id: string): Promise<{ id: string }> {
    await Promise.resolve();
    if (id === 'boom') throw new TypeError('async boom for jane@corp.example');
    return { id };
  }
}

@Audited({ resource: 'report' })
@UseGuards(HeaderAuthGuard)
@Controller('reports')
class ReportsController extends BaseReportsController {
  @Get('stream/:id')
  stream(@Param('id') id: string): Observable<{ id: string }> {
    return id === 'bad' ? throwError(() => new ConflictException('stream conflict')) : of({ id });
  }
}

@Controller('open')
class OpenController {
  @Get('secret')
  secret(): never {
    throw new ForbiddenException();
  }

  @Get('fine')
  fine() {
    return 'fine';
  }
}

describe.each(backends)('AuditModule on a real port (%s)', (_name, makeBackend) => {
  let app: INestApplication;
  let base: string;
  let backend: Backend;
  const PLANTED = ['jane.doe@example.com', '123-45-6789', '+44 20 7946 0958', 'top secret note', 'hunter2', 'jane@corp.example', 'Bearer sk-raw-token'];

  beforeAll(async () => {
    backend = await makeBackend();
    const moduleRef = await Test.createTestingModule({
      imports: [
        AuditModule.forRoot({
          storage: backend.storage,
          chainId: 'e2e-nest',
          redaction: { hmacKey: 'test-key-0123456789abcdef0123456789' },
          batch: { size: 10, maxDelayMs: 20 },
        }),
      ],
      controllers: [ThingsController, ReportsController, OpenController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, transform: true }));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    await backend?.cleanup();
  });

  async function entries(): Promise<SealedEntry[]> {
    await app.get(AuditService).flush();
    return readEntries(backend.storage);
  }

  it('records an audited create with redacted body, actor, route pattern and request id', async () => {
    const res = await fetch(`${base}/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user': 'admin', 'x-request-id': 'req-create-1', authorization: 'Bearer sk-raw-token' },
      body: JSON.stringify({
        email: 'jane.doe@example.com',
        ssn: '123-45-6789',
        secretNote: 'top secret note',
        label: 'plain label',
        contact: { phone: '+44 20 7946 0958', city: 'London' },
      }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('req-create-1');
    expect(await res.json()).toEqual({ ok: true, instance: true });

    const all = await entries();
    const created = all.find((e) => e.action === 'thing.create');
    expect(created).toMatchObject({ outcome: 'success', actorId: 'u-admin', resource: 'thing', requestId: 'req-create-1' });
    expect(created?.payload.http).toMatchObject({ method: 'POST', route: '/things', status: 201 });
    expect(created?.payload.actorRoles).toEqual(['admin']);
    const body = (created?.payload.request as { body: Record<string, unknown> }).body;
    expect(body.email).toMatch(/^hmac-sha256:[0-9a-f]{8}:[0-9a-f]{64}$/);
    expect(body.ssn).toBe('[REDACTED]');
    expect(body).not.toHaveProperty('secretNote');
    expect(body.label).toBe('plain label');
    expect(body.contact).toEqual({ phone: '********0958', city: 'London' });
    const headers = (created?.payload.request as { headers: Record<string, unknown> }).headers;
    expect(headers.authorization).toBe('[REDACTED]');

    const manual = all.find((e) => e.action === 'thing.side-effect');
    expect(manual).toMatchObject({ outcome: 'success', actorId: 'u-admin', requestId: 'req-create-1' });
    expect(manual?.payload.metadata).toEqual({ password: '[REDACTED]', note: 'mail me at [REDACTED:email]' });
  });

  it('records a failed request with the error class and a scrubbed message', async () => {
    const res = await fetch(`${base}/things/missing`, { headers: { 'x-user': 'guest' } });
    expect(res.status).toBe(404);
    const failed = (await entries()).find((e) => e.action === 'thing.read' && e.subjectId === 'missing');
    expect(failed).toMatchObject({ outcome: 'failure', actorId: 'u-guest', actorType: 'user' });
    expect(failed?.payload.http).toMatchObject({ route: '/things/:id', status: 404 });
    expect(failed?.payload.error).toEqual({ name: 'NotFoundException', message: 'no thing for owner [REDACTED:email]', status: 404 });
  });

  it('records what the handler threw, class and message, when it rejects (inherited handler of a class-level @Audited) or its Observable errors', async () => {
    expect((await fetch(`${base}/reports/r-1`, { headers: { 'x-user': 'admin' } })).status).toBe(200);
    expect((await fetch(`${base}/reports/boom`, { headers: { 'x-user': 'admin' } })).status).toBe(500);
    expect((await fetch(`${base}/reports/stream/bad`, { headers: { 'x-user': 'admin' } })).status).toBe(409);
    const all = await entries();
    const ok = all.find((e) => e.action === 'GET /reports/:id' && e.outcome === 'success');
    expect(ok).toMatchObject({ resource: 'report', actorId: 'u-admin' });
    const boom = all.find((e) => e.action === 'GET /reports/:id' && e.outcome === 'failure');
    expect(boom?.payload.error).toEqual({ name: 'TypeError', message: 'async boom for [REDACTED:email]', status: 500 });
    const stream = all.find((e) => e.action === 'GET /reports/stream/:id');
    expect(stream).toMatchObject({ outcome: 'failure', resource: 'report' });
    expect(stream?.payload.error).toEqual({ name: 'ConflictException', message: 'stream conflict', status: 409 });
  });

  it('records a validation error (thrown by a pipe, before the handler) with what the response said', async () => {
    const res = await fetch(`${base}/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user': 'admin', 'x-request-id': 'req-invalid-1' },
      body: JSON.stringify({ email: 'not-an-email', ssn: '123-45-6789', label: 'l', contact: { phone: '1', city: 'c' } }),
    });
    expect(res.status).toBe(400);
    const failed = (await entries()).find((e) => e.requestId === 'req-invalid-1');
    expect(failed).toMatchObject({ action: 'thing.create', outcome: 'failure' });
    expect(failed?.payload.error).toEqual({ name: 'Bad Request', message: 'email must be an email', status: 400 });
  });

  it('records a guard denial on an audited route with the route action', async () => {
    const res = await fetch(`${base}/things/42`, { method: 'DELETE', headers: { 'x-user': 'guest' } });
    expect(res.status).toBe(403);
    const denied = (await entries()).find((e) => e.action === 'thing.delete');
    expect(denied).toMatchObject({ outcome: 'denied', actorId: 'u-guest', subjectId: '42' });
    expect(denied?.payload.http).toMatchObject({ method: 'DELETE', route: '/things/:id', status: 403 });
  });

  it('records a guard returning false (no user) as denied', async () => {
    const res = await fetch(`${base}/things/7`);
    expect(res.status).toBe(403);
    const denied = (await entries()).find((e) => e.action === 'thing.read' && e.subjectId === '7');
    expect(denied).toMatchObject({ outcome: 'denied', actorId: null });
  });

  it('records 403 on a route that is not audited as access.denied, and nothing for its successes', async () => {
    const before = (await entries()).length;
    expect((await fetch(`${base}/open/fine`)).status).toBe(200);
    expect((await fetch(`${base}/things`, { headers: { 'x-user': 'admin' } })).status).toBe(200); // @NoAudit
    expect((await fetch(`${base}/open/secret`)).status).toBe(403);
    const after = await entries();
    expect(after).toHaveLength(before + 1);
    expect(after[after.length - 1]).toMatchObject({ action: 'access.denied', outcome: 'denied' });
    expect(after[after.length - 1]?.payload.http).toMatchObject({ route: '/open/secret', status: 403 });
  });

  it('generates a request id when none (or an invalid one) comes in', async () => {
    const res = await fetch(`${base}/open/fine`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps one verifiable chain and no planted raw value in the database file', async () => {
    const all = await entries();
    const report = await verifyChains(all);
    expect(report).toMatchObject({ ok: true, entries: all.length });
    expect(report.chains.map((c) => c.chainId)).toEqual(['e2e-nest']);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    // Every stored byte a query can reach: the rows as text, and on SQLite the files themselves.
    const text = JSON.stringify(all);
    const bytes = Buffer.concat(backend.files.flatMap((file) => (existsSync(file) ? [readFileSync(file)] : [])));
    for (const planted of PLANTED) {
      expect(text.includes(planted)).toBe(false);
      expect(bytes.includes(Buffer.from(planted))).toBe(false);
    }
  });
});
