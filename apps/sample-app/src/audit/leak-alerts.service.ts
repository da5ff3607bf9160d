import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AuditService, type PiiExposure } from 'sealed-audit';

/**
 * Subscribes to `pii.exposure` events: an audited response carried personal data that its response
 * type does not declare. The event holds the route, JSON paths, kinds and counts — never a value —
 * so it can go to a log, a pager or a chat channel as it is.
 */
@Injectable()
export class LeakAlertsService implements OnModuleInit {
  private readonly logger = new Logger('LeakAlerts');
  private readonly recent: PiiExposure[] = [];

  constructor(private readonly audit: AuditService) {}

  onModuleInit(): void {
    this.audit.onExposure((exposure) => {
      const where = exposure.findings.map((finding) => `${finding.path} (${finding.kind} ×${finding.count})`).join(', ');
      this.logger.warn(`${exposure.method} ${exposure.route} ${exposure.masked ? 'would have exposed' : 'exposed'} undeclared PII: ${where}`);
      this.recent.push(exposure);
      if (this.recent.length > 100) this.recent.shift();
    });
  }

  /** The last 100 exposures, oldest first. */
  exposures(): readonly PiiExposure[] {
    return this.recent;
  }
}
