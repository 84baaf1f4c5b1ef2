/*
 * The sync engine: a small wiring of the push loop, the pull loop, the network monitor, the
 * status cell and the log. It owns no policy of its own.
 */
import { LocalfireError } from '../errors.js';
import type { LocalStore } from '../store/local-store.js';
import { createBackoff } from './backoff.js';
import { createInFlightWrites } from './in-flight.js';
import type { BackoffOptions } from './backoff.js';
import { createSyncLog, logError } from './log.js';
import type { SyncLog, SyncLogSink } from './log.js';
import { networkFromRemote } from './network.js';
import type { NetworkMonitor } from './network.js';
import type { Observable } from './observable.js';
import { createPullLoop } from './pull-loop.js';
import type { ScopesFn } from './pull-loop.js';
import { createPushLoop } from './push-loop.js';
import type { RemotePort } from './remote.js';
import { createStatusRefresher } from './status-refresher.js';
import { createStatusCell } from './status.js';
import type { EngineStatus } from './status.js';
import { createWriteControl } from './write-control.js';
import type { WriteControl } from './write-control.js';

export interface SyncEngineOptions {
  readonly store: LocalStore;
  readonly remote: RemotePort;
  /** The signed-in user: scopes are declared for them. */
  readonly userId: string;
  /** What to keep in step (see {@link ScopesFn}). */
  readonly scopes: ScopesFn;
  /** Default: the remote's connection state. */
  readonly network?: NetworkMonitor;
  /** Local ms. Default `Date.now`. Must be the store's clock (outbox times are compared with it). */
  readonly clock?: () => number;
  /** [0, 1), for backoff jitter. Default `Math.random`. */
  readonly random?: () => number;
  readonly logSink?: SyncLogSink;
  /** Ring buffer size of the in-memory log. Default 500. */
  readonly logCapacity?: number;
  /** Push retry schedule. Default 1 s, 2 s, 4 s, 8 s, 16 s (±20 %), then failed. */
  readonly backoff?: BackoffOptions;
  /** Period of the catch-all worker (push what is due, refresh status). Default 10 000 ms. */
  readonly periodicMs?: number;
  /** Deadline of one remote batch write. Default 15 000 ms. */
  readonly pushDeadlineMs?: number;
}

/**
 * Keeps a local store and a remote in step. `start()` opens the subscriptions and pushes
 * whatever is waiting (failed writes included); `stop()` releases every listener, timer and
 * subscription. Restartable: `start()` after `stop()` runs again.
 */
export interface SyncEngine extends WriteControl {
  start(): Promise<void>;
  /** Stops everything and waits for the in-flight work to settle. Idempotent. */
  stop(): Promise<void>;
  /**
   * Pushes every pending write now (ignoring backoff), retries failed ones, reopens failed
   * subscriptions; resolves when that work is done. Rejects `closed` when not running.
   */
  forceSync(): Promise<void>;
  /** Drops synced rows of evictable collections. Never a pending or failed write. */
  clearCache(): Promise<Readonly<Record<string, number>>>;
  /** Resolves once no push pass, pulled batch or status refresh is in progress. */
  whenIdle(): Promise<void>;
  readonly status: Observable<EngineStatus>;
  readonly log: SyncLog;
}

interface Running {
  readonly push: ReturnType<typeof createPushLoop>;
  readonly pull: ReturnType<typeof createPullLoop>;
  readonly disposers: (() => void)[];
}

export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  const { store, remote } = options;
  const clock = options.clock ?? Date.now;
  const network = options.network ?? networkFromRemote(remote);
  const backoff = createBackoff(options.backoff, options.random);
  const log = createSyncLog({ clock, ...(options.logSink ? { sink: options.logSink } : {}), ...(options.logCapacity ? { capacity: options.logCapacity } : {}) });
  const status = createStatusCell();
  const refresher = createStatusRefresher({ store: store.sync, status, clock });
  const isOnline = (): boolean => network.state === 'online';
  let activity = 0;
  let running: Running | null = null;
  const writes = createWriteControl({ store: store.sync, log, push: () => running?.push.kick() });

  const setActive = (active: boolean): void => {
    activity += active ? 1 : -1;
    status.update({ syncing: activity > 0 });
  };
  const onError = (error: LocalfireError): void => {
    status.update({ lastError: { ...logError(error), at: clock() } });
  };
  const onSynced = (at: number): void => status.update({ lastSyncedAt: at });

  function wire(): Running {
    const inFlight = createInFlightWrites();
    const push = createPushLoop({
      collections: new Map(store.collections.map((d) => [d.name, d])),
      inFlight,
      store: store.sync,
      remote,
      backoff,
      clock,
      log,
      isOnline,
      deadlineMs: options.pushDeadlineMs ?? 15_000,
      onActive: setActive,
      onSynced,
      onError,
    });
    const pull = createPullLoop({
      store,
      remote,
      userId: options.userId,
      scopes: options.scopes,
      backoff,
      clock,
      log,
      onActive: setActive,
      onSynced,
      onError,
      onSubscriptionCount: (subscriptions) => status.update({ subscriptions }),
      onApplied: () => refresher.request(),
      inFlight,
    });
    const disposers: (() => void)[] = [];
    if (remote.onStall) disposers.push(remote.onStall((stall) => log.emit({ type: 'stalled', ...stall })));
    disposers.push(
      store.sync.onOutboxChange(() => {
        push.kick();
        refresher.request();
      }),
    );
    disposers.push(
      network.subscribe((state) => {
        status.update({ online: state === 'online' });
        log.emit({ type: state });
        if (state === 'online') {
          push.kick({ force: true });
          pull.retryNow();
        }
      }),
    );
    const periodic = setInterval(() => {
      push.kick();
      refresher.request();
    }, options.periodicMs ?? 10_000);
    disposers.push(() => clearInterval(periodic));
    return { push, pull, disposers };
  }

  const whenIdle = async (): Promise<void> => {
    for (;;) {
      const r = running;
      await Promise.all([r?.push.whenIdle(), r?.pull.whenIdle(), refresher.whenIdle()]);
      if (r === running && activity === 0 && !refresher.busy()) return;
    }
  };

  return {
    status,
    log,
    whenIdle,
    retry: (ref) => writes.retry(ref),
    discard: (ref) => writes.discard(ref),
    failedWrites: writes.failedWrites,
    async start() {
      if (running) return;
      running = wire();
      status.update({ running: true, online: isOnline() });
      running.pull.start();
      running.push.kick({ force: true });
      refresher.request();
      await refresher.whenIdle();
    },
    async stop() {
      const r = running;
      if (!r) return;
      running = null;
      r.push.stop();
      r.pull.stop();
      for (const dispose of r.disposers) dispose();
      // A batch still being committed asks for a status refresh when it ends: wait for it after.
      await Promise.all([r.push.whenIdle(), r.pull.whenIdle()]);
      await refresher.whenIdle();
      status.update({ running: false, syncing: false, subscriptions: 0 });
    },
    async forceSync() {
      const r = running;
      if (!r) throw new LocalfireError('closed', 'the sync engine is not running');
      r.pull.retryNow();
      r.push.kick({ force: true });
      await whenIdle();
      refresher.request();
      await refresher.whenIdle();
    },
    async clearCache() {
      const removed = await store.sync.clearCache();
      for (const [collection, count] of Object.entries(removed)) {
        if (count > 0) log.emit({ type: 'cache-evicted', collection, count });
      }
      refresher.request();
      await refresher.whenIdle();
      return removed;
    },
  };
}
