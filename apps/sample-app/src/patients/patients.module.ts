import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { PatientFilesController } from './patient-files.controller';
import { PatientsController } from './patients.controller';
import { PatientsRepository } from './patients.repository';

@Module({
  imports: [AuthModule],
  controllers: [PatientsController, PatientFilesController],
  providers: [PatientsRepository],
})
export class PatientsModule {}
