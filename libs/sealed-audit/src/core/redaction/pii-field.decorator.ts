/** A built-in strategy: what the redactor does with a value. */
export type PiiStrategyName = 'redact' | 'mask' | 'hash' | 'omit';

/**
 * A strategy of your own. It receives the raw value and returns what to store (JSON-able;
 * `undefined` drops the field). Its result still passes the value detectors, and if it throws the
 * value is redacted. Recorded as `custom:<kind>` in the entry's `redactions` summary.
 *
 * @example
 * @PiiField({ kind: 'date-of-birth', strategy: (value) => String(value).slice(0, 4) }) // keep the year
 */
export type PiiStrategyFunction = (value: unknown, context: { kind?: string; key: string }) => unknown;

/** What the redactor does with a declared value: a built-in strategy or a function. */
export type PiiStrategy = PiiStrategyName | PiiStrategyFunction;

export const PII_STRATEGIES: readonly PiiStrategyName[] = ['redact', 'mask', 'hash', 'omit'];

/** Options of {@link PiiField}. */
export interface PiiFieldOptions {
  /** Default `redact`: the value is replaced by a fixed marker. */
  strategy?: PiiStrategy;
  /**
   * What the value is (`email`, `phone`, `card`, …): named in the marker (`[REDACTED:email]`) and
   * the summary, and chooses the mask (`email` keeps the first letter and the TLD, `card` the last
   * 4 digits, `phone` the last 2, `ip` the network).
   */
  kind?: string;
}

/** A declared field, as stored by the decorator. */
export interface PiiFieldDeclaration {
  strategy: PiiStrategy;
  kind?: string;
}

/** class → own declared fields. Framework-free (no reflect-metadata needed), inherited by walking prototypes. */
const declarations = new WeakMap<Function, Map<string, PiiFieldDeclaration>>();

/** Thrown when `@PiiField` is given options it cannot honour. */
export class InvalidPiiFieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPiiFieldError';
  }
}

/**
 * Marks a DTO property as personal data. The audit trail never stores its raw value: it is
 * redacted, masked, hashed (keyed HMAC-SHA-256) or omitted before the entry is sealed. On a
 * nested DTO property the strategy covers the whole object; to treat only some of its fields as
 * PII, declare them in the nested class instead (found through class-transformer's `@Type`).
 *
 * @example
 * class CreatePatientDto {
 *   @PiiField({ strategy: 'hash', kind: 'email' }) @IsEmail() email!: string;
 *   @PiiField({ strategy: 'mask' }) @IsString() phone!: string;
 *   @PiiField() @IsString() ssn!: string;              // redact
 * }
 */
export function PiiField(options: PiiFieldOptions = {}): PropertyDecorator {
  const strategy = options.strategy ?? 'redact';
  if (typeof strategy !== 'function' && !PII_STRATEGIES.includes(strategy)) {
    throw new InvalidPiiFieldError(
      `@PiiField: unknown strategy "${String(strategy)}". Use one of: ${PII_STRATEGIES.join(', ')}, or a function (value) => stored value.`,
    );
  }
  if (options.kind !== undefined && (typeof options.kind !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(options.kind))) {
    throw new InvalidPiiFieldError(`@PiiField: kind must be 1–64 letters, digits, ".", "_" or "-" (got ${JSON.stringify(String(options.kind))}).`);
  }
  return (target: object, propertyKey: string | symbol) => {
    if (typeof propertyKey !== 'string') {
      throw new InvalidPiiFieldError('@PiiField: symbol-keyed properties cannot be declared (they never reach JSON).');
    }
    const ctor = (target as { constructor: Function }).constructor;
    let own = declarations.get(ctor);
    if (!own) {
      own = new Map();
      declarations.set(ctor, own);
    }
    own.set(propertyKey, {
      strategy,
      ...(options.kind !== undefined ? { kind: options.kind } : {}),
    });
  };
}

/** Declared fields of a class including inherited ones; a subclass declaration wins. */
export function getPiiFieldDeclarations(ctor: Function): Map<string, PiiFieldDeclaration> {
  const chain: Function[] = [];
  for (let current: Function | null = ctor; current && current !== Object && current !== Function.prototype; ) {
    chain.unshift(current);
    const parent: unknown = Object.getPrototypeOf(current);
    current = typeof parent === 'function' ? parent : null;
  }
  const merged = new Map<string, PiiFieldDeclaration>();
  for (const cls of chain) {
    for (const [key, declaration] of declarations.get(cls) ?? []) merged.set(key, declaration);
  }
  return merged;
}

/**
 * Copies the `@PiiField` declarations of another DTO class (all of them, or only `keys`). Nest's
 * mapped types (`PartialType`, `PickType`, `OmitType`, `IntersectionType` of @nestjs/mapped-types
 * or @nestjs/swagger) copy validation and transformation metadata but build a new class that does
 * not extend the original, so its `@PiiField`s would be lost — and an update DTO's fields would
 * then be protected only by key rules and detectors. Declarations made on the class itself win.
 *
 * @example
 * @InheritPiiFields(CreatePatientDto)
 * export class UpdatePatientDto extends PartialType(CreatePatientDto) {}
 *
 * @InheritPiiFields(CreatePatientDto, ['email', 'phone'])
 * export class ContactDto extends PickType(CreatePatientDto, ['email', 'phone'] as const) {}
 */
export function InheritPiiFields(source: Function, keys?: readonly string[]): ClassDecorator {
  if (typeof source !== 'function') {
    throw new InvalidPiiFieldError('@InheritPiiFields: pass the DTO class to copy from, e.g. @InheritPiiFields(CreatePatientDto).');
  }
  if (keys !== undefined && (!Array.isArray(keys) || keys.some((key) => typeof key !== 'string'))) {
    throw new InvalidPiiFieldError('@InheritPiiFields: `keys` must be an array of property names.');
  }
  return (target: Function) => {
    const inherited = getPiiFieldDeclarations(source);
    let own = declarations.get(target);
    if (!own) {
      own = new Map();
      declarations.set(target, own);
    }
    for (const [key, declaration] of inherited) {
      if ((keys === undefined || keys.includes(key)) && !own.has(key)) own.set(key, declaration);
    }
  };
}
