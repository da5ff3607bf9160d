import { Type } from 'class-transformer';
import { IsEmail, IsISO8601, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { PiiField } from 'sealed-audit';
import { AddressDto } from './address.dto';

/**
 * Every property that identifies a person carries `@PiiField`: the audit trail keeps a hint
 * (`mask`), a correlatable keyed hash (`hash`) or a fixed marker (`redact`), never the value.
 */
export class CreatePatientDto {
  @PiiField({ strategy: 'mask', kind: 'name' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  fullName!: string;

  /** Hashed: two events about the same address can be correlated without storing it. */
  @PiiField({ strategy: 'hash', kind: 'email' })
  @IsEmail()
  email!: string;

  @PiiField({ strategy: 'mask', kind: 'phone' })
  @IsOptional()
  @Matches(/^\+?[0-9 ()-]{6,30}$/, { message: 'phone must be digits, spaces, +, -, ( or )' })
  phone?: string;

  @PiiField({ strategy: 'redact', kind: 'ssn' })
  @IsOptional()
  @Matches(/^\d{3}-\d{2}-\d{4}$/, { message: 'ssn must look like 123-45-6789' })
  ssn?: string;

  @PiiField({ strategy: 'redact', kind: 'payment-card' })
  @IsOptional()
  @Matches(/^[0-9 ]{12,23}$/, { message: 'cardNumber must be 12-19 digits, spaces allowed' })
  cardNumber?: string;

  @PiiField({ strategy: 'redact', kind: 'date-of-birth' })
  @IsISO8601({ strict: true })
  dateOfBirth!: string;

  /** Free text can contain anything: redacted as a whole. */
  @PiiField({ strategy: 'redact', kind: 'free-text' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;

  /** A referral letter is never worth keeping in the trail, not even as a hint: omitted. */
  @PiiField({ strategy: 'omit', kind: 'referral-letter' })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  referralLetter?: string;

  @ValidateNested()
  @Type(() => AddressDto)
  @IsOptional()
  address?: AddressDto;
}
