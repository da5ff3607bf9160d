import { Req, SetMetadata } from '@nestjs/common';
import { PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { isObservable, tap } from 'rxjs';
import { AUDIT_DURABILITIES, LEAK_POLICIES, compileAllowList, noteHandlerError, type AuditedOptions } from '../core';
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
  const metadata = SetMetadata(AUDITED_METADATA, Object.freeze({ ...options }));
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor): PropertyDescriptor | void => {
    if (key === undefined || descriptor === undefined) {
      // On a controller: its route handlers (declared or inherited), except `@NoAudit()` ones.
      metadata(target as Function);
      auditHandlersOf(target as Function);
      return;
    }
    const wrapped = auditedHandler(target, key, descriptor);
    metadata(target, key, wrapped);
    // Applied by hand (plain JavaScript: `Audited(o)(proto, 'name', descriptor)`), the returned
    // descriptor is dropped: the one given is updated too, and the prototype gets the wrapper.
    if (wrapped !== descriptor) {
      descriptor.value = wrapped.value;
      Object.defineProperty(target, key, wrapped);
    }
    return wrapped;
  }) as MethodDecorator & ClassDecorator;
}

const WRAPPED = Symbol('sealed-audit:audited-handler');
type Reflective = typeof Reflect & {
  getMetadata?(key: unknown, target: object, property?: string | symbol): unknown;
  getMetadataKeys?(target: object): unknown[];
  defineMetadata?(key: unknown, value: unknown, target: object): void;
};
const reflect = Reflect as Reflective;

/**
 * Wraps an audited handler so the exception it throws (synchronously, as a rejected promise or as
 * an errored Observable) is noted on its request's audit context: class, message and status
 * reach the entry without a global interceptor (which would put every route of the application on
 * Nest's interceptor pipeline). The request arrives as a hidden trailing `@Req()` argument, taken
 * off before the handler is called; every metadata key of the handler is carried over.
 */
function auditedHandler(target: object, key: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor {
  const original = descriptor.value as unknown;
  if (typeof original !== 'function' || (original as { [WRAPPED]?: true })[WRAPPED]) return descriptor;
  const handler = original as (...args: unknown[]) => unknown;
  const index = hiddenRequestIndex(target, key, handler);
  Req()(target, key, index);
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const req = args[index];
    args.length = index;
    let result: unknown;
    try {
      result = handler.apply(this, args);
    } catch (error) {
      noteHandlerError(req, error);
      throw error;
    }
    if (result !== null && typeof result === 'object') {
      if (typeof (result as PromiseLike<unknown>).then === 'function') {
        return (result as Promise<unknown>).then(undefined, (error: unknown) => {
          noteHandlerError(req, error);
          throw error;
        });
      }
      if (isObservable(result)) return result.pipe(tap({ error: (error: unknown) => noteHandlerError(req, error) }));
    }
    return result;
  };
  Object.defineProperty(wrapper, 'name', { value: handler.name });
  Object.defineProperty(wrapper, WRAPPED, { value: true });
  for (const metadataKey of reflect.getMetadataKeys?.(handler) ?? []) {
    reflect.defineMetadata?.(metadataKey, reflect.getMetadata?.(metadataKey, handler), wrapper);
  }
  return { ...descriptor, value: wrapper };
}

/** After every declared parameter (decorated or not) and every parameter another decorator registered. */
function hiddenRequestIndex(target: object, key: string | symbol, handler: Function): number {
  const declared = (reflect.getMetadata?.('design:paramtypes', target, key) as unknown[] | undefined)?.length ?? 0;
  const args = reflect.getMetadata?.(ROUTE_ARGS_METADATA, target.constructor, key) as Record<string, { index: number }> | undefined;
  let index = Math.max(declared, handler.length);
  for (const arg of Object.values(args ?? {})) index = Math.max(index, arg.index + 1);
  return index;
}

/** Class-level `@Audited()`: wraps the route handlers of the controller (own or inherited). */
function auditHandlersOf(controller: Function): void {
  const prototype = controller.prototype as Record<string, unknown>;
  const seen = new Set<string>();
  for (let level: object | null = prototype; level && level !== Object.prototype; level = Object.getPrototypeOf(level)) {
    for (const name of Object.getOwnPropertyNames(level)) {
      if (name === 'constructor' || seen.has(name)) continue;
      seen.add(name);
      const descriptor = Object.getOwnPropertyDescriptor(level, name);
      const value = descriptor?.value as unknown;
      if (typeof value !== 'function' || reflect.getMetadata?.(PATH_METADATA, value) === undefined) continue;
      if (reflect.getMetadata?.(NO_AUDIT_METADATA, value)) continue;
      Object.defineProperty(prototype, name, auditedHandler(prototype, name, descriptor as PropertyDescriptor));
    }
  }
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
