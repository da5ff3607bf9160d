import type { ValueTransformer } from 'typeorm';

/** `pg` and `mysql2` return BIGINT as a string (it may exceed 2^53); sequence numbers and tree sizes never do. */
export const bigintAsNumber: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (typeof value === 'string' || typeof value === 'bigint' ? Number(value) : value),
};

/**
 * PostgreSQL stores `ts` as timestamptz(3) and `pg` hands back a Date; SQLite and MariaDB keep the
 * ISO text. All come back as the same `YYYY-MM-DDTHH:mm:ss.sssZ` string, which is what was hashed.
 */
export const isoTimestamp: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value instanceof Date ? value.toISOString() : value),
};
