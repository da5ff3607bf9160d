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
 * Prints `listening <port>` when ready.
 */
import 'reflect-metadata';
import { AsyncLocalStorage } from 'node:async_hooks';
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
import { AuditModule, AuditService, Audited, PiiField } from 'sealed-audit';

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
      throw new Error(`unknown BENCH_VARIANT "${name}" (none, nest-enhancers, nest-guard, pino, sqlite, postgres, postgres-sync, with -nocontext, -thread and -nocontext-unaudited)`);
  }
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
