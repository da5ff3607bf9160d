/**
 * sealed-audit: an immutable, tamper-evident audit trail for NestJS and Express that never stores raw PII.
 * The Express entry is `sealed-audit/express`.
 */
export * from './core';
export * from './nest';
export * from './runtime';
export * from './typeorm';
