import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { PiiField } from 'sealed-audit';

export class AddressDto {
  @PiiField({ strategy: 'redact', kind: 'street' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  street!: string;

  /** Not PII on its own: stored as sent. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  city!: string;

  @PiiField({ strategy: 'mask', kind: 'postcode' })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  postcode?: string;
}
