import { Body, Controller, Delete, Get, HttpCode, HttpStatus, NotFoundException, Param, ParseUUIDPipe, Patch, Post, UseGuards } from '@nestjs/common';
import { Audited } from 'sealed-audit';
import { BearerAuthGuard } from '../auth/bearer-auth.guard';
import { Roles } from '../auth/roles.decorator';
import { RolesGuard } from '../auth/roles.guard';
import { CreatePatientDto } from './dto/create-patient.dto';
import { UpdatePatientDto } from './dto/update-patient.dto';
import type { Patient } from './patient';
import { PatientsRepository } from './patients.repository';

/**
 * Patient records. Every route is audited (who, what, when, outcome, which record); a missing or
 * invalid token (401) and a missing role (403) are recorded as `denied` by sealed-audit itself.
 * The data subject is the record id in the path, never a name or an e-mail address.
 */
@Controller('patients')
@UseGuards(BearerAuthGuard, RolesGuard)
export class PatientsController {
  constructor(private readonly patients: PatientsRepository) {}

  @Post()
  @Audited({ action: 'patient.create', resource: 'patient' })
  create(@Body() body: CreatePatientDto): Patient {
    return this.patients.create(body);
  }

  @Get()
  @Audited({ action: 'patient.list', resource: 'patient' })
  list(): Patient[] {
    return this.patients.findAll();
  }

  @Get(':id')
  @Audited({ action: 'patient.read', resource: 'patient', subject: (req) => req.params.id })
  read(@Param('id', ParseUUIDPipe) id: string): Patient {
    return this.found(this.patients.findOne(id), id);
  }

  @Patch(':id')
  @Audited({ action: 'patient.update', resource: 'patient', subject: (req) => req.params.id })
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
