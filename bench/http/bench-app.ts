/**
 * The endpoint every HTTP variant serves: a small Nest/Express handler with a validated DTO whose
 * body carries PII. The variant comes from BENCH_VARIANT; nothing else differs between processes.
 *   none         no auditing (the baseline)
 *   none-als     no auditing, one Express middleware that runs the request in an AsyncLocalStorage:
 *                the floor of any request context on Node 20 (its first run() turns on promise hooks
 *                process-wide), which `requestContext: true` (the default) pays
 *   pino         nestjs-pino logging every request to a file
 *   sqlite       sealed-audit, async, embedded SQLite
 *   postgres     sealed-audit, async, PostgreSQL (BENCH_PG_URL)
 *   postgres-sync  sealed-audit, sync (the response waits for the commit; group commit), PostgreSQL
 *   sqlite-nocontext, postgres-nocontext  the same with `requestContext: false` (no AsyncLocalStorage)
 *   …-thread     the same with `writerThread: true` (sealing and the database in a worker thread)
 *   nest-enhancers a global guard and a global interceptor that do nothing, no auditing: the floor
 *                  of any design that hooks Nest's guard and interceptor pipeline, as this module does
 *   nest-guard   a global guard that passes, no auditing: the floor of Nest's guard pipeline alone
 *   sqlite-nocontext-unaudited  the module loaded, the endpoint not audited: what every request pays
 *                  (request hook, global guard, Nest's interceptor pipeline) before any entry is made
 *   minimal-postgres  no sealed-audit: a hand-written audit log doing the least a redacted,
 *                  hash-chained log in PostgreSQL must do per request, at the end of the response as
 *                  pino-http does (see minimalAuditLog): a floor for the HTTP target, what any
 *                  implementation of these guarantees pays at least
 * Prints `listening <port>` when ready.
 */
import 'reflect-metadata';
import { AsyncLocalStorage } from 'node:async_hooks';
import { hash, randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Injectable,
  Module,
  Optional,
  Post,
  ValidationPipe,
  type CallHandler,
  type CanActivate,
  type DynamicModule,
  type NestInterceptor,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { IsEmail, IsOptional, IsString, MaxLength } from 'class-validator';
import { Client } from 'pg';
import { AUDIT_ENTRY_MAX_LENGTHS, AuditModule, AuditService, Audited, PiiField } from 'sealed-audit';

class CreatePatientDto {
  @PiiField({ strategy: 'mask', kind: 'name' }) @IsString() @MaxLength(200) fullName!: string;
  @PiiField({ strategy: 'hash', kind: 'email' }) @IsEmail() email!: string;
  @PiiField({ strategy: 'mask', kind: 'phone' }) @IsString() phone!: string;
  @PiiField({ strategy: 'redact', kind: 'ssn' }) @IsString() ssn!: string;
  @PiiField({ strategy: 'redact', kind: 'free-text' }) @IsOptional() @IsString() notes?: string;
  @IsString() ward!: string;
}

@Controller('patients')
class PatientsController {
  private next = 1;

  @Audited({ action: 'patient.create', resource: 'patient' })
  @Post()
  @HttpCode(201)
  create(@Body() dto: CreatePatientDto): { id: number; ward: string } {
    return { id: this.next++, ward: dto.ward };
  }
}

/** The same endpoint without `@Audited` (the `-unaudited` variants). */
@Controller('patients')
class UnauditedPatientsController {
  private next = 1;

  @Post()
  @HttpCode(201)
  create(@Body() dto: CreatePatientDto): { id: number; ward: string } {
    return { id: this.next++, ward: dto.ward };
  }
}

/** Not audited: the runner reads the writer's counters after each round (drops would make a number a lie). */
@Controller('__bench')
class StatsController {
  constructor(@Optional() private readonly audit?: AuditService) {}

  @Get('stats')
  async stats(): Promise<{ stats: unknown }> {
    if (!this.audit) return { stats: null };
    await this.audit.flush();
    return { stats: this.audit.stats() };
  }
}

@Injectable()
class PassGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

@Injectable()
class PassInterceptor implements NestInterceptor {
  intercept(_context: unknown, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

/** The `nest-enhancers` variant: Nest's guard and interceptor pipelines, with nothing in them. */
@Module({
  providers: [
    { provide: APP_GUARD, useClass: PassGuard },
    { provide: APP_INTERCEPTOR, useClass: PassInterceptor },
  ],
})
class NoopEnhancersModule {}

/** The `nest-guard` variant: Nest's guard pipeline alone, with a guard that passes. */
@Module({ providers: [{ provide: APP_GUARD, useClass: PassGuard }] })
class NoopGuardModule {}

async function variantImports(name: string): Promise<DynamicModule[]> {
  const variant = name.replace(/(-nocontext)?(-thread)?(-unaudited)?$/, '');
  const context = {
    ...(name.includes('-nocontext') ? { requestContext: false } : {}),
    ...(name.includes('-thread') ? { writerThread: true } : {}),
  };
  switch (variant) {
    case 'none':
    case 'none-als':
    case 'minimal-postgres':
      return [];
    case 'nest-enhancers':
      return [{ module: NoopEnhancersModule }];
    case 'nest-guard':
      return [{ module: NoopGuardModule }];
    case 'pino': {
      const { LoggerModule } = await import('nestjs-pino');
      const pino = (await import('pino')).default;
      const file = process.env.BENCH_LOG_FILE ?? '/dev/null';
      return [LoggerModule.forRoot({ pinoHttp: { logger: pino(pino.destination({ dest: file, sync: false })) } })];
    }
    case 'sqlite':
      return [
        AuditModule.forRoot({
          storage: { type: 'sqlite', database: process.env.BENCH_SQLITE ?? '/tmp/bench-audit.sqlite' },
          chainId: 'bench',
          redaction: { hmacKey: 'bench-key-0123456789abcdef01234567' },
          ...context,
          // Profiling aid: extra options as JSON, e.g. BENCH_AUDIT_OPTIONS='{"capture":{"headers":false}}'.
          ...(JSON.parse(process.env.BENCH_AUDIT_OPTIONS ?? '{}') as object),
        }),
      ];
    case 'postgres':
    case 'postgres-sync':
      return [
        AuditModule.forRoot({
          storage: { type: 'postgres', url: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
          chainId: `bench-${variant}-${process.pid}`,
          redaction: { hmacKey: 'bench-key-0123456789abcdef01234567' },
          durability: variant === 'postgres-sync' ? 'sync' : 'async',
          ...context,
          ...(JSON.parse(process.env.BENCH_AUDIT_OPTIONS ?? '{}') as object),
        }),
      ];
    default:
      throw new Error(`unknown BENCH_VARIANT "${name}" (none, none-als, minimal-postgres, nest-enhancers, nest-guard, pino, sqlite, postgres, postgres-sync, with -nocontext, -thread and -nocontext-unaudited)`);
  }
}

const L = AUDIT_ENTRY_MAX_LENGTHS;
/** The columns (sealed-audit's lengths) and indexes of sealed-audit's PostgreSQL table, without its triggers. */
const MINIMAL_TABLE = [
  `CREATE TABLE minimal_audit_log (
  chain_id varchar(${L.chainId}) COLLATE "C" NOT NULL, seq bigint NOT NULL, v smallint NOT NULL, ts timestamptz(3) NOT NULL,
  action varchar(${L.action}) NOT NULL, outcome varchar(${L.outcome}) NOT NULL, actor_id varchar(${L.actorId}), actor_type varchar(${L.actorType}),
  resource varchar(${L.resource}), subject_id varchar(${L.subjectId}), request_id varchar(${L.requestId}), payload text NOT NULL,
  prev_hash char(64) NOT NULL, hash char(64) NOT NULL, PRIMARY KEY (chain_id, seq))`,
  'CREATE INDEX ON minimal_audit_log (ts)',
  'CREATE INDEX ON minimal_audit_log (actor_id)',
  'CREATE INDEX ON minimal_audit_log (subject_id)',
  'CREATE INDEX ON minimal_audit_log (action)',
];
const MINIMAL_COLUMNS = 14;
const MINIMAL_BATCH = 100;
const REDACTED = '[REDACTED]';

interface MinimalRequest {
  method: string;
  body?: Record<string, unknown>;
  headers: Record<string, unknown>;
  route?: { path?: string };
  socket: { remoteAddress?: string };
}

/**
 * The `minimal-postgres` variant: the least per request that a redacted, hash-chained audit log
 * in PostgreSQL must do, written by hand with nothing general in it, as an Express middleware that
 * acts on the response's 'finish' (as pino-http does). Per request: one event object; its payload
 * serialized once by JSON.stringify with the PII fields replaced by a constant and the
 * authorization header dropped (the redaction target's own floor is JSON.stringify); one SHA-256
 * (node:crypto, one shot) over the previous hash and the payload; one row of the same 14 columns
 * into the same table and indexes, without triggers, by one prepared 100-row INSERT per batch
 * (one in flight, as the writer does). No masks, no HMAC pseudonyms, no detectors, no canonical
 * JSON, no report, no checkpoints, no request context, no guard: everything sealed-audit does
 * beyond this is above this variant's cost.
 */
async function minimalAuditLog(): Promise<(req: MinimalRequest, res: { statusCode: number; once(event: 'finish', listener: () => void): unknown }, next: () => void) => void> {
  const client = new Client({ connectionString: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
  await client.connect();
  await client.query('DROP TABLE IF EXISTS minimal_audit_log');
  for (const statement of MINIMAL_TABLE) await client.query(statement);
  const placeholders = (rows: number): string =>
    Array.from({ length: rows }, (_, row) => `(${Array.from({ length: MINIMAL_COLUMNS }, (_, column) => `$${row * MINIMAL_COLUMNS + column + 1}`).join(',')})`).join(',');
  const fullInsert = `INSERT INTO minimal_audit_log VALUES ${placeholders(MINIMAL_BATCH)}`;
  const chainId = `minimal-${process.pid}`;
  let seq = 0;
  let prevHash = '0'.repeat(64);
  let pending: unknown[] = [];
  let flushing = false;
  const flush = (): void => {
    if (flushing || pending.length === 0) return;
    const values = pending.length > MINIMAL_BATCH * MINIMAL_COLUMNS ? pending.splice(0, MINIMAL_BATCH * MINIMAL_COLUMNS) : pending;
    if (values === pending) pending = [];
    const rows = values.length / MINIMAL_COLUMNS;
    const query = rows === MINIMAL_BATCH ? { name: 'minimal_insert', text: fullInsert, values } : { text: `INSERT INTO minimal_audit_log VALUES ${placeholders(rows)}`, values };
    flushing = true;
    client.query(query).then(
      () => {
        flushing = false;
        if (pending.length >= MINIMAL_BATCH * MINIMAL_COLUMNS) flush();
        else if (pending.length > 0) setImmediate(flush);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  return (req, res, next) => {
    res.once('finish', () => {
      const body = req.body ?? {};
      const headers = { ...req.headers };
      delete headers.authorization;
      const timestamp = new Date().toISOString();
      const requestId = randomUUID();
      const action = 'patient.create';
      const outcome = res.statusCode < 400 ? 'success' : 'failure';
      const payload = JSON.stringify({
        http: { method: req.method, route: req.route?.path ?? '(unmatched)', status: res.statusCode, ip: req.socket.remoteAddress },
        request: { body: { ...body, fullName: REDACTED, email: REDACTED, phone: REDACTED, ssn: REDACTED, notes: REDACTED }, headers },
      });
      const entryHash = hash('sha256', `${prevHash}${payload}`, 'hex');
      pending.push(chainId, seq, 1, timestamp, action, outcome, null, null, 'patient', null, requestId, payload, prevHash, entryHash);
      seq += 1;
      prevHash = entryHash;
      if (pending.length >= MINIMAL_BATCH * MINIMAL_COLUMNS) flush();
      else if (pending.length === MINIMAL_COLUMNS) setImmediate(flush);
    });
    next();
  };
}

async function main(): Promise<void> {
  const variant = process.env.BENCH_VARIANT ?? 'none';
  const patients = variant.endsWith('-unaudited') ? UnauditedPatientsController : PatientsController;
  @Module({ imports: await variantImports(variant), controllers: [patients, StatsController] })
  class BenchModule {}
  const app = await NestFactory.create(BenchModule, { logger: ['error'], bufferLogs: variant === 'pino' });
  if (variant === 'pino') {
    const { Logger } = await import('nestjs-pino');
    app.useLogger(app.get(Logger));
  }
  if (variant === 'none-als') {
    const storage = new AsyncLocalStorage<object>();
    app.use((req: object, _res: unknown, next: () => void) => storage.run(req, next));
  }
  if (variant === 'minimal-postgres') app.use(await minimalAuditLog());
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, transform: true }));
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  process.stdout.write(`listening ${address.port}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
