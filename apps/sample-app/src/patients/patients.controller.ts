import { Body, Controller, Delete, Get, HttpCode, HttpStatus, NotFoundException, Param, ParseUUIDPipe, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { Audited } from 'sealed-audit';
import { BearerAuthGuard } from '../auth/bearer-auth.guard';
import { Roles } from '../auth/roles.decorator';
import { RolesGuard } from '../auth/roles.guard';
import { CreatePatientDto } from './dto/create-patient.dto';
import { ContactCardDto, PatientDto } from './dto/patient.dto';
import { UpdatePatientDto } from './dto/update-patient.dto';
import type { Patient } from './patient';
import { PatientsRepository } from './patients.repository';

/**
 * Patient records. Every route is audited (who, what, when, outcome, which record); a missing or
 * invalid token (401) and a missing role (403) are recorded as `denied` by sealed-audit itself.
 * The data subject is the record id in the path, never a name or an e-mail address.
 *
 * `responseType: PatientDto` declares which personal data the responses are meant to carry; the
 * leak check reports anything else (`pii.exposure`), see `summary` and `contactCard` below.
 */
@Controller('patients')
@UseGuards(BearerAuthGuard, RolesGuard)
export class PatientsController {
  constructor(private readonly patients: PatientsRepository) {}

  @Post()
  @Audited({ action: 'patient.create', resource: 'patient', responseType: PatientDto })
  create(@Body() body: CreatePatientDto): Patient {
    return this.patients.create(body);
  }

  /** `?search=` matches names and e-mail addresses: the query string is PII too, and is redacted in the trail. */
  @Get()
  @Audited({ action: 'patient.list', resource: 'patient', responseType: PatientDto })
  list(@Query('search') search?: string): Patient[] {
    const all = this.patients.findAll();
    if (!search) return all;
    const needle = search.toLowerCase();
    return all.filter((patient) => patient.fullName.toLowerCase().includes(needle) || patient.email.toLowerCase().includes(needle));
  }

  @Get(':id')
  @Audited({ action: 'patient.read', resource: 'patient', subject: (req) => req.params.id, responseType: PatientDto })
  read(@Param('id', ParseUUIDPipe) id: string): Patient {
    return this.found(this.patients.findOne(id), id);
  }

  /**
   * A one-line summary for a dashboard. Deliberately a leak: the e-mail address and phone number
   * end up in free text that no response type declares. The route keeps the default `observe`
   * policy, so the client gets the text as it is and a `pii.exposure` event is raised.
   */
  @Get(':id/summary')
  @Audited({ action: 'patient.summary', resource: 'patient', subject: (req) => req.params.id })
  summary(@Param('id', ParseUUIDPipe) id: string): { id: string; summary: string } {
    const patient = this.found(this.patients.findOne(id), id);
    return { id, summary: `${patient.fullName}, reachable at ${patient.email}${patient.phone ? ` or ${patient.phone}` : ''}` };
  }

  /**
   * A printable contact card with the `mask` policy: undeclared PII in `reachAt` is masked before the
   * response leaves the server (`o***@***.example`, `********42`); the declared `name` is sent as is.
   */
  @Get(':id/contact-card')
  @Audited({ action: 'patient.contact-card', resource: 'patient', subject: (req) => req.params.id, leaks: 'mask', responseType: ContactCardDto })
  contactCard(@Param('id', ParseUUIDPipe) id: string): ContactCardDto {
    const patient = this.found(this.patients.findOne(id), id);
    return { id, name: patient.fullName, reachAt: `${patient.email}${patient.phone ? `, ${patient.phone}` : ''}` };
  }

  @Patch(':id')
  @Audited({ action: 'patient.update', resource: 'patient', subject: (req) => req.params.id, responseType: PatientDto })
  update(@Param('id', ParseUUIDPipe) id: string, @Body() body: UpdatePatientDto): Patient {
    return this.found(this.patients.update(id, body), id);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Audited({ action: 'patient.delete', resource: 'patient', subject: (req) => req.params.id })
  remove(@Param('id', ParseUUIDPipe) id: string): void {
    if (!this.patients.remove(id)) throw notFound(id);
  }

  private found(patient: Patient | undefined, id: string): Patient {
    if (!patient) throw notFound(id);
    return patient;
  }
}

export function notFound(id: string): NotFoundException {
  return new NotFoundException(`No patient with id ${id}`);
}
