import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { CreatePatientDto } from './dto/create-patient.dto';
import type { UpdatePatientDto } from './dto/update-patient.dto';
import type { Patient } from './patient';

/** In-memory store. Ids are random UUIDs: they identify a record, not a person, and are safe to audit. */
@Injectable()
export class PatientsRepository {
  private readonly patients = new Map<string, Patient>();

  create(input: CreatePatientDto): Patient {
    const now = new Date().toISOString();
    const patient: Patient = { ...plain(input), id: randomUUID(), createdAt: now, updatedAt: now };
    this.patients.set(patient.id, patient);
    return patient;
  }

  findAll(): Patient[] {
    return [...this.patients.values()];
  }

  findOne(id: string): Patient | undefined {
    return this.patients.get(id);
  }

  update(id: string, changes: UpdatePatientDto): Patient | undefined {
    const existing = this.patients.get(id);
    if (!existing) return undefined;
    const defined = Object.fromEntries(Object.entries(plain(changes)).filter(([, value]) => value !== undefined));
    const updated: Patient = { ...existing, ...defined, id, updatedAt: new Date().toISOString() };
    this.patients.set(id, updated);
    return updated;
  }

  remove(id: string): boolean {
    return this.patients.delete(id);
  }
}

/** A plain copy: the DTO instances stay the request's (the audit trail may still hold a reference). */
function plain<T extends object>(value: T): T {
  return structuredClone({ ...value }) as T;
}
