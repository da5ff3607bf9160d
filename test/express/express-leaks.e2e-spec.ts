import 'reflect-metadata';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type PiiExposure, type SealedEntry } from 'sealed-audit';
import { PiiField, createAuditTrail, type AuditTrail } from 'sealed-audit/express';
import { removeTempSqlite, tempSqlitePath } from '../support/sqlite';
import { readEntries } from '../support/stored-entries';

class ProfileDto {
  @PiiField({ strategy: 'hash', kind: 'email' }) email!: string;
  bio!: string;
}

/**
 * The leak check through the Express entry: `res.json` of audited routes is seen (and under `mask`
 * rewritten before it is sent), `capture.response` keeps the redacted body, exposures reach
 * `onExposure` subscribers and the trail.
 */
describe('Express leak check on a real port (SQLite)', () => {
  let audit: AuditTrail;
  let server: Server;
  let base: string;
  const database = tempSqlitePath();
  const fromOption: PiiExposure[] = [];
  const fromSubscriber: PiiExposure[] = [];

  beforeAll(async () => {
    audit = await createAuditTrail(
      {
        storage: { type: 'sqlite', database },
        chainId: 'e2e-express-leaks',
        redaction: { hmacKey: 'express-leaks-hmac-key-0123456789abcdef' },
        capture: { response: true },
        leaks: { policy: 'observe', onExposure: (e) => void fromOption.push(e) },
      },
      { log: () => undefined, warn: () => undefined, error: () => undefined },
    );
    audit.onExposure((e) => void fromSubscriber.push(e));
    const profile = { email: 'ann@corp.example', bio: 'Ann, call +44 20 7946 0958', owner: { mail: 'boss@corp.example' } };
    const app = express();
    app.use(audit.middleware);
    app.get('/profiles/:id', audit.audited({ action: 'profile.read', responseType: ProfileDto }), (_req, res) => {
      res.json(profile);
    });
    app.get('/profiles/:id/masked', audit.audited({ action: 'profile.read-masked', responseType: ProfileDto, leaks: 'mask', allow: ['owner.mail'] }), (_req, res) => {
      res.send(profile); // res.send(object) goes through res.json
    });
    app.get('/profiles/:id/unchecked', audit.audited({ action: 'profile.read-unchecked', leaks: 'off' }), (_req, res) => {
      res.json(profile);
    });
    app.get('/plain', (_req, res) => {
      res.json(profile); // not audited: never looked at
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await audit.close();
    removeTempSqlite(database);
  });

  async function get(path: string): Promise<{ body: unknown; requestId: string }> {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(200);
    return { body: await res.json(), requestId: res.headers.get('x-request-id') ?? '' };
  }

  async function entriesOf(requestId: string): Promise<SealedEntry[]> {
    await audit.flush();
    return (await readEntries({ type: 'sqlite', database })).filter((entry) => entry.requestId === requestId);
  }

  it('observe: the response is sent as it is; the exposure is recorded and delivered to the option and the subscriber', async () => {
    const { body, requestId } = await get('/profiles/1');
    expect(body).toEqual({ email: 'ann@corp.example', bio: 'Ann, call +44 20 7946 0958', owner: { mail: 'boss@corp.example' } });
    const entries = await entriesOf(requestId);
    expect(entries.map((entry) => entry.action)).toEqual(['profile.read', 'pii.exposure']);
    expect((entries[1] as SealedEntry).payload.metadata).toMatchObject({
      policy: 'observe',
      masked: false,
      findings: [
        { path: '$.bio', kind: 'phone', count: 1 },
        { path: '$.owner.mail', kind: 'email', count: 1 },
      ],
    });
    expect(fromOption.filter((e) => e.requestId === requestId)).toHaveLength(1);
    expect(fromSubscriber.filter((e) => e.requestId === requestId)).toHaveLength(1);
  });

  it('capture.response keeps the response body redacted with the response type', async () => {
    const { requestId } = await get('/profiles/2');
    const entry = (await entriesOf(requestId)).find((e) => e.action === 'profile.read') as SealedEntry;
    const response = entry.payload.response as { body: Record<string, unknown> };
    expect(response.body.email).toMatch(/^hmac-sha256:[0-9a-f]{8}:[0-9a-f]{64}$/);
    expect(response.body.bio).toBe('Ann, call [REDACTED:phone]');
    expect(response.body.owner).toEqual({ mail: '[REDACTED:email]' });
    expect(entry.payload.redactions).toMatchObject({ 'response.body.email': 'hash:email', 'response.body.bio': 'redact:phone' });
  });

  it('mask: the client receives masked undeclared PII; declared and allowed fields as they are', async () => {
    const { body, requestId } = await get('/profiles/3/masked');
    expect(body).toEqual({ email: 'ann@corp.example', bio: 'Ann, call ********58', owner: { mail: 'boss@corp.example' } });
    const exposure = (await entriesOf(requestId)).find((e) => e.action === 'pii.exposure') as SealedEntry;
    expect(exposure.outcome).toBe('success');
    expect(exposure.payload.metadata).toMatchObject({ policy: 'mask', masked: true, findings: [{ path: '$.bio', kind: 'phone', count: 1 }] });
    // The stored response is what was sent (masked), redacted again.
    expect(JSON.stringify(exposure)).not.toContain('7946');
  });

  it('off and unaudited routes: nothing is checked or recorded beyond the route entry', async () => {
    const off = await get('/profiles/4/unchecked');
    expect((await entriesOf(off.requestId)).map((entry) => entry.action)).toEqual(['profile.read-unchecked']);
    const plain = await get('/plain');
    expect(await entriesOf(plain.requestId)).toEqual([]);
  });

  it('rejects an unknown leak policy when the route is declared', () => {
    expect(() => audit.audited({ leaks: 'panic' as never })).toThrow(/leaks/);
    expect(() => audit.audited({ allow: [''] })).toThrow(/allow/);
  });
});
