import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { AuthUser, userForToken } from './users';

/**
 * `Authorization: Bearer <token>` against the static token table. A missing or unknown token is a
 * 401, which sealed-audit records as a `denied` event even on routes without `@Audited`.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    const user = match?.[1] ? userForToken(match[1]) : undefined;
    if (!user) throw new UnauthorizedException('A valid bearer token is required');
    request.user = user;
    return true;
  }
}
