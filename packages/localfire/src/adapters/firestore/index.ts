// localfire/firestore: the Firestore remote adapter (firebase v12, modular SDK).
export { createFirestoreRemote, DEFAULT_LISTENER_WINDOW_DOCS, DEFAULT_MAX_COMMIT_LAG_MS, DEFAULT_STALL_TIMEOUT_MS, FALLBACK_GRACE_MS } from './firestore-remote.js';
export type { FirestoreRemote, FirestoreRemoteOptions } from './firestore-remote.js';
export type { StallInfo } from './scope-subscription.js';
export type { StallAction } from './stall-watchdog.js';
export { FIRESTORE_ERROR_TABLE, mapFirestoreError } from './errors.js';
export type { ErrorMapping, FirestoreCode } from './errors.js';
export { microsToTimestamp, timestampToMicros } from './values.js';
export { MAX_IN_VALUES } from './scope-query.js';
