export * from './audit-event';
export * from './audit-store.interface';
export { canonicalize } from './sealing/canonical-json';
export { ENTRY_HASH_TAG, GENESIS_HASH, computeEntryHash, hashedForm, sealEntry } from './sealing/seal';
export * from './verify/chain-verifier';
export { compareChainIds, verifyTrail } from './verify/trail-verifier';
export type { TrailSource, TrailVerifyOptions } from './verify/trail-verifier';
export * from './verify/inclusion-proof';
export * from './checkpoint';
export { InheritPiiFields, PiiField, getPiiFieldDeclarations, InvalidPiiFieldError, PII_STRATEGIES } from './redaction/pii-field.decorator';
export type { PiiFieldOptions, PiiFieldDeclaration, PiiStrategy, PiiStrategyFunction, PiiStrategyName } from './redaction/pii-field.decorator';
export { Redactor, InvalidRedactionOptionsError, MAX_REPORT_LINES, mask, redactedMarker } from './redaction/redactor';
export type { DetectorSettings, RedactionReport, RedactorOptions } from './redaction/redactor';
export {
  BUILT_IN_DETECTORS,
  BUILT_IN_DETECTOR_KINDS,
  DEFAULT_DETECTORS,
  DetectorSet,
  cardValid,
  ibanValid,
  ipv4Valid,
  ipv6Valid,
  isDateLike,
  luhnValid,
  phoneValid,
  scrubText,
  ssnValid,
} from './redaction/detectors';
export type { BuiltInDetectorKind, DetectorStrategy, PiiDetector, PiiMatch } from './redaction/detectors';
export {
  ExposureEmitter,
  ExposureScanner,
  InvalidAllowPathError,
  LEAK_POLICIES,
  compileAllowList,
} from './redaction/exposure-scanner';
export type { AllowList, ExposureFinding, ExposureListener, ExposureMaskResult, LeakPolicy, PiiExposure } from './redaction/exposure-scanner';
export { SENSITIVE_KEY_FRAGMENTS, SENSITIVE_KEY_NAMES, compileBirthKeyMatcher, compileSensitiveKeyMatcher, normalizeKey } from './redaction/sensitive-keys';
export { AUDIT_DURABILITIES, AuditUnavailableError, AuditWriter, AuditWriterStateError } from './writer/audit-writer';
export type { AuditDurability, AuditWriterHook, AuditWriterOptions, AuditWriterStats } from './writer/audit-writer';
export { AuditSpool, DEFAULT_SPOOL_MAX_BYTES } from './writer/audit-spool';
export type { AuditSpoolOptions, SpoolSegment } from './writer/audit-spool';
export { DEFAULT_MAX_ENTRY_BYTES, MIN_MAX_ENTRY_BYTES, buildEntry } from './writer/audit-entry.builder';
export type { BuildEntryOptions } from './writer/audit-entry.builder';
export { consoleAuditLogger } from './writer/audit-logger';
export type { AuditLogger } from './writer/audit-logger';
export { PII_EXPOSURE_ACTION, RequestCapture, describeError, noteHandlerError } from './capture/request-capture';
export type {
  AuditedOptions,
  AuditRequest,
  CaptureLeakOptions,
  CaptureOptions,
  CapturedRequest,
  RequestAuditContext,
  RequestCaptureOptions,
  ResolvedAuditRoute,
} from './capture/request-capture';
export { defaultChainId, recordManualEvent, InvalidAuditEventError } from './manual-event';
export type { ManualAuditEvent } from './manual-event';
export {
  MERKLE_EMPTY_ROOT,
  MerkleProofError,
  MerkleTreeBuilder,
  MerkleTreeError,
  consistencyProof,
  inclusionProof,
  merkleLeafHash,
  merkleNodeHash,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from './merkle';
export type { ConsistencyProof, InclusionProof, MerkleTreeState } from './merkle';
