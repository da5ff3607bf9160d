/**
 * The minimal logger the core needs. Nest's `Logger`, pino and `console` all fit. Messages passed
 * here never contain captured values (only counts, ids and error classes/messages of the store).
 */
export interface AuditLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Logs to stderr with a prefix; the default outside Nest. */
export const consoleAuditLogger: AuditLogger = {
  log: (message) => console.log(`[sealed-audit] ${message}`),
  warn: (message) => console.warn(`[sealed-audit] ${message}`),
  error: (message) => console.error(`[sealed-audit] ${message}`),
};
