import { Body, Controller, Get, HttpCode, HttpStatus, Post, Req, UnauthorizedException, UseGuards } from '@nestjs/common';
import { AuditService } from 'sealed-audit';
import { LoginDto } from './login.dto';
import { BearerAuthGuard } from './bearer-auth.guard';
import { login, type AuthUser } from './users';

/**
 * Not `@Audited`: the handler records its own, more specific event through {@link AuditService}.
 * A wrong password is also a 401, which sealed-audit records as `denied` on its own.
 */
@Controller('auth')
export class AuthController {
  constructor(private readonly audit: AuditService) {}

  @Post('login')
  @HttpCode(HttpStatus.OK)
  login(@Body() body: LoginDto): { token: string; user: { id: string; roles: string[] } } {
    const result = login(body.username, body.password);
    // Queued, not awaited: the writer seals and stores it off the response path.
    this.audit.record({
      action: 'auth.login',
      outcome: result ? 'success' : 'failure',
      resource: 'session',
      metadata: { username: body.username },
      ...(result ? { actor: { id: result.user.id, type: result.user.type, roles: result.user.roles } } : {}),
    });
    if (!result) throw new UnauthorizedException('Unknown user name or wrong password');
    return { token: result.token, user: { id: result.user.id, roles: result.user.roles } };
  }

  /** Not audited: reading one's own profile is routine. A missing token (401) is still recorded as denied. */
  @Get('me')
  @UseGuards(BearerAuthGuard)
  me(@Req() req: { user: AuthUser }): { id: string; roles: string[] } {
    return { id: req.user.id, roles: req.user.roles };
  }
}
