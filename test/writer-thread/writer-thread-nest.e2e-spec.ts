/**
 * `AuditModule.forRoot({ writerThread: true })` in a Nest app on a real port (SQLite file): the
 * body's DTO class reaches the redactor on the request thread, `sync` routes answer after their
 * commit, guards' 403 are recorded, and `app.close()` ends the writer thread after writing all.
 */
import 'reflect-metadata';
import { Body, CanActivate, Controller, ExecutionContext, Get, INestApplication, Injectable, Post, UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { AuditModule, AuditService, Audited, PiiField, verifyChains } from 'sealed-audit';
import { quiet, tempPlaces } from '../support/audit-writer';
import { readEntries } from '../support/stored-entries';

const DECLARED_NAME = 'Octavia Fennimore-Blythe';

class PatientDto {
  @PiiField() fullName!: string;
  ward!: string;
}

@Injectable()
class StaffGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string>; user?: unknown }>();
    if (req.headers['x-user'] !== 'staff') return false; // a 403
    req.user = { id: 'staff-3', type: 'user' };
    return true;
  }
}

@Controller('patients')
@UseGuards(StaffGuard)
class PatientsController {
  constructor(private readonly audit: AuditService) {}

  @Post()
  @Audited({ action: 'patient.create', resource: 'patient' })
  create(@Body() body: PatientDto): { ward: string } {
    this.audit.record({ action: 'patient.notified', outcome: 'success' });
    return { ward: body.ward };
  }

  @Get('sync')
  @Audited({ action: 'patient.list', resource: 'patient', durability: 'sync' })
  list(): string[] {
    return [];
  }
}

const { newFile, newDir } = tempPlaces('sealed-audit-writer-thread-nest-');

describe('AuditModule.forRoot({ writerThread: true }) on a real port (SQLite)', () => {
  const database = newFile();
  let app: INestApplication | undefined;
  let base: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AuditModule.forRoot({
          storage: { type: 'sqlite', database },
          chainId: 'wt-nest',
          writerThread: true,
          batch: { maxDelayMs: 5 },
          spool: { directory: newDir() },
          redaction: { hmacKey: 'wt-nest-key' },
        }),
      ],
      controllers: [PatientsController],
      providers: [StaffGuard],
    })
      .setLogger(quiet())
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(() => app?.close());

  it('records requests (DTO redaction on the request thread, 403 denied, sync after commit) and app.close() writes all and ends the thread', async () => {
    const create = (user: string, id: string): Promise<Response> =>
      fetch(`${base}/patients`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user': user, 'x-request-id': id },
        body: JSON.stringify({ fullName: DECLARED_NAME, ward: 'B2' }),
      });
    expect((await create('staff', 'nest-ok')).status).toBe(201);
    expect((await create('visitor', 'nest-403')).status).toBe(403);
    expect((await fetch(`${base}/patients/sync`, { headers: { 'x-user': 'staff', 'x-request-id': 'nest-sync' } })).status).toBe(200);
    // The sync route's entry is committed before its response: visible to a connection of our own.
    const reader = new Database(database, { readonly: true });
    try {
      expect(reader.prepare("SELECT action, outcome FROM audit_log WHERE request_id = 'nest-sync'").all()).toEqual([{ action: 'patient.list', outcome: 'success' }]);
    } finally {
      reader.close();
    }

    await app?.close();
    app = undefined;
    const all = await readEntries({ type: 'sqlite', database });
    const byId = (id: string): Array<[string, string, string | null]> => all.filter((e) => e.requestId === id).map((e) => [e.action, e.outcome, e.actorId]);
    expect(byId('nest-ok').sort()).toEqual([
      ['patient.create', 'success', 'staff-3'],
      ['patient.notified', 'success', 'staff-3'],
    ]);
    expect(byId('nest-403')).toEqual([['patient.create', 'denied', null]]);
    expect(byId('nest-sync')).toEqual([['patient.list', 'success', 'staff-3']]);
    expect(all).toHaveLength(4);
    const created = all.find((e) => e.requestId === 'nest-ok' && e.action === 'patient.create');
    expect((created?.payload.request as { body: Record<string, unknown> }).body).toEqual({ fullName: '[REDACTED]', ward: 'B2' });
    expect(await verifyChains(all)).toMatchObject({ ok: true, entries: 4 });
    // The worker closed its connection (the last one to close removes the WAL); no raw name on disk.
    expect(existsSync(`${database}-wal`)).toBe(false);
    expect(readFileSync(database).toString('latin1')).not.toContain(DECLARED_NAME);
  });
});
