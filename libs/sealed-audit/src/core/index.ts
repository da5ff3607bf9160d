export * from './audit-event';
export * from './audit-store.interface';
export { canonicalize } from './sealing/canonical-json';
export { ENTRY_HASH_TAG, GENESIS_HASH, computeEntryHash, hashedForm, sealEntry } from './sealing/seal';
export * from './verify/chain-verifier';
export { PiiField, getPiiFieldDeclarations, InvalidPiiFieldError, PII_STRATEGIES } from './redaction/pii-field.decorator';
export type { PiiFieldOptions, PiiFieldDeclaration, PiiStrategy } from './redaction/pii-field.decorator';
export { Redactor, InvalidRedactionOptionsError, mask, redactedMarker } from './redaction/redactor';
export type { RedactorOptions } from './redaction/redactor';
export { DEFAULT_DETECTORS, luhnValid, scrubText, ssnValid } from './redaction/detectors';
export type { PiiDetector } from './redaction/detectors';
export { SENSITIVE_KEY_FRAGMENTS, SENSITIVE_KEY_NAMES, compileSensitiveKeyMatcher, normalizeKey } from './redaction/sensitive-keys';
export { AuditWriter, AuditWriterStateError } from './writer/audit-writer';
export type { AuditWriterOptions, AuditWriterStats } from './writer/audit-writer';
export { buildEntry } from './writer/audit-entry.builder';
export { consoleAuditLogger } from './writer/audit-logger';
export type { AuditLogger } from './writer/audit-logger';
export { RequestCapture, describeError } from './capture/request-capture';
export type {
  AuditedOptions,
  AuditRequest,
  CaptureOptions,
  CapturedRequest,
  RequestAuditContext,
  RequestCaptureOptions,
  ResolvedAuditRoute,
} from './capture/request-capture';
export { defaultChainId, recordManualEvent, InvalidAuditEventError } from './manual-event';
export type { ManualAuditEvent } from './manual-event';
