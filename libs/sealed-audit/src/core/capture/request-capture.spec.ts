import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditEvent } from '../audit-event';
import { RequestCapture, describeError, type CapturedRequest, type RequestAuditContext, type RequestCaptureOptions } from './request-capture';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * A real HTTP server whose handler plays the framework: it calls `begin()`, marks `/patients/:id`
 * as an audited route (as the Nest interceptor / Express `audited()` would) and answers with the
 * status given in `?status=`.
 */
interface Harness {
  capture: RequestCapture;
  events: AuditEvent[];
  errors: string[];
  url: string;
  /** Resolves when every response so far has closed on the server side (capture has run by then). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

type Handler = (req: CapturedRequest, res: ServerResponse, context: RequestAuditContext) => void;

function defaultHandler(capture: RequestCapture): Handler {
  return (req, res, context) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const status = Number(url.searchParams.get('status') ?? 200);
    const user = url.searchParams.get('user');
    if (user) req.user = JSON.parse(user) as unknown;
    const patient = /^\/patients\/([^/]+)$/.exec(url.pathname);
    if (patient) {
      req.route = { path: '/patients/:id' };
      req.params = { id: decodeURIComponent(patient[1] as string) };
      req.query = Object.fromEntries(url.searchParams);
      const action = url.searchParams.get('noAction') ? {} : { action: 'patient.read' };
      context.route = { options: { ...action, resource: 'patient', subject: (r) => r.params.id } };
      if (url.searchParams.get('fail')) capture.noteError(context, Object.assign(new Error('no such patient'), { status }));
    }
    if (url.pathname === '/slow') {
      context.route = { options: { action: 'export.download' } };
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk\n'); // never ends: the client gives up
      return;
    }
    res.statusCode = status;
    res.end('done');
  };
}

async function startHarness(options: RequestCaptureOptions = {}, sinkOverride?: (event: AuditEvent) => void, handler?: Handler): Promise<Harness> {
  const events: AuditEvent[] = [];
  const errors: string[] = [];
  const capture = new RequestCapture(sinkOverride ?? ((event) => void events.push(event)), options, (message) => void errors.push(message));
  const handle = handler ?? defaultHandler(capture);
  const pending: Promise<void>[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const context = capture.begin(req, res);
    // Registered after begin(): by the time this runs, the capture's own listener has run.
    pending.push(new Promise((resolve) => res.once('close', () => resolve())));
    handle(req as CapturedRequest, res, context);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    capture,
    events,
    errors,
    url: `http://127.0.0.1:${port}`,
    settled: async () => {
      await Promise.all(pending);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  if (!harness) throw new Error('no harness');
  const response = await fetch(`${harness.url}${path}`, { headers });
  await response.text();
  await harness.settled();
  return response;
}

const user = (value: unknown): string => `user=${encodeURIComponent(JSON.stringify(value))}`;

describe('RequestCapture over a real HTTP server', () => {
  describe('request id', () => {
    it('echoes a valid incoming x-request-id and records it', async () => {
      harness = await startHarness();
      const response = await get('/patients/1', { 'x-request-id': 'req-abc.123:x@y' });
      expect(response.headers.get('x-request-id')).toBe('req-abc.123:x@y');
      expect(harness.events[0]?.requestId).toBe('req-abc.123:x@y');
    });

    it('generates a UUID when the header is missing', async () => {
      harness = await startHarness();
      const response = await get('/patients/1');
      const id = response.headers.get('x-request-id');
      expect(id).toMatch(UUID);
      expect(harness.events[0]?.requestId).toBe(id);
    });

    it.each([
      ['with spaces', 'bad id'],
      ['too long', 'a'.repeat(129)],
      ['with markup', '<script>'],
      ['empty', ''],
    ])('replaces an invalid incoming id (%s) by a generated one', async (_name, incoming) => {
      harness = await startHarness();
      const response = await get('/patients/1', { 'x-request-id': incoming });
      const id = response.headers.get('x-request-id');
      expect(id).toMatch(UUID);
      expect(id).not.toBe(incoming);
      expect(harness.events[0]?.requestId).toBe(id);
    });

    it('uses a configured header name, case-insensitively', async () => {
      harness = await startHarness({ requestIdHeader: 'X-Correlation-Id' });
      const response = await get('/patients/1', { 'x-correlation-id': 'corr-1' });
      expect(response.headers.get('x-correlation-id')).toBe('corr-1');
      expect(response.headers.get('x-request-id')).toBeNull();
      expect(harness.events[0]?.requestId).toBe('corr-1');
    });

    it('gives two requests different generated ids', async () => {
      harness = await startHarness();
      const a = (await get('/patients/1')).headers.get('x-request-id');
      const b = (await get('/patients/1')).headers.get('x-request-id');
      expect(a).not.toBe(b);
    });
  });

  describe('routes that are not audited', () => {
    it.each([401, 403])('records a %i as access.denied / denied', async (status) => {
      harness = await startHarness();
      await get(`/admin?status=${status}`);
      expect(harness.events).toHaveLength(1);
      expect(harness.events[0]).toMatchObject({
        action: 'access.denied',
        outcome: 'denied',
        http: { method: 'GET', route: '(unmatched)', status },
      });
      expect(harness.events[0]?.request).toBeUndefined();
    });

    it('uses the configured deniedAction', async () => {
      harness = await startHarness({ deniedAction: 'security.denied' });
      await get('/admin?status=401');
      expect(harness.events[0]?.action).toBe('security.denied');
    });

    it.each([200, 201, 204, 302, 404, 500])('records nothing for a %i', async (status) => {
      harness = await startHarness();
      await get(`/open?status=${status}`);
      expect(harness.events).toEqual([]);
    });
  });

  describe('audited routes', () => {
    it.each([
      [200, 'success'],
      [201, 'success'],
      [204, 'success'],
      [400, 'failure'],
      [404, 'failure'],
      [500, 'failure'],
      [503, 'failure'],
      [401, 'denied'],
      [403, 'denied'],
    ] as const)('records a %i as %s', async (status, outcome) => {
      harness = await startHarness();
      await get(`/patients/42?status=${status}`, { 'user-agent': 'spec-agent/1' });
      expect(harness.events).toHaveLength(1);
      const recorded = harness.events[0] as AuditEvent;
      expect(recorded).toMatchObject({
        action: 'patient.read',
        outcome,
        resource: 'patient',
        subjectId: '42',
        http: { method: 'GET', route: '/patients/:id', status, userAgent: 'spec-agent/1' },
      });
      expect(recorded.http?.ip).toBe('127.0.0.1');
      expect(recorded.http?.durationMs).toBeGreaterThanOrEqual(0);
      expect(recorded.timestamp).toBeInstanceOf(Date);
      expect(recorded.error).toBeUndefined();
    });

    it('keeps references to the request parts for the writer to redact', async () => {
      harness = await startHarness();
      await get('/patients/42?status=200&q=1', { authorization: 'Bearer t' });
      const request = harness.events[0]?.request;
      expect(request?.params).toEqual({ id: '42' });
      expect(request?.query).toMatchObject({ q: '1' });
      expect((request?.headers as Record<string, string>).authorization).toBe('Bearer t');
    });

    it('leaves out the parts switched off in capture options', async () => {
      harness = await startHarness({ capture: { headers: false, query: false } });
      await get('/patients/42?q=1');
      const request = harness.events[0]?.request ?? {};
      expect(Object.keys(request).sort()).toEqual(['body', 'params']);
    });

    it('defaults the action to "<METHOD> <route pattern>"', async () => {
      harness = await startHarness();
      await get('/patients/42?noAction=1');
      expect(harness.events[0]?.action).toBe('GET /patients/:id');
    });

    it('records the error the framework noted, with its status', async () => {
      harness = await startHarness();
      await get('/patients/42?status=404&fail=1');
      expect(harness.events[0]).toMatchObject({ outcome: 'failure', error: { name: 'Error', message: 'no such patient', status: 404 } });
    });

    it('records a request the client aborted mid-response as a failure (RequestAborted)', async () => {
      harness = await startHarness();
      const h = harness;
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(`${h.url}/slow`, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
        req.end();
      });
      await h.settled();
      expect(h.events).toHaveLength(1);
      expect(h.events[0]).toMatchObject({
        action: 'export.download',
        outcome: 'failure',
        http: { status: 200 },
        error: { name: 'RequestAborted', status: 200 },
      });
    });
  });

  describe('actor', () => {
    it('defaults to req.user.sub when there is no id', async () => {
      harness = await startHarness();
      await get(`/patients/1?${user({ sub: 'u-1' })}`);
      expect(harness.events[0]?.actor).toEqual({ id: 'u-1' });
    });

    it('prefers req.user.id over sub and keeps type and roles as strings', async () => {
      harness = await startHarness();
      await get(`/patients/1?${user({ id: 7, sub: 'ignored', type: 'staff', roles: ['admin', 3] })}`);
      expect(harness.events[0]?.actor).toEqual({ id: '7', type: 'staff', roles: ['admin', '3'] });
    });

    it('has no actor without a user, or with a user without id/sub', async () => {
      harness = await startHarness();
      await get('/patients/1');
      await get(`/patients/1?${user({ name: 'anonymous' })}`);
      expect(harness.events).toHaveLength(2);
      expect(harness.events.map((event) => event.actor)).toEqual([undefined, undefined]);
    });

    it('records the actor of a denied request too', async () => {
      harness = await startHarness();
      await get(`/admin?status=403&${user({ id: 'u-9' })}`);
      expect(harness.events[0]).toMatchObject({ outcome: 'denied', actor: { id: 'u-9' } });
    });

    it('uses a custom resolver', async () => {
      harness = await startHarness({ actor: (req) => ({ id: String((req.user as { uid: string }).uid), type: 'service' }) });
      await get(`/patients/1?${user({ uid: 'svc-1' })}`);
      expect(harness.events[0]?.actor).toEqual({ id: 'svc-1', type: 'service' });
    });

    it('survives a custom resolver that throws: the request succeeds and the event has no actor', async () => {
      harness = await startHarness({
        actor: () => {
          throw new TypeError('secret detail alice@example.com');
        },
      });
      const response = await get('/patients/1');
      expect(response.status).toBe(200);
      expect(harness.events).toHaveLength(1);
      expect(harness.events[0]?.actor).toBeUndefined();
      expect(harness.errors).toHaveLength(1);
      expect(harness.errors[0]).toContain('TypeError');
      expect(harness.errors[0]).not.toContain('alice@example.com');
    });
  });

  it('survives a subject resolver that throws: the event is recorded without a subject', async () => {
    harness = await startHarness({}, undefined, (_req, res, context) => {
      context.route = {
        options: {
          action: 'x',
          subject: () => {
            throw new Error('boom');
          },
        },
      };
      res.end('ok');
    });
    const response = await get('/anything');
    expect(response.status).toBe(200);
    expect(harness.events).toHaveLength(1);
    expect(harness.events[0]?.subjectId).toBeUndefined();
    expect(harness.errors.some((message) => message.includes('subject resolver'))).toBe(true);
  });

  it('survives a sink that throws: the response is unaffected and the failure is reported', async () => {
    harness = await startHarness({}, () => {
      throw new RangeError('sink down');
    });
    const response = await get('/patients/1');
    expect(response.status).toBe(200);
    expect(await (await fetch(`${harness.url}/patients/2`)).text()).toBe('done');
    await harness.settled();
    expect(harness.errors.filter((message) => message.includes('could not capture'))).toHaveLength(2);
    expect(harness.errors[0]).toContain('RangeError');
  });

  it('records once per request even though both finish and close fire, and begin() is idempotent', async () => {
    let second: RequestAuditContext | undefined;
    let first: RequestAuditContext | undefined;
    harness = await startHarness({}, undefined, (req, res, context) => {
      first = context;
      second = harness?.capture.begin(req, res);
      context.route = { options: { action: 'x' } };
      res.end('ok');
    });
    await get('/anything');
    expect(second).toBe(first);
    expect(harness.capture.contextOf(first?.req as object)).toBe(first);
    expect(harness.events).toHaveLength(1);
  });
});

describe('describeError', () => {
  it('reads name, message and status from HttpException-like and plain errors', () => {
    class NotFoundException extends Error {
      getStatus(): number {
        return 404;
      }
    }
    expect(describeError(new NotFoundException('gone'))).toEqual({ name: 'NotFoundException', message: 'gone', status: 404 });
    expect(describeError(Object.assign(new Error('bad'), { statusCode: 422 }))).toEqual({ name: 'Error', message: 'bad', status: 422 });
    expect(describeError(new TypeError('t'))).toEqual({ name: 'TypeError', message: 't' });
    expect(describeError('just a string')).toEqual({ name: 'string', message: 'just a string' });
  });
});
