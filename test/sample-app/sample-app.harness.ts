import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../apps/sample-app/src/app.module';
import { configureApp } from '../../apps/sample-app/src/app.setup';
import { AuditService, type JsonObject, type JsonValue } from 'sealed-audit';

/** Environment the sample app reads (apps/sample-app/src/app.module.ts). */
export interface SampleAppEnv {
  DATABASE_URL?: string;
  AUDIT_SQLITE?: string;
  AUDIT_HMAC_KEY: string;
}

/** A booted sample app on a real port. */
export interface RunningSampleApp {
  app: INestApplication;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** The chain the app appends to (`AuditService.chainId`). */
  chainId: string;
  /** Resolves when every queued audit event is committed (`AuditService.flush()`). */
  flush(): Promise<void>;
  /** Closes the app once (flushes the writer, closes the store) and restores the environment. */
  close(): Promise<void>;
}

const ENV_KEYS = ['DATABASE_URL', 'AUDIT_SQLITE', 'AUDIT_HMAC_KEY'] as const;

/**
 * Boots the REAL sample AppModule with the same global set-up as `main.ts` (`configureApp`).
 * The app reads DATABASE_URL / AUDIT_SQLITE / AUDIT_HMAC_KEY in its `forRootAsync` factory, i.e.
 * while it boots: the environment is set just for the boot and restored right after.
 * `enableShutdownHooks()` is left out: it only wires process signals; `app.close()` runs the
 * shutdown hooks (and so the final flush) anyway.
 */
export async function bootSampleApp(env: SampleAppEnv): Promise<RunningSampleApp> {
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  setEnv(env);
  let app: INestApplication | undefined;
  try {
    app = configureApp(await NestFactory.create(AppModule, { logger: false }));
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app?.close().catch(() => undefined);
    throw error;
  } finally {
    setEnv(saved);
  }
  const running = app;
  const audit = running.get(AuditService);
  let closed: Promise<void> | undefined;
  return {
    app: running,
    base: await running.getUrl(),
    chainId: audit.chainId,
    flush: () => audit.flush(),
    close: () => (closed ??= running.close()),
  };
}

function setEnv(values: Partial<Record<(typeof ENV_KEYS)[number], string | undefined>>): void {
  for (const key of ENV_KEYS) {
    const value = values[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

export { readEntries } from '../support/stored-entries';

/** The object at `path` inside a JSON payload, or `{}` (a missing part fails the assertions that follow). */
export function objectAt(value: JsonValue | undefined, ...path: string[]): JsonObject {
  let current: JsonValue | undefined = value;
  for (const key of path) {
    current = current !== null && typeof current === 'object' && !Array.isArray(current) ? current[key] : undefined;
  }
  return current !== null && typeof current === 'object' && !Array.isArray(current) ? current : {};
}
