import { Logger, Module } from '@nestjs/common';
import { AuditModule, isMariaDbUrl } from 'sealed-audit';
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

/** DATABASE_URL: MariaDB for `mysql://` / `mariadb://`, PostgreSQL otherwise; unset: an embedded SQLite file. */
function storage(): { type: 'postgres' | 'mariadb'; url: string } | { type: 'sqlite'; database: string } {
  const url = process.env.DATABASE_URL;
  if (url) return { type: isMariaDbUrl(url) ? 'mariadb' : 'postgres', url };
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
