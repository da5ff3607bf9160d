import { Module } from '@nestjs/common';
import { LeakAlertsService } from './leak-alerts.service';

@Module({ providers: [LeakAlertsService], exports: [LeakAlertsService] })
export class LeakAlertsModule {}
