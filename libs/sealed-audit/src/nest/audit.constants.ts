/** Metadata key of `@Audited()`. */
export const AUDITED_METADATA = 'sealed-audit:audited';
/** Metadata key of `@NoAudit()`. */
export const NO_AUDIT_METADATA = 'sealed-audit:no-audit';
