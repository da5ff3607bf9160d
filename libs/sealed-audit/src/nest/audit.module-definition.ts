import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AuditModuleOptions } from '../runtime';

/** Extras accepted next to the options by `forRoot`/`forRootAsync`. */
export interface AuditModuleExtras {
  /** Register the module globally so `AuditService` can be injected anywhere. Default `false`. */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass: ConfigurableAuditModule,
  MODULE_OPTIONS_TOKEN: AUDIT_MODULE_OPTIONS,
  OPTIONS_TYPE: AUDIT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUDIT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuditModuleOptions>({ moduleName: 'Audit' })
  .setClassMethodName('forRoot')
  .setExtras<AuditModuleExtras>({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
