export { createAuditRuntime, InvalidAuditOptionsError } from './audit-runtime';
export type { AuditRuntime } from './audit-runtime';
export type { AuditBatchOptions, AuditCheckpointOptions, AuditModuleOptions, AuditOptions, AuditSpoolSettings } from './audit.options';
export { DEFAULT_SPOOL_DIRECTORY, spoolDirectoryFor } from './audit-runtime';
export { AuditTransactionRequiredError, appendAuditEntryInTransaction, transactionalChainId } from './audit-transaction';
export type { TransactionalAuditOptions } from './audit-transaction';
export { AuditWriterThread, AuditWriterThreadStartError } from './writer-thread/audit-writer-thread';
export type { AuditEntryWriter } from './writer-thread/audit-writer-thread';
export type { WriterThreadData } from './writer-thread/writer-thread-protocol';
