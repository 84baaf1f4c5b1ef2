// localfire/firestore: the Firestore remote adapter (firebase v12, modular SDK).
export { createFirestoreRemote } from './firestore-remote.js';
export type { FirestoreRemote, FirestoreRemoteOptions } from './firestore-remote.js';
export type { StallInfo } from './scope-subscription.js';
export type { StallAction } from './stall-watchdog.js';
export { FIRESTORE_ERROR_TABLE, mapFirestoreError } from './errors.js';
export type { ErrorMapping, FirestoreCode } from './errors.js';
export { microsToTimestamp, timestampToMicros } from './values.js';
export { MAX_IN_VALUES } from './scope-query.js';
