export { AuditModule } from './audit.module';
export { AUDIT_MODULE_OPTIONS } from './audit.module-definition';
export type { AuditModuleExtras } from './audit.module-definition';
export { Audited, NoAudit, InvalidAuditedOptionsError } from './audited.decorator';
export { AUDITED_METADATA, NO_AUDIT_METADATA } from './audit.constants';
export { AuditService } from './audit.service';
export { AuditInterceptor } from './audit.interceptor';
export { AuditRouteGuard } from './audit-route.guard';
export { AuditContextMiddleware } from './audit-context.middleware';
