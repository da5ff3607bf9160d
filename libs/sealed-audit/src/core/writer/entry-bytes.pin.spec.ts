import 'reflect-metadata';
import { declare } from '../../../../../test/support/pii-fixtures';
import type { AuditEvent, ChainHead } from '../audit-event';
import { Redactor } from '../redaction/redactor';
import { payloadTextOf, sealEntry } from '../sealing/seal';
import { toAuditLogRow } from '../../typeorm/audit-log.mapper';
import { buildEntry } from './audit-entry.builder';

/**
 * The stored bytes of the HTTP benchmark's entry (bench/store/entry-cost.js builds the same event),
 * pinned: every optimization of buildEntry, sealEntry and the row mapping must leave the payload
 * text, the row and the chain hashes exactly as they were (values computed at a525552, before the
 * writer-cost work).
 */
class CreatePatientDto {}
declare(CreatePatientDto, 'fullName', { strategy: 'mask', kind: 'name' });
declare(CreatePatientDto, 'email', { strategy: 'hash', kind: 'email' });
declare(CreatePatientDto, 'phone', { strategy: 'mask', kind: 'phone' });
declare(CreatePatientDto, 'ssn', { strategy: 'redact', kind: 'ssn' });
declare(CreatePatientDto, 'notes', { strategy: 'redact', kind: 'free-text' });

function benchEvent(): AuditEvent {
  return {
    timestamp: new Date('2026-11-27T03:00:00.123Z'),
    action: 'patient.create',
    outcome: 'success',
    requestId: '6f1c1a2e-8a4b-4c1d-9e2f-0a1b2c3d4e5f',
    http: { method: 'POST', route: '/patients', status: 201, durationMs: 1.2345678, ip: '127.0.0.1' },
    resource: 'patient',
    request: {
      params: {},
      query: Object.create(null) as Record<string, unknown>,
      body: {
        fullName: 'Jane Q. Example',
        email: 'jane.example@example.com',
        phone: '+44 20 7946 0958',
        ssn: '123-45-6789',
        notes: 'Allergic to penicillin; call her sister on +44 20 7946 0000',
        ward: 'B4',
      },
      headers: {
        host: '127.0.0.1:39463',
        connection: 'keep-alive',
        'content-type': 'application/json',
        authorization: 'Bearer bench-token',
        'content-length': '194',
      },
      bodyType: CreatePatientDto,
    },
  };
}

const PAYLOAD =
  '{"http":{"durationMs":1.235,"ip":"127.0.0.*","method":"POST","route":"/patients","status":201},' +
  '"redactions":{"http.ip":"mask:ip","request.body.email":"hash:email","request.body.fullName":"mask:name","request.body.notes":"redact:free-text",' +
  '"request.body.phone":"mask:phone","request.body.ssn":"redact:ssn","request.headers.authorization":"redact:sensitive-key","request.headers.host":"mask:ip"},' +
  '"request":{"body":{"email":"hmac-sha256:988d0aae:973331ac5a5df0ebd9b2cdc005216034706c33d43e3661db9763a5d5dee72558","fullName":"********mple",' +
  '"notes":"[REDACTED:free-text]","phone":"********58","ssn":"[REDACTED:ssn]","ward":"B4"},' +
  '"headers":{"authorization":"[REDACTED]","connection":"keep-alive","content-length":"194","content-type":"application/json","host":"127.0.0.*:39463"}}}';

const HASHES = [
  '0f6b26793bf7de7d841c31d6ad16d43c59385c9093aa20566d0ad1d37b2ae86a',
  '41aa0fe4daf03a640020dde7017c5f410a240bb6484034c1900ff8005f4334b0',
  'd8d7ee2029838ccd62584bc4d14f047ab6a56a3d13e18c8f40e4887db59a1732',
];

describe('stored bytes of the HTTP benchmark entry (pinned)', () => {
  it('are the payload text, row and chain hashes computed before the writer-cost changes, on cold and warm caches', () => {
    const redactor = new Redactor({ hmacKey: 'bench-key-0123456789abcdef01234567' });
    for (let round = 0; round < 3; round += 1) {
      let head: ChainHead | null = null;
      for (const expected of HASHES) {
        const entry = buildEntry(benchEvent(), 'pin', redactor);
        expect(payloadTextOf(entry)).toBe(PAYLOAD);
        const { sealed, head: next } = sealEntry(entry, head);
        head = next;
        expect(sealed.hash).toBe(expected);
        const row = toAuditLogRow(sealed);
        expect(row).toEqual({
          chainId: 'pin',
          seq: sealed.seq,
          v: 1,
          ts: '2026-11-27T03:00:00.123Z',
          action: 'patient.create',
          outcome: 'success',
          actorId: null,
          actorType: null,
          resource: 'patient',
          subjectId: null,
          requestId: '6f1c1a2e-8a4b-4c1d-9e2f-0a1b2c3d4e5f',
          payload: PAYLOAD,
          prevHash: sealed.seq === 1 ? '0'.repeat(64) : HASHES[sealed.seq - 2],
          hash: expected,
        });
      }
    }
  });
});
