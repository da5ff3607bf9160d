export { createAuditRuntime, InvalidAuditOptionsError } from './audit-runtime';
export type { AuditRuntime } from './audit-runtime';
export type { AuditBatchOptions, AuditCheckpointOptions, AuditModuleOptions, AuditOptions } from './audit.options';
