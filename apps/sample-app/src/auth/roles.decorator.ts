import { SetMetadata } from '@nestjs/common';

export const ROLES_KEY = 'sample-app:roles';

/** Roles allowed to call a handler (any of them). Checked by {@link RolesGuard}. */
export const Roles = (...roles: string[]) => SetMetadata(ROLES_KEY, roles);
