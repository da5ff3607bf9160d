import { SetMetadata, applyDecorators } from '@nestjs/common';
import { AUDIT_DURABILITIES, LEAK_POLICIES, compileAllowList, type AuditedOptions } from '../core';
import { AUDITED_METADATA, NO_AUDIT_METADATA } from './audit.constants';

/** Thrown at decoration time for options that cannot work. */
export class InvalidAuditedOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAuditedOptionsError';
  }
}

/**
 * Audits a handler, or every handler of a controller. One sealed entry per request, whatever the
 * outcome: `success`, `failure` (an exception or a 4xx/5xx) or `denied` (401/403). Method options
 * override class options.
 *
 * @example
 * @Audited({ action: 'patient.read', resource: 'patient', subject: (req) => req.params.id })
 * @Get(':id')
 * findOne(@Param('id') id: string) { … }
 *
 * @example
 * // The response's undeclared PII is masked before it is sent; `contact.email` may leave as is.
 * @Audited({ action: 'patient.export', leaks: 'mask', responseType: PatientExportDto, allow: ['contact.email'] })
 *
 * @example
 * // The response is sent only once the entry is committed; 503 if the audit trail is down.
 * @Audited({ action: 'payment.refund', durability: 'sync' })
 */
export function Audited(options: AuditedOptions = {}): MethodDecorator & ClassDecorator {
  if (options.action !== undefined && (typeof options.action !== 'string' || options.action.trim() === '')) {
    throw new InvalidAuditedOptionsError('@Audited: `action` must be a non-empty string such as "patient.read", or left out.');
  }
  if (options.subject !== undefined && typeof options.subject !== 'function') {
    throw new InvalidAuditedOptionsError('@Audited: `subject` must be a function of the request, e.g. `subject: (req) => req.params.id`.');
  }
  if (options.leaks !== undefined && !LEAK_POLICIES.includes(options.leaks)) {
    throw new InvalidAuditedOptionsError(`@Audited: \`leaks\` must be one of ${LEAK_POLICIES.join(', ')} (got ${String(options.leaks)}).`);
  }
  if (options.responseType !== undefined && typeof options.responseType !== 'function') {
    throw new InvalidAuditedOptionsError('@Audited: `responseType` must be the class the response follows, e.g. `responseType: PatientDto`.');
  }
  if (options.durability !== undefined && !AUDIT_DURABILITIES.includes(options.durability)) {
    throw new InvalidAuditedOptionsError(`@Audited: \`durability\` must be one of ${AUDIT_DURABILITIES.join(', ')} (got ${String(options.durability)}).`);
  }
  try {
    compileAllowList(options.allow);
  } catch (error) {
    throw new InvalidAuditedOptionsError(`@Audited: ${error instanceof Error ? error.message : String(error)}`);
  }
  return applyDecorators(SetMetadata(AUDITED_METADATA, Object.freeze({ ...options })));
}

/**
 * Opts one handler out of a class-level `@Audited()`. A 401/403 on it is still recorded as denied.
 *
 * @example
 * @NoAudit() @Get('health') health() { return 'ok'; }
 */
export function NoAudit(): MethodDecorator {
  return SetMetadata(NO_AUDIT_METADATA, true) as MethodDecorator;
}
