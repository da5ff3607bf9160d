/** The user attached to `req.user` by {@link BearerAuthGuard}; the audit trail records `id`, `type`, `roles`. */
export interface AuthUser {
  id: string;
  type: string;
  roles: string[];
}

interface Account {
  username: string;
  /** A demo: plain-text passwords in source code are for the sample app only. */
  password: string;
  token: string;
  user: AuthUser;
}

/** Static accounts: the sample app has no user database. */
const ACCOUNTS: readonly Account[] = [
  { username: 'doctor', password: 'doctor-pass', token: 'doctor-token', user: { id: 'u-doctor', type: 'user', roles: ['doctor'] } },
  { username: 'nurse', password: 'nurse-pass', token: 'nurse-token', user: { id: 'u-nurse', type: 'user', roles: ['nurse'] } },
  { username: 'admin', password: 'admin-pass', token: 'admin-token', user: { id: 'u-admin', type: 'user', roles: ['admin'] } },
];

const BY_TOKEN = new Map(ACCOUNTS.map((account) => [account.token, account.user]));

export function userForToken(token: string): AuthUser | undefined {
  return BY_TOKEN.get(token);
}

/** The account's token when the credentials match, `undefined` otherwise. */
export function login(username: string, password: string): { token: string; user: AuthUser } | undefined {
  const account = ACCOUNTS.find((candidate) => candidate.username === username);
  if (!account || account.password !== password) return undefined;
  return { token: account.token, user: account.user };
}
