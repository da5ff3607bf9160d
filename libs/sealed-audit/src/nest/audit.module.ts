import { Logger, Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import { AuditContextMiddleware } from './audit-context.middleware';
import { AUDIT_MODULE_OPTIONS, ConfigurableAuditModule } from './audit.module-definition';
import { AUDIT_RUNTIME } from './audit.internal-constants';
import { AuditInterceptor } from './audit.interceptor';
import { AuditRouteGuard } from './audit-route.guard';
import { AuditRouteResolver } from './audit-route.resolver';
import { AUDIT_ROUTE_RESOLVER } from './audit-route.tokens';
import { createAuditRuntime, type AuditModuleOptions } from '../runtime';
import type { AuditLogger } from '../core';
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
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
  ],
  exports: [AuditService],
})
export class AuditModule extends ConfigurableAuditModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AuditContextMiddleware).forRoutes({ path: '*', method: RequestMethod.ALL });
  }
}

/** Nest's Logger as the core's logger. */
function nestLogger(logger: Logger): AuditLogger {
  return { log: (message) => logger.log(message), warn: (message) => logger.warn(message), error: (message) => logger.error(message) };
}
