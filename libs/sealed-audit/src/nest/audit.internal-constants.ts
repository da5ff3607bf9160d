/** Internal injection token of the compiled runtime (capture, writer, redactor). Not public API. */
export const AUDIT_RUNTIME = Symbol('sealed-audit:runtime');
