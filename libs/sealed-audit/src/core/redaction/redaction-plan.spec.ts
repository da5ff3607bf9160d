import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsDate, IsString, ValidateNested } from 'class-validator';
import { InheritPiiFields, InvalidPiiFieldError, PiiField, getPiiFieldDeclarations, type PiiStrategy } from './pii-field.decorator';
import { getRedactionPlan } from './redaction-plan';

class AddressDto {
  @PiiField({ strategy: 'redact', kind: 'street' }) street!: string;
  city!: string;
}

class ItemDto {
  @PiiField({ strategy: 'mask' }) serial!: string;
}

class OrderDto {
  @PiiField({ strategy: 'hash', kind: 'email' }) email!: string;
  @Type(() => AddressDto) shipping!: AddressDto;
  @Type(() => ItemDto) items!: ItemDto[];
  // Declared as a whole: the strategy covers it; its own class is not walked.
  @PiiField() @Type(() => ItemDto) declaredItems!: ItemDto[];
  // Only the emitted design type says what this holds (TypeScript emits it for decorated properties only).
  @ValidateNested() billing!: AddressDto;
  // Undecorated: no design type is emitted, so nothing says this is a DTO.
  undecorated!: AddressDto;
  // Built-in design types are never nested plans.
  @IsString() note!: string;
  @IsDate() createdAt!: Date;
  @IsArray() tags!: string[];
}

class TreeNode {
  @PiiField() secret!: string;
  @Type(() => TreeNode) child?: TreeNode;
  @PiiField({ strategy: 'redact' }) @Type(() => TreeNode) sibling?: TreeNode;
}

class BaseUserDto {
  @PiiField({ strategy: 'redact' }) email!: string;
  @PiiField({ strategy: 'mask' }) phone!: string;
}

class AdminUserDto extends BaseUserDto {
  @PiiField({ strategy: 'hash' }) override email = '';
  @PiiField({ strategy: 'omit' }) badge!: string;
}

describe('PiiField / getPiiFieldDeclarations', () => {
  it('records strategy (default redact) and kind per property', () => {
    const declared = getPiiFieldDeclarations(OrderDto);
    expect(declared.get('email')).toEqual({ strategy: 'hash', kind: 'email' });
    expect(declared.get('declaredItems')?.strategy).toBe('redact');
    expect(declared.get('declaredItems')).toEqual({ strategy: 'redact' });
    expect(declared.has('shipping')).toBe(false);
  });

  it('merges inherited declarations, a subclass declaration winning, without changing the parent', () => {
    const admin = getPiiFieldDeclarations(AdminUserDto);
    expect(admin.get('email')?.strategy).toBe('hash');
    expect(admin.get('phone')?.strategy).toBe('mask');
    expect(admin.get('badge')?.strategy).toBe('omit');
    const base = getPiiFieldDeclarations(BaseUserDto);
    expect(base.get('email')?.strategy).toBe('redact');
    expect(base.has('badge')).toBe(false);
  });

  it('returns nothing for a class without declarations', () => {
    class Plain {
      name!: string;
    }
    expect(getPiiFieldDeclarations(Plain).size).toBe(0);
  });

  it('throws InvalidPiiFieldError for an unknown strategy, naming the valid ones', () => {
    expect(() => PiiField({ strategy: 'encrypt' as PiiStrategy })).toThrow(InvalidPiiFieldError);
    expect(() => PiiField({ strategy: 'scramble' as PiiStrategy })).toThrow(/unknown strategy "scramble".*redact, mask, hash, omit/);
  });

  it('throws InvalidPiiFieldError on a symbol-keyed property', () => {
    const key = Symbol('secret');
    expect(() => PiiField()(ItemDto.prototype, key)).toThrow(InvalidPiiFieldError);
  });
});

describe('getRedactionPlan', () => {
  it('compiles a class once and caches the plan', () => {
    expect(getRedactionPlan(OrderDto)).toBe(getRedactionPlan(OrderDto));
    expect(getRedactionPlan(OrderDto).type).toBe(OrderDto);
  });

  it('has a rule with the declaration for each declared property', () => {
    const plan = getRedactionPlan(OrderDto);
    expect(plan.rule('email')?.declaration).toEqual({ strategy: 'hash', kind: 'email' });
    expect([...plan.declaredKeys()].sort()).toEqual(['declaredItems', 'email']);
  });

  it('resolves nested DTOs from class-transformer @Type, for objects and arrays', () => {
    const plan = getRedactionPlan(OrderDto);
    expect(plan.rule('shipping')?.nested?.()).toBe(getRedactionPlan(AddressDto));
    expect(plan.rule('items')?.nested?.()).toBe(getRedactionPlan(ItemDto));
    expect(plan.rule('shipping')?.declaration).toBeUndefined();
  });

  it('does not walk into a property declared with @PiiField, even when it holds a DTO', () => {
    const rule = getRedactionPlan(OrderDto).rule('declaredItems');
    expect(rule?.nested).toBeUndefined();
    expect(rule?.declaration?.strategy).toBe('redact');
  });

  it('resolves a nested DTO from the emitted design type', () => {
    expect(getRedactionPlan(OrderDto).rule('billing')?.nested?.()).toBe(getRedactionPlan(AddressDto));
  });

  it('has no rule for plain properties and built-in design types', () => {
    const plan = getRedactionPlan(OrderDto);
    for (const key of ['note', 'createdAt', 'tags', 'undecorated', 'unknownKey']) expect(plan.rule(key)).toBeUndefined();
    // Asked twice: the memoized "no rule" answer stays "no rule".
    expect(plan.rule('note')).toBeUndefined();
  });

  it('compiles a self-referencing DTO without looping', () => {
    const plan = getRedactionPlan(TreeNode);
    expect(plan.rule('child')?.nested?.()).toBe(plan);
    expect(plan.rule('sibling')?.nested).toBeUndefined();
    expect(plan.rule('secret')?.declaration?.strategy).toBe('redact');
  });

  it('uses the subclass plan for inherited and overridden fields', () => {
    const plan = getRedactionPlan(AdminUserDto);
    expect(plan.rule('email')?.declaration?.strategy).toBe('hash');
    expect(plan.rule('phone')?.declaration?.strategy).toBe('mask');
    expect(getRedactionPlan(BaseUserDto).rule('email')?.declaration?.strategy).toBe('redact');
  });
});

describe('InheritPiiFields', () => {
  class SourceDto {
    @PiiField({ strategy: 'hash', kind: 'email' }) email!: string;
    @PiiField({ strategy: 'mask' }) phone!: string;
    @PiiField() notes!: string;
  }

  // What @nestjs/mapped-types builds: a new class that does NOT extend the source.
  function detached(): Function {
    return class Detached {};
  }

  it('copies every declaration onto a class that does not extend the source', () => {
    const Target = detached();
    InheritPiiFields(SourceDto)(Target);
    expect(getPiiFieldDeclarations(Target)).toEqual(getPiiFieldDeclarations(SourceDto));
    expect(getRedactionPlan(Target).rule('notes')?.declaration).toEqual({ strategy: 'redact' });
  });

  it('copies only the given keys, and never overrides what the class declares itself', () => {
    class Target {
      @PiiField({ strategy: 'omit' }) phone!: string;
    }
    InheritPiiFields(SourceDto, ['email', 'phone'])(Target);
    const declared = getPiiFieldDeclarations(Target);
    expect([...declared.keys()].sort()).toEqual(['email', 'phone']);
    expect(declared.get('phone')).toEqual({ strategy: 'omit' });
    expect(declared.get('email')).toEqual({ strategy: 'hash', kind: 'email' });
  });

  it('rejects a source that is not a class and keys that are not names', () => {
    expect(() => InheritPiiFields('SourceDto' as unknown as Function)).toThrow(InvalidPiiFieldError);
    expect(() => InheritPiiFields(SourceDto, [1 as unknown as string])).toThrow(/keys/);
  });
});
