import { Reflector } from '@nestjs/core';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { compileAllowList, type AuditedOptions, type ResolvedAuditRoute } from '../core';
import { AUDITED_METADATA, NO_AUDIT_METADATA } from './audit.constants';

/** `RouteParamtypes.BODY` of @nestjs/common (route-paramtypes.enum): the `@Body()` parameter. */
const BODY_PARAMTYPE = 3;

/**
 * Resolves a handler's audit options (method wins over class, `@NoAudit` wins over both) and its
 * `@Body()` DTO type once, then serves them from a cache: the request path does no reflection.
 */
export class AuditRouteResolver {
  private readonly cache = new WeakMap<Function, ResolvedAuditRoute | null>();

  constructor(private readonly reflector: Reflector) {}

  resolve(handler: Function, controller: Function): ResolvedAuditRoute | undefined {
    let route = this.cache.get(handler);
    if (route === undefined) {
      route = this.compute(handler, controller);
      this.cache.set(handler, route);
    }
    return route ?? undefined;
  }

  private compute(handler: Function, controller: Function): ResolvedAuditRoute | null {
    if (this.reflector.get<boolean>(NO_AUDIT_METADATA, handler)) return null;
    const options = this.reflector.getAllAndOverride<AuditedOptions | undefined>(AUDITED_METADATA, [handler, controller]);
    if (!options) return null;
    const bodyType = bodyTypeOf(handler, controller);
    const responseType = options.responseType ?? returnTypeOf(handler, controller);
    const allow = compileAllowList(options.allow);
    return { options, ...(bodyType ? { bodyType } : {}), ...(responseType ? { responseType } : {}), ...(allow ? { allow } : {}) };
  }
}

/** Return types that say nothing about the shape of the response. */
const OPAQUE_RETURN_TYPES = new Set<unknown>([Object, Array, String, Number, Boolean, Promise, Function, Symbol, BigInt, undefined]);

/**
 * The handler's declared return type (TypeScript emits `design:returntype` for decorated methods),
 * when it is a class: `read(): PatientDto`. `Promise<PatientDto>` and interfaces emit only
 * `Promise`/`Object`: declare `@Audited({ responseType })` for those.
 */
function returnTypeOf(handler: Function, controller: Function): Function | undefined {
  const reflect = Reflect as unknown as { getMetadata?: (key: string, target: object, property?: string) => unknown };
  const type = reflect.getMetadata?.('design:returntype', controller.prototype as object, handler.name);
  if (typeof type !== 'function' || OPAQUE_RETURN_TYPES.has(type)) return undefined;
  // Observable and other framework types are not response shapes.
  if (type.name === 'Observable' || type.name === 'StreamableFile') return undefined;
  return type;
}

/** The declared type of the handler's whole-body `@Body()` parameter, if it is a class. */
function bodyTypeOf(handler: Function, controller: Function): Function | undefined {
  const reflect = Reflect as unknown as { getMetadata?: (key: string, target: object, property?: string) => unknown };
  if (!reflect.getMetadata) return undefined;
  const args = reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) as
    | Record<string, { index: number; data?: unknown }>
    | undefined;
  if (!args) return undefined;
  const paramTypes = reflect.getMetadata('design:paramtypes', controller.prototype as object, handler.name) as Function[] | undefined;
  for (const [key, arg] of Object.entries(args)) {
    if (Number(key.split(':')[0]) !== BODY_PARAMTYPE || arg.data !== undefined) continue;
    const type = paramTypes?.[arg.index];
    if (typeof type === 'function' && type !== Object) return type;
  }
  return undefined;
}
