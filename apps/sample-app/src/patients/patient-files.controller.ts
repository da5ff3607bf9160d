import { Controller, Get, Header, NotFoundException, Param, ParseUUIDPipe, UseGuards } from '@nestjs/common';
import { Audited } from 'sealed-audit';
import { BearerAuthGuard } from '../auth/bearer-auth.guard';
import { RolesGuard } from '../auth/roles.guard';
import { PatientsRepository } from './patients.repository';
import { notFound } from './patients.controller';

/** File names the sample app "has" for every patient (there is no file storage behind them). */
const FILES: Readonly<Record<string, string>> = {
  'lab-results.txt': 'Haemoglobin 13.9 g/dL (reference 12.0-15.5)\n',
  'discharge-summary.txt': 'Discharged in good condition; follow-up in 6 weeks.\n',
};

/** File access is audited like any record access: who downloaded which file of which patient. */
@Controller('patients/:id/files')
@UseGuards(BearerAuthGuard, RolesGuard)
export class PatientFilesController {
  constructor(private readonly patients: PatientsRepository) {}

  @Get(':name')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Audited({ action: 'file.download', resource: 'patient-file', subject: (req) => req.params.id })
  download(@Param('id', ParseUUIDPipe) id: string, @Param('name') name: string): string {
    if (!this.patients.findOne(id)) throw notFound(id);
    const content = FILES[name];
    if (content === undefined) throw new NotFoundException(`Patient ${id} has no file named ${name}`);
    return content;
  }
}
