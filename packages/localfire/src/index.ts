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
  CacheStats, FieldChange, OutboxEntry, OutboxState, OutboxStats, PendingChanges, QuarantineEntry, RawRow, ServerTime, StatusCounts, SyncStore, SyncTransaction,
} from './store/sync-store.js';
export type {
  Checkpoint, ConnectionState, RemoteChange, RemoteStall, RemoteDoc, RemotePort, RemoteScope, RemoteWrite, ScopeFilter, Subscription, SubscriptionHandlers, WriteAck,
} from './sync/remote.js';
export { MAX_BATCH_WRITES } from './sync/remote.js';
export { createSyncEngine } from './sync/engine.js';
export type { SyncEngine, SyncEngineOptions } from './sync/engine.js';
export type { EngineStatus } from './sync/status.js';
export type { ScopeContext, ScopesFn } from './sync/pull-loop.js';
export type { LoggedError, SyncDirection, SyncEvent, SyncEventType, SyncLog, SyncLogEntry, SyncLogSink } from './sync/log.js';
export { combineNetworks, networkFromBrowser, networkFromRemote } from './sync/network.js';
export type { BrowserWindowLike, NetworkMonitor, NetworkState } from './sync/network.js';
export type { BackoffOptions } from './sync/backoff.js';
export type { Observable } from './sync/observable.js';
export { resolveRemote } from './sync/resolve.js';
export type { ConflictResolution, FieldConflict, ResolveInput, ResolvedRow, Resolution } from './sync/resolve.js';
