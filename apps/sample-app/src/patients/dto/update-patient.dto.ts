import { PartialType } from '@nestjs/mapped-types';
import { InheritPiiFields } from 'sealed-audit';
import { CreatePatientDto } from './create-patient.dto';

/**
 * Every property of {@link CreatePatientDto}, optional: the usual Nest idiom. `PartialType` copies
 * the validation metadata but builds a class that does not extend `CreatePatientDto`, so
 * `@InheritPiiFields` carries its `@PiiField` declarations over (without it, an update's name or
 * notes would be protected only by key rules and detectors).
 */
@InheritPiiFields(CreatePatientDto)
export class UpdatePatientDto extends PartialType(CreatePatientDto) {}
