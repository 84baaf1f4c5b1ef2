// localfire's public API. Named exports only, so API drift shows in review.
export { LocalfireError, isLocalfireError, isRetryable, toLocalfireError, unreachable } from './errors.js';
export type { ErrorKind, LocalfireErrorOptions } from './errors.js';
export { field } from './schema/fields.js';
export type { FieldKind, FieldSpec, FieldOptions, FieldsFor, KindType, MergePolicy } from './schema/fields.js';
export { checkFieldLimits } from './rules/field-limits.js';
export {
  extractRulesValidation, generateRulesValidation, replaceRulesValidation, RULES_VALIDATION_BEGIN, RULES_VALIDATION_END,
} from './rules/generate-rules-validation.js';
export { defineCollection, documentPath, collectionPath, RESERVED_FIELD_NAMES } from './schema/collection.js';
export type { CollectionConfig, CollectionDef, EntityOf, FieldName, PathSegment } from './schema/collection.js';
export type { EntitySchema, StandardSchemaV1 } from './schema/standard-schema.js';
export type { SqliteDriver, SqlValue, RunResult } from './store/driver.js';
export { createLocalStore } from './store/create-local-store.js';
export type { LocalStore, LocalStoreOptions } from './store/local-store.js';
export type {
  Aggregates, CreateInput, Direction, FieldFilter, LiveQuery, Patch, Query, Repository, RowMeta, Stored, SyncStatus, Transaction, Where,
} from './store/types.js';
export type {
  CacheStats, DiscardResult, FailedWrite, FieldChange, OutboxEntry, OutboxState, OutboxStats, PendingChanges, QuarantineEntry, RawRow, ServerTime, StatusCounts, SyncStore, SyncTransaction, WriteRef,
} from './store/sync-store.js';
export { MAX_DOCUMENT_BYTES, MAX_FIELD_DEPTH, MAX_FIELD_NAME_BYTES, MAX_FIELD_VALUE_BYTES, documentSize, firestoreLimitViolation, utf8Length } from './schema/firestore-limits.js';
export type { FirestoreLimit, FirestoreLimitViolation } from './schema/firestore-limits.js';
export type {
  Checkpoint, ConnectionState, RemoteChange, RemoteStall, RemoteDoc, RemotePort, RemoteScope, RemoteWrite, ScopeFilter, Subscription, SubscriptionHandlers, SubscriptionSyncState, WriteAck,
} from './sync/remote.js';
export { MAX_BATCH_WRITES } from './sync/remote.js';
export { createSyncEngine } from './sync/engine.js';
export type { SyncEngine, SyncEngineOptions } from './sync/engine.js';
export type { WriteControl } from './sync/write-control.js';
export type { EngineStatus, InitialSyncProgress, OfflineReason, SyncConnection, SyncPhase } from './sync/status.js';
export type { LatencyStats } from './sync/latency.js';
export type { ScopeContext, ScopesFn } from './sync/pull-loop.js';
export type { LoggedError, SyncDirection, SyncEvent, SyncEventType, SyncLog, SyncLogEntry, SyncLogSink } from './sync/log.js';
export { DEFAULT_SUSPECT_TIMESTAMP_MS } from './sync/suspect-timestamps.js';
export type { SuspectTimestamp } from './sync/suspect-timestamps.js';
export { alwaysOnline, combineNetworks, networkFromBrowser, networkFromRemote } from './sync/network.js';
export type { BrowserWindowLike, NetworkMonitor, NetworkState } from './sync/network.js';
export type { BackoffOptions } from './sync/backoff.js';
export type { Observable } from './sync/observable.js';
export { resolveRemote } from './sync/resolve.js';
export type { ConflictResolution, FieldConflict, ResolveInput, ResolvedRow, Resolution } from './sync/resolve.js';
