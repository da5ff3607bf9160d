import { Type } from 'class-transformer';
import { PiiField } from 'sealed-audit';
import { AddressDto } from './address.dto';

/**
 * What the API returns for a patient. The `@PiiField`s say which personal data this response is
 * meant to carry: the leak check (`pii.exposure`) does not report them, and if the response body is
 * kept in the trail (`capture.response`) they are redacted like the request's.
 */
export class PatientDto {
  id!: string;
  @PiiField({ strategy: 'mask', kind: 'name' }) fullName!: string;
  @PiiField({ strategy: 'hash', kind: 'email' }) email!: string;
  @PiiField({ strategy: 'mask', kind: 'phone' }) phone?: string;
  @PiiField({ strategy: 'redact', kind: 'ssn' }) ssn?: string;
  @PiiField({ strategy: 'redact', kind: 'payment-card' }) cardNumber?: string;
  @PiiField({ strategy: 'redact', kind: 'date-of-birth' }) dateOfBirth!: string;
  @PiiField({ strategy: 'redact', kind: 'free-text' }) notes?: string;
  @Type(() => AddressDto) address?: AddressDto;
  createdAt!: string;
  updatedAt!: string;
}

/** A printable contact card: only `name` is declared; anything else personal in it is a leak. */
export class ContactCardDto {
  id!: string;
  @PiiField({ strategy: 'mask', kind: 'name' }) name!: string;
  /** Free text built from the record: NOT declared, so the leak check looks into it. */
  reachAt!: string;
}
