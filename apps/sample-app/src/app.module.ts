import { Logger, Module } from '@nestjs/common';
import { AuditModule } from 'sealed-audit';
import { LeakAlertsModule } from './audit/leak-alerts.module';
import { AuthModule } from './auth/auth.module';
import { PatientsModule } from './patients/patients.module';

/**
 * DEVELOPMENT ONLY. Hashed PII (`@PiiField({ strategy: 'hash' })`) is an HMAC under this key, so
 * anyone holding it can test guesses against stored hashes. Set AUDIT_HMAC_KEY (32+ random bytes,
 * e.g. `openssl rand -base64 32`) everywhere but a laptop.
 */
const DEV_ONLY_HMAC_KEY = 'sealed-audit-sample-app-DEV-ONLY-hmac-key-do-not-use-in-production';

function hmacKey(): string {
  const key = process.env.AUDIT_HMAC_KEY;
  if (key) return key;
  new Logger('AppModule').warn('AUDIT_HMAC_KEY is not set: using the built-in development key');
  return DEV_ONLY_HMAC_KEY;
}

/** PostgreSQL when DATABASE_URL is set, an embedded SQLite file otherwise. */
function storage(): { type: 'postgres'; url: string } | { type: 'sqlite'; database: string } {
  const url = process.env.DATABASE_URL;
  if (url) return { type: 'postgres', url };
  return { type: 'sqlite', database: process.env.AUDIT_SQLITE ?? './audit.sqlite' };
}

@Module({
  imports: [
    // forRootAsync: the environment is read when the app boots, not when this file is imported.
    AuditModule.forRootAsync({
      useFactory: () => ({ storage: storage(), redaction: { hmacKey: hmacKey() } }),
      isGlobal: true,
    }),
    LeakAlertsModule,
    AuthModule,
    PatientsModule,
  ],
})
export class AppModule {}
