/* The engine's status: one immutable, observable snapshot. */
import type { CacheStats } from '../store/sync-store.js';
import type { LoggedError } from './log.js';
import { createObservableCell } from './observable.js';
import type { Observable, ObservableCell } from './observable.js';

/** Where the engine stands. Immutable; a new object on every change. */
export interface EngineStatus {
  /** `start()` was called and `stop()` not yet. */
  readonly running: boolean;
  /** The network monitor's view. */
  readonly online: boolean;
  /** A push or a pulled batch is in progress. */
  readonly syncing: boolean;
  /** Outbox entries waiting for the server (including those backing off). */
  readonly pendingCount: number;
  /** Outbox entries that gave up (non-retryable, or out of retries); kept and shown. */
  readonly failedCount: number;
  /** Local ms of the oldest unacknowledged write, or null. */
  readonly oldestPendingAt: number | null;
  /** Age of that write when the status was last refreshed, or null. */
  readonly oldestPendingAgeMs: number | null;
  /** Local ms of the last successful push or pulled batch. */
  readonly lastSyncedAt: number | null;
  readonly lastError: (LoggedError & { readonly at: number }) | null;
  readonly quarantinedCount: number;
  /** Open realtime subscriptions. */
  readonly subscriptions: number;
  readonly cache: CacheStats;
}

export type StatusCell = ObservableCell<EngineStatus>;
export type StatusObservable = Observable<EngineStatus>;

export const INITIAL_STATUS: EngineStatus = {
  running: false,
  online: false,
  syncing: false,
  pendingCount: 0,
  failedCount: 0,
  oldestPendingAt: null,
  oldestPendingAgeMs: null,
  lastSyncedAt: null,
  lastError: null,
  quarantinedCount: 0,
  subscriptions: 0,
  cache: { rows: {}, bytes: 0 },
};

export function createStatusCell(): StatusCell {
  return createObservableCell<EngineStatus>(INITIAL_STATUS);
}
