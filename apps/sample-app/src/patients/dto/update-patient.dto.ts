import { Type } from 'class-transformer';
import { IsEmail, IsISO8601, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { PiiField } from 'sealed-audit';
import { AddressDto } from './address.dto';

/**
 * Every property of {@link CreatePatientDto}, optional. Written out rather than derived
 * (`PartialType`) so the `@PiiField` declarations stay visible where the fields are declared.
 */
export class UpdatePatientDto {
  @PiiField({ strategy: 'mask', kind: 'name' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  fullName?: string;

  @PiiField({ strategy: 'hash', kind: 'email' })
  @IsOptional()
  @IsEmail()
  email?: string;

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
  @IsOptional()
  @IsISO8601({ strict: true })
  dateOfBirth?: string;

  @PiiField({ strategy: 'redact', kind: 'free-text' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;

  @ValidateNested()
  @Type(() => AddressDto)
  @IsOptional()
  address?: AddressDto;
}
