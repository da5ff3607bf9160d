import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { hostname } from 'node:os';
import type { AuditOutcome } from './audit-event';
import { RequestCapture, type CapturedRequest } from './capture/request-capture';
import { InvalidAuditEventError, defaultChainId, recordManualEvent, type ManualAuditEvent } from './manual-event';

/** A real (unconnected) Node request/response pair, begun by the capture as a server would. */
function begin(capture: RequestCapture, headers: Record<string, string>, user?: unknown) {
  const req = new IncomingMessage(new Socket()) as CapturedRequest;
  req.headers = headers;
  req.method = 'POST';
  if (user !== undefined) req.user = user;
  const res = new ServerResponse(req);
  return capture.begin(req, res);
}

describe('recordManualEvent', () => {
  it('inside a request context takes the actor and the request id of that request', () => {
    const capture = new RequestCapture(() => undefined);
    const context = begin(capture, { 'x-request-id': 'req-42' }, { id: 'u-9', roles: ['clerk'] });
    const event = capture.storage.run(context, () =>
      recordManualEvent({ action: 'file.download', outcome: 'success', resource: 'file', subject: 1234, metadata: { file: 'a.pdf' } }, capture),
    );
    expect(event).toMatchObject({
      action: 'file.download',
      outcome: 'success',
      actor: { id: 'u-9', roles: ['clerk'] },
      requestId: 'req-42',
      resource: 'file',
      subjectId: '1234',
      metadata: { file: 'a.pdf' },
    });
    expect(event.timestamp).toBeInstanceOf(Date);
  });

  it('keeps the context across awaits inside the request', async () => {
    const capture = new RequestCapture(() => undefined);
    const context = begin(capture, {}, { sub: 'u-1' });
    const event = await capture.storage.run(context, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return recordManualEvent({ action: 'auth.login', outcome: 'success' }, capture);
    });
    expect(event.actor).toEqual({ id: 'u-1' });
    expect(event.requestId).toBe(context.requestId);
  });

  it('prefers an explicit actor over the request actor', () => {
    const capture = new RequestCapture(() => undefined);
    const context = begin(capture, {}, { id: 'u-9' });
    const event = capture.storage.run(context, () => recordManualEvent({ action: 'a', outcome: 'success', actor: { id: 'batch-job' } }, capture));
    expect(event.actor).toEqual({ id: 'batch-job' });
  });

  it('outside a request has no actor and no request id', () => {
    const capture = new RequestCapture(() => undefined);
    begin(capture, { 'x-request-id': 'not-current' }, { id: 'u-9' }); // begun, but not the current async context
    const event = recordManualEvent({ action: 'job.run', outcome: 'failure' }, capture);
    expect(event).toEqual({ timestamp: expect.any(Date), action: 'job.run', outcome: 'failure' });
    expect(event).not.toHaveProperty('actor');
    expect(event).not.toHaveProperty('requestId');
  });

  it('survives an actor resolver that throws inside a request', () => {
    const errors: string[] = [];
    const capture = new RequestCapture(() => undefined, { actor: () => { throw new Error('x'); } }, (message) => void errors.push(message));
    const context = begin(capture, {});
    const event = capture.storage.run(context, () => recordManualEvent({ action: 'a', outcome: 'success' }, capture));
    expect(event.actor).toBeUndefined();
    expect(event.requestId).toBe(context.requestId);
    expect(errors).toHaveLength(1);
  });

  it.each<[string, unknown]>([
    ['no input', undefined],
    ['a missing action', { outcome: 'success' }],
    ['an empty action', { action: '', outcome: 'success' }],
    ['a blank action', { action: '   ', outcome: 'success' }],
    ['a non-string action', { action: 42, outcome: 'success' }],
    ['an unknown outcome', { action: 'a', outcome: 'ok' }],
    ['a missing outcome', { action: 'a' }],
    ['an outcome in the wrong case', { action: 'a', outcome: 'SUCCESS' as AuditOutcome }],
  ])('throws InvalidAuditEventError for %s', (_name, input) => {
    const capture = new RequestCapture(() => undefined);
    expect(() => recordManualEvent(input as ManualAuditEvent, capture)).toThrow(InvalidAuditEventError);
  });

  it('names the fix in the error message', () => {
    const capture = new RequestCapture(() => undefined);
    expect(() => recordManualEvent({ action: 'a', outcome: 'maybe' as AuditOutcome }, capture)).toThrow(/must be one of success, failure, denied/);
  });

  it.each(['success', 'failure', 'denied'] as const)('accepts the outcome %s', (outcome) => {
    expect(recordManualEvent({ action: 'a', outcome }, new RequestCapture(() => undefined)).outcome).toBe(outcome);
  });
});

describe('defaultChainId', () => {
  it('is stable within a process and names host and pid', () => {
    expect(defaultChainId()).toBe(defaultChainId());
    expect(defaultChainId()).toBe(`${hostname()}-${process.pid}`.slice(0, 128));
    expect(defaultChainId().length).toBeLessThanOrEqual(128);
  });
});
