import { Inject, Logger, Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_GUARD, ApplicationConfig, HttpAdapterHost, Reflector } from '@nestjs/core';
import type { ServerResponse } from 'node:http';
import { AuditContextMiddleware } from './audit-context.middleware';
import { AUDIT_MODULE_OPTIONS, ConfigurableAuditModule } from './audit.module-definition';
import { AUDIT_RUNTIME } from './audit.internal-constants';
import { AuditInterceptor } from './audit.interceptor';
import { AuditRouteGuard } from './audit-route.guard';
import { AuditRouteResolver } from './audit-route.resolver';
import { AUDIT_ROUTE_RESOLVER } from './audit-route.tokens';
import { createAuditRuntime, type AuditModuleOptions, type AuditRuntime } from '../runtime';
import type { AuditLogger, CapturedRequest, RequestCapture } from '../core';
import { AuditService } from './audit.service';

/**
 * Enables the audit trail: every `@Audited()` request and every denied (401/403) request is
 * redacted, sealed into a hash chain and appended to an append-only table.
 *
 * @example
 * @Module({
 *   imports: [AuditModule.forRoot({ storage: { type: 'sqlite', database: './audit.sqlite' } })],
 * })
 * export class AppModule {}
 *
 * @example
 * AuditModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ storage: { type: 'postgres', url: config.getOrThrow('DATABASE_URL') } }),
 * })
 */
@Module({
  providers: [
    {
      provide: AUDIT_RUNTIME,
      inject: [AUDIT_MODULE_OPTIONS],
      useFactory: (options: AuditModuleOptions) => createAuditRuntime(options, nestLogger(new Logger('AuditModule'))),
    },
    { provide: AUDIT_ROUTE_RESOLVER, inject: [Reflector], useFactory: (reflector: Reflector) => new AuditRouteResolver(reflector) },
    AuditService,
    AuditContextMiddleware,
    { provide: APP_GUARD, useClass: AuditRouteGuard },
    // No global interceptor on Express (see `configure`): it would put every route of the
    // application on Nest's interceptor pipeline. Other adapters get it in `configure`.
    AuditInterceptor,
  ],
  exports: [AuditService],
})
export class AuditModule extends ConfigurableAuditModule implements NestModule {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(AUDIT_RUNTIME) private readonly runtime: AuditRuntime,
    private readonly config: ApplicationConfig,
    private readonly interceptor: AuditInterceptor,
  ) {
    super();
  }

  configure(consumer: MiddlewareConsumer): void {
    // On Express the request hook sits in front of the whole app (before body parsing and routing):
    // the same requests as a `forRoutes('*')` middleware, without a pass through Nest's router.
    // Response bodies are seen by the app's `res.json` (what leaves, after every interceptor), a
    // handler's exception by the `@Audited()` handler wrapper: no interceptor is needed.
    if (hookExpressApp(this.adapterHost.httpAdapter?.getInstance?.(), this.adapterHost.httpAdapter?.getType?.(), this.runtime.capture)) return;
    consumer.apply(AuditContextMiddleware).forRoutes({ path: '*', method: RequestMethod.ALL });
    // Other adapters: the interceptor sees response bodies and errors. `configure` runs before the
    // routes are registered, which is when Nest reads the global interceptors.
    this.config.addGlobalInterceptor(this.interceptor);
  }
}

const HOOKED = Symbol('sealed-audit:request-hook');
type RequestHandle = ((req: CapturedRequest, res: ServerResponse, done?: unknown) => void) & { [HOOKED]?: RequestCapture };

/**
 * Wraps the Express application's `handle` so every request passes `capture.enter()` first, also
 * when the application is served by a server of the user's own (`http.createServer(expressApp)`).
 * Returns false when the adapter is not Express (the module then falls back to a Nest middleware).
 */
function hookExpressApp(instance: unknown, type: string | undefined, capture: RequestCapture): boolean {
  if (type !== 'express' || typeof instance !== 'function') return false;
  const app = instance as unknown as { handle?: RequestHandle };
  const handle = app.handle;
  if (typeof handle !== 'function') return false;
  if (handle[HOOKED] === capture) return true;
  const hooked: RequestHandle = function (this: unknown, req, res, done) {
    capture.enter(req, res, () => handle.call(this, req, res, done));
  };
  hooked[HOOKED] = capture;
  app.handle = hooked;
  // Every response of this application (`app.response` is their prototype) passes its JSON body
  // to the capture: audited ones get the leak check (rewritten under `mask`) and error bodies the
  // pipes' and interceptors' errors. Nest replies to objects with `res.json`.
  const response = (instance as { response?: { json?: (this: ServerResponse, body: unknown) => unknown } }).response;
  const json = response?.json;
  if (response && typeof json === 'function') {
    response.json = function (this: ServerResponse, body: unknown) {
      return json.call(this, capture.beforeJson(this, body));
    };
  }
  return true;
}

/** Nest's Logger as the core's logger. */
function nestLogger(logger: Logger): AuditLogger {
  return { log: (message) => logger.log(message), warn: (message) => logger.warn(message), error: (message) => logger.error(message) };
}
