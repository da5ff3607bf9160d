import { Module } from '@nestjs/common';
import { AuthController } from './auth.controller';
import { BearerAuthGuard } from './bearer-auth.guard';
import { RolesGuard } from './roles.guard';

@Module({
  controllers: [AuthController],
  providers: [BearerAuthGuard, RolesGuard],
  exports: [BearerAuthGuard, RolesGuard],
})
export class AuthModule {}
