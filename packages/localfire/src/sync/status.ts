/* The engine's status: one immutable, observable snapshot. */
import type { ErrorKind } from '../errors.js';
import type { CacheStats } from '../store/sync-store.js';
import type { LatencyStats } from './latency.js';
import type { LoggedError } from './log.js';
import type { SuspectTimestamp } from './suspect-timestamps.js';
import { createObservableCell } from './observable.js';
import type { Observable, ObservableCell } from './observable.js';

/**
 * Why the engine is offline:
 * - `network-down`: the platform says there is no network (the network monitor);
 * - `network-disabled`: the app switched the network off (the remote's `setNetworkEnabled(false)`);
 * - `server-unreachable`: the network is up but no request has had an answer (a ping timed out);
 * - `signed-out`: the server refuses the credentials (`unauthenticated`);
 * - `denied`: the server answers but refuses every scope (`permission-denied` on all of them).
 */
export type OfflineReason = 'network-down' | 'network-disabled' | 'server-unreachable' | 'signed-out' | 'denied';

/**
 * The engine's connection to the server, learnt from what happens (acks, answered pings,
 * current subscriptions) and the network signals; never from a listener's own idea of its
 * connection. Times are local ms.
 * - `stopped`: the engine is not running;
 * - `connecting`: the network is up and nothing has answered yet (start, network back);
 * - `online`: the server has answered within the probe interval and every listener keeps up;
 * - `degraded`: the server answers (writes are acknowledged) but `behindScopes` listeners
 *   have been behind, with nothing delivered, for longer than the lag grace, since `since`;
 * - `offline`: see {@link OfflineReason}; writes wait (or, server-unreachable, are tried and time out).
 */
export type SyncConnection =
  | { readonly name: 'stopped' }
  | { readonly name: 'connecting'; readonly since: number }
  | { readonly name: 'online'; readonly since: number; readonly lastAnswerAt: number }
  | { readonly name: 'degraded'; readonly since: number; readonly lastAnswerAt: number; readonly behindScopes: number }
  | { readonly name: 'offline'; readonly since: number; readonly reason: OfflineReason; readonly lastAnswerAt: number | null };

/**
 * The library's one-word judgement, so apps need not derive it (first that applies):
 * `stopped`; `offline`; `failed` (writes gave up, a subscription failed for good, or the scopes
 * function threw: waits for the app or the user); `degraded`; `connecting`; `syncing` (writes
 * pending, a batch being applied, or a listener not yet current); `up-to-date` (nothing
 * pending or failed, every listener current, the server answering).
 */
export type SyncPhase = 'stopped' | 'offline' | 'failed' | 'degraded' | 'connecting' | 'syncing' | 'up-to-date';

/** Progress of the first sync of the declared scopes. */
export interface InitialSyncProgress {
  /** Documents applied to scopes that had not yet been current. */
  readonly documentsReceived: number;
  /** Declared scopes whose subscription is current now. */
  readonly scopesCurrent: number;
  readonly scopesTotal: number;
  /** Every declared scope has been current at least once. */
  readonly done: boolean;
}

/** Where the engine stands. Immutable; a new object on every change. */
export interface EngineStatus {
  /** `start()` was called and `stop()` not yet. */
  readonly running: boolean;
  readonly connection: SyncConnection;
  readonly phase: SyncPhase;
  /** The server answers: `connection` is `online` or `degraded`. */
  readonly online: boolean;
  /** A push or a pulled batch is in progress. */
  readonly syncing: boolean;
  /** ROWS with writes waiting for the server (including those backing off), over every collection. */
  readonly pendingCount: number;
  /** ROWS with a write that gave up (non-retryable, or out of retries); kept and shown. */
  readonly failedCount: number;
  /** Pending rows per collection (the chat shows its messages). */
  readonly pendingRows: Readonly<Record<string, number>>;
  /** Failed rows per collection. */
  readonly failedRows: Readonly<Record<string, number>>;
  /** Failed rows by the error kind they failed with. */
  readonly failuresByReason: Readonly<Partial<Record<ErrorKind, number>>>;
  /** Outbox entries behind `pendingCount` / `failedCount` (a row written twice has two). */
  readonly pendingEntries: number;
  readonly failedEntries: number;
  /** Local ms of the oldest unacknowledged write, or null. */
  readonly oldestPendingAt: number | null;
  /** Age of that write when the status was last refreshed, or null. */
  readonly oldestPendingAgeMs: number | null;
  /** Local ms of the last successful push or pulled batch. */
  readonly lastSyncedAt: number | null;
  /**
   * The last error, until recovery (the log keeps every error): a transient (retryable) one
   * clears when the server next answers; one that gave up (a write failed, a scope denied)
   * clears after a `forceSync()` that leaves nothing failed.
   */
  readonly lastError: (LoggedError & { readonly at: number }) | null;
  /** The app's scopes function failed (logged as `scopes-failed`); null once it emits again. */
  readonly scopesError: (LoggedError & { readonly at: number }) | null;
  readonly quarantinedCount: number;
  /**
   * Documents delivered this session whose `updatedAt` was far from their commit time (server
   * code that wrote a literal time; see suspect-timestamps.ts): how many, and the latest few
   * (newest last), each also a `suspect-timestamp` log event.
   */
  readonly suspectTimestamps: { readonly count: number; readonly recent: readonly SuspectTimestamp[] };
  /** Open realtime subscriptions. */
  readonly subscriptions: number;
  readonly initialSync: InitialSyncProgress;
  /**
   * Round trip of a push batch (sent to acknowledged), and of a pulled change (committed on
   * the server to applied locally, realtime changes only, the server's clock mapped to the
   * device's by the offset learnt from acks, so a skewed device clock does not skew it; null
   * until this device's first ack). Over the last 200 of each.
   */
  readonly latency: { readonly push: LatencyStats | null; readonly pull: LatencyStats | null };
  readonly cache: CacheStats;
}

export type StatusCell = ObservableCell<EngineStatus>;
export type StatusObservable = Observable<EngineStatus>;

export const INITIAL_STATUS: EngineStatus = {
  running: false,
  connection: { name: 'stopped' },
  phase: 'stopped',
  online: false,
  syncing: false,
  pendingCount: 0,
  failedCount: 0,
  pendingRows: {},
  failedRows: {},
  failuresByReason: {},
  pendingEntries: 0,
  failedEntries: 0,
  oldestPendingAt: null,
  oldestPendingAgeMs: null,
  lastSyncedAt: null,
  lastError: null,
  scopesError: null,
  quarantinedCount: 0,
  suspectTimestamps: { count: 0, recent: [] },
  subscriptions: 0,
  initialSync: { documentsReceived: 0, scopesCurrent: 0, scopesTotal: 0, done: false },
  latency: { push: null, pull: null },
  cache: { rows: {}, bytes: 0 },
};

export function createStatusCell(): StatusCell {
  return createObservableCell<EngineStatus>(INITIAL_STATUS);
}
