import { getPiiFieldDeclarations, type PiiFieldDeclaration } from './pii-field.decorator';

const MAX_MEMOIZED_KEYS = 1_000;

/** How one property of a DTO is treated. */
export interface FieldRule {
  /** Set when the property is declared with `@PiiField`. */
  declaration?: PiiFieldDeclaration;
  /** The marker of a declared `redact` field (`[REDACTED:<kind>]`), built once. */
  marker?: string;
  /** A declared field's report label (`<strategy>:<kind>`, `custom:<kind>` for a function, kind `pii` when none), built once. */
  label?: string;
  /** Set when an undeclared property holds a nested DTO (or an array of them). */
  nested?: () => RedactionPlan;
}

/**
 * A DTO class compiled once into per-property rules; the hot path does one map look-up per key.
 * Undeclared properties are resolved on first sight (does it hold a nested DTO?) and memoized in
 * the same map as the declared ones.
 */
export class RedactionPlan {
  /** Declared rules (from construction) and undeclared answers (`null`: neither PII nor a nested DTO). */
  private readonly rules = new Map<string, FieldRule | null>();
  private readonly declaredCount: number;

  constructor(
    readonly type: Function,
    declared: ReadonlyMap<string, FieldRule>,
  ) {
    for (const [key, rule] of declared) this.rules.set(key, rule);
    this.declaredCount = declared.size;
  }

  /** The rule for a property, or `undefined` when it is neither PII nor a nested DTO. */
  rule(key: string): FieldRule | undefined {
    let rule = this.rules.get(key);
    if (rule === undefined) {
      const nested = nestedRule(this.type, key);
      rule = nested.nested ? nested : null;
      // Keys come from requests: a hostile body must not grow the memo without bound. Past the cap,
      // answers are computed each time (correct, only slower), never guessed.
      if (this.rules.size - this.declaredCount < MAX_MEMOIZED_KEYS) this.rules.set(key, rule);
    }
    return rule ?? undefined;
  }

  /** Declared property names (for `omit`, which must act even when the value is absent). */
  *declaredKeys(): IterableIterator<string> {
    for (const [key, rule] of this.rules) if (rule?.declaration) yield key;
  }
}

interface ClassTransformerStorage {
  findTypeMetadata(target: Function, propertyName: string): { typeFunction?: (options?: unknown) => Function } | undefined;
}

let classTransformerStorage: ClassTransformerStorage | null | undefined;

/**
 * class-transformer is an optional peer: when it is installed, its `@Type(() => X)` metadata says
 * what a nested property holds (the emitted design type says only `Array` for arrays).
 */
function transformerStorage(): ClassTransformerStorage | null {
  if (classTransformerStorage === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      classTransformerStorage = (require('class-transformer/cjs/storage') as { defaultMetadataStorage: ClassTransformerStorage })
        .defaultMetadataStorage;
    } catch {
      classTransformerStorage = null;
    }
  }
  return classTransformerStorage;
}

const plans = new WeakMap<Function, RedactionPlan>();

/** The compiled plan of a DTO class. Compiled once per class and cached. */
export function getRedactionPlan(type: Function): RedactionPlan {
  let plan = plans.get(type);
  if (!plan) {
    const fields = new Map<string, FieldRule>();
    for (const [key, declaration] of getPiiFieldDeclarations(type)) {
      // The `redact` marker is built once here, not per value.
      const label = `${typeof declaration.strategy === 'function' ? 'custom' : declaration.strategy}:${declaration.kind ?? 'pii'}`;
      fields.set(
        key,
        declaration.strategy === 'redact' ? { declaration, marker: declaration.kind ? `[REDACTED:${declaration.kind}]` : '[REDACTED]', label } : { declaration, label },
      );
    }
    plan = new RedactionPlan(type, fields);
    plans.set(type, plan);
  }
  return plan;
}

function nestedRule(type: Function, key: string): Pick<FieldRule, 'nested'> {
  const nestedType = transformerType(type, key) ?? designType(type, key);
  if (!nestedType || isBuiltIn(nestedType)) return {};
  // Resolved on first use (the nested class may be declared after this one), then kept.
  let plan: RedactionPlan | undefined;
  return { nested: () => (plan ??= getRedactionPlan(nestedType)) };
}

function transformerType(type: Function, key: string): Function | undefined {
  try {
    const found = transformerStorage()?.findTypeMetadata(type, key);
    return found?.typeFunction?.();
  } catch {
    return undefined;
  }
}

function designType(type: Function, key: string): Function | undefined {
  const reflect = Reflect as unknown as { getMetadata?: (key: string, target: object, property: string) => unknown };
  const found = reflect.getMetadata?.('design:type', type.prototype as object, key);
  return typeof found === 'function' ? found : undefined;
}

const BUILT_INS = new Set<Function>([String, Number, Boolean, Object, Array, Date, Map, Set, Buffer, Symbol, BigInt, Promise, Function]);

function isBuiltIn(type: Function): boolean {
  return BUILT_INS.has(type);
}
