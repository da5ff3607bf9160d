import type { INestApplication } from '@nestjs/common';
import { createAuditStore, type AuditStorageOptions, type JsonObject, type JsonValue, type SealedEntry } from 'sealed-audit';

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
 * Boots the REAL sample AppModule. `app.module.ts` reads DATABASE_URL / AUDIT_SQLITE /
 * AUDIT_HMAC_KEY while the module file is evaluated (the `@Module({ imports: [AuditModule.forRoot({
 * storage: storage() })] })` decorator runs at import time), so the environment is set first and
 * the app is required in a fresh module registry (`jest.isolateModules`): a second boot in the same
 * file (the other backend) evaluates it again instead of reusing the first backend's options.
 * `@nestjs/core`, `@nestjs/common` and `sealed-audit` come from that same registry, so class
 * tokens (Reflector, AuditService) match the ones the app was built with.
 *
 * The global set-up replicates apps/sample-app/src/main.ts, which exports nothing (importing it
 * would start a server on PORT): the same ValidationPipe options. `enableShutdownHooks()` is left
 * out on purpose: it only wires process signals; `app.close()` runs the shutdown hooks anyway.
 */
export async function bootSampleApp(env: SampleAppEnv): Promise<RunningSampleApp> {
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  setEnv(env);
  let loaded:
    | {
        core: typeof import('@nestjs/core');
        common: typeof import('@nestjs/common');
        appModule: typeof import('../../apps/sample-app/src/app.module');
        lib: typeof import('sealed-audit');
      }
    | undefined;
  jest.isolateModules(() => {
    loaded = {
      core: require('@nestjs/core') as typeof import('@nestjs/core'),
      common: require('@nestjs/common') as typeof import('@nestjs/common'),
      appModule: require('../../apps/sample-app/src/app.module') as typeof import('../../apps/sample-app/src/app.module'),
      lib: require('sealed-audit') as typeof import('sealed-audit'),
    };
  });
  if (!loaded) throw new Error('jest.isolateModules did not run its callback');
  const { core, common, appModule, lib } = loaded;

  let app: INestApplication | undefined;
  try {
    app = await core.NestFactory.create(appModule.AppModule, { logger: false });
    app.useGlobalPipes(new common.ValidationPipe({ whitelist: true, transform: true }));
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app?.close().catch(() => undefined);
    setEnv(saved);
    throw error;
  }
  const running = app;
  const audit = running.get(lib.AuditService);
  let closed: Promise<void> | undefined;
  return {
    app: running,
    base: await running.getUrl(),
    chainId: audit.chainId,
    flush: () => audit.flush(),
    close: () =>
      (closed ??= running.close().finally(() => {
        setEnv(saved);
      })),
  };
}

function setEnv(values: Partial<Record<(typeof ENV_KEYS)[number], string | undefined>>): void {
  for (const key of ENV_KEYS) {
    const value = values[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

/** Every entry of the database, in chain order, through a second connection (as an auditor would). */
export async function readEntries(storage: AuditStorageOptions): Promise<SealedEntry[]> {
  const store = createAuditStore({ ...storage, install: false });
  await store.init();
  try {
    const all: SealedEntry[] = [];
    for await (const entry of store.read()) all.push(entry);
    return all;
  } finally {
    await store.close();
  }
}

/** The object at `path` inside a JSON payload, or `{}` (a missing part fails the assertions that follow). */
export function objectAt(value: JsonValue | undefined, ...path: string[]): JsonObject {
  let current: JsonValue | undefined = value;
  for (const key of path) {
    current = current !== null && typeof current === 'object' && !Array.isArray(current) ? current[key] : undefined;
  }
  return current !== null && typeof current === 'object' && !Array.isArray(current) ? current : {};
}
