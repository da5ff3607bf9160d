export { createAuditTrail } from './audit-trail';
export type { AuditErrorMiddleware, AuditMiddleware, AuditTrail, ExpressAuditedOptions } from './audit-trail';
export type { AuditOptions } from '../runtime';
export { InheritPiiFields, PiiField } from '../core';
