/** Helpers of the redaction property specs: DTO classes declared at run time, bodies with any keys. */
import { PiiField, type PiiFieldOptions } from '../../libs/sealed-audit/src/core/redaction/pii-field.decorator';

/** `@PiiField(options)` on `type`'s `key`, applied by hand (the spec's classes are built at run time). */
export function declare(type: Function, key: string, options?: PiiFieldOptions): void {
  PiiField(options)(type.prototype as object, key);
}

/** An object with exactly these own keys in this order (any name, `__proto__` included, as JSON.parse makes it). */
export function objectOf(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}
