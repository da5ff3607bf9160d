/** What the redactor does with a value. */
export type PiiStrategy = 'redact' | 'mask' | 'hash' | 'omit';

export const PII_STRATEGIES: readonly PiiStrategy[] = ['redact', 'mask', 'hash', 'omit'];

/** Options of {@link PiiField}. */
export interface PiiFieldOptions {
  /** Default `redact`: the value is replaced by a fixed marker. */
  strategy?: PiiStrategy;
  /** What the value is (`email`, `phone`, …); shown in the marker, e.g. `[REDACTED:email]`. */
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
  if (!PII_STRATEGIES.includes(strategy)) {
    throw new InvalidPiiFieldError(
      `@PiiField: unknown strategy "${String(strategy)}". Use one of: ${PII_STRATEGIES.join(', ')}.`,
    );
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
