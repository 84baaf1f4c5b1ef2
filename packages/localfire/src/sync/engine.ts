/*
 * The sync engine: a small wiring of the push loop, the pull loop, the network signals, the
 * server's reachability, the status cell and the log. It owns no policy of its own.
 *
 * Pushing is gated by the network alone (the platform's monitor and the app's switch, i.e.
 * the remote's connection state); listener health never stops a push. What the status says
 * about the server is learnt from what happens (reachability.ts) and judged in connection.ts.
 */
import { LocalfireError } from '../errors.js';
import type { LocalStore } from '../store/local-store.js';
import { createBackoff } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import { deriveConnection, derivePhase, initialSyncOf, lagOf } from './connection.js';
import { createInFlightWrites } from './in-flight.js';
import { createSyncMeasurements } from './measurements.js';
import { createSyncLog, logError } from './log.js';
import type { SyncLog, SyncLogSink } from './log.js';
import { alwaysOnline, networkFromRemote } from './network.js';
import type { NetworkMonitor } from './network.js';
import type { Observable } from './observable.js';
import { createPullLoop } from './pull-loop.js';
import type { ScopesFn } from './pull-loop.js';
import { createPushLoop } from './push-loop.js';
import { createReachability } from './reachability.js';
import type { Reachability } from './reachability.js';
import type { RemotePort } from './remote.js';
import { createStatusRefresher } from './status-refresher.js';
import { createStatusCell } from './status.js';
import type { EngineStatus, StatusCell } from './status.js';
import { createWriteControl } from './write-control.js';
import type { WriteControl } from './write-control.js';

export interface SyncEngineOptions {
  readonly store: LocalStore;
  readonly remote: RemotePort;
  /** The signed-in user: scopes are declared for them. */
  readonly userId: string;
  /** What to keep in step (see {@link ScopesFn}). */
  readonly scopes: ScopesFn;
  /**
   * The platform's network signal (e.g. `networkFromBrowser(window)`). Default: always
   * online. The app's own switch is the remote's connection state (`setNetworkEnabled`),
   * followed in any case; listeners' health is never part of it.
   */
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
  /**
   * When nothing (an ack, a current listener, a pulled batch) has shown the server answering
   * for this long, the engine asks with `remote.ping()`. Default 30 000 ms: one billed read
   * per 30 s of an otherwise silent device (120 an hour) bounds how long a dead server goes
   * unnoticed to this plus `pingTimeoutMs` (40 s), inside the minute users notice.
   */
  readonly probeIntervalMs?: number;
  /** A ping without an answer in this long means the server is unreachable. Default 10 000 ms. */
  readonly pingTimeoutMs?: number;
  /**
   * A listener behind the server with nothing delivered for this long makes the connection
   * `degraded`. Default 5 000 ms: the spec's promise for a change to reach another device.
   */
  readonly lagGraceMs?: number;
  /**
   * A delivered document whose `updatedAt` is further than this from its commit time is
   * reported (`suspect-timestamp` event, `status.suspectTimestamps`) and still applied.
   * Default {@link DEFAULT_SUSPECT_TIMESTAMP_MS} (60 s).
   */
  readonly suspectTimestampMs?: number;
}

/**
 * Keeps a local store and a remote in step. `start()` opens the subscriptions and pushes
 * whatever is waiting (failed writes included); `stop()` releases every listener, timer and
 * subscription. Restartable: `start()` after `stop()` runs again. Closing the store stops
 * the engine.
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
  /**
   * Resolves when every declared scope is current and nothing is pending (failed writes do
   * not hold it: they wait for the user). Rejects `closed` if the engine stops first, or
   * `aborted` when `signal` aborts.
   */
  whenSynced(options?: { readonly signal?: AbortSignal }): Promise<void>;
  readonly status: Observable<EngineStatus>;
  readonly log: SyncLog;
}

interface Running {
  readonly push: ReturnType<typeof createPushLoop>;
  readonly pull: ReturnType<typeof createPullLoop>;
  readonly reach: Reachability;
  readonly disposers: (() => void)[];
}

/** How many suspect timestamps the status keeps (the log has them all). */
const SUSPECTS_KEPT = 20;

export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  const { store, remote } = options;
  const clock = options.clock ?? Date.now;
  const platform = options.network ?? alwaysOnline;
  const networkSwitch = networkFromRemote(remote);
  const lagGraceMs = options.lagGraceMs ?? 5_000;
  const backoff = createBackoff(options.backoff, options.random);
  const log = createSyncLog({ clock, ...(options.logSink ? { sink: options.logSink } : {}), ...(options.logCapacity ? { capacity: options.logCapacity } : {}) });
  const cell = createStatusCell();
  const measurements = createSyncMeasurements(clock);
  const networkUp = (): boolean => platform.state === 'online' && networkSwitch.state === 'online';
  let activity = 0;
  let running: Running | null = null;
  const writes = createWriteControl({ store: store.sync, log, push: () => running?.push.kick() });
  let lagTimer: ReturnType<typeof setTimeout> | null = null;
  /** Which loop reported `lastError`: only that loop's next success is its recovery. */
  let lastErrorFrom: 'push' | 'pull' | null = null;
  /** Outbox changes committed, and how many of them the status counters have read: until equal, the counts may be stale. */
  let outboxChanges = 0;
  let outboxCounted = 0;
  const countsFresh = (): boolean => outboxCounted === outboxChanges;

  /** Every status change goes through here, so the connection and the phase are judged on the same snapshot. */
  function commit(patch: Partial<EngineStatus>): void {
    const next = { ...cell.get(), ...patch };
    const r = running;
    const scopes = r?.pull.reports() ?? [];
    const now = clock();
    const lag = lagOf(scopes, now, lagGraceMs);
    if (lagTimer !== null) clearTimeout(lagTimer);
    lagTimer = r && lag.nextCheckAt !== null ? setTimeout(() => commit({}), Math.max(0, lag.nextCheckAt - now)) : null;
    const connection = deriveConnection({
      running: r !== null,
      platform: platform.state,
      networkSwitch: networkSwitch.state,
      server: r?.reach.state ?? { name: 'unknown', since: now, lastAnswerAt: null },
      scopes,
      lag,
      now,
      previous: next.connection,
    });
    if (connection.name !== next.connection.name || (connection.name === 'offline' && next.connection.name === 'offline' && connection.reason !== next.connection.reason)) {
      if (connection.name !== 'stopped') log.emit({ type: 'connection', state: connection.name, ...(connection.name === 'offline' ? { reason: connection.reason } : {}) });
    }
    const derived = {
      ...next,
      connection,
      online: connection.name === 'online' || connection.name === 'degraded',
      subscriptions: scopes.filter((s) => s.state === 'current' || s.state === 'behind').length,
      initialSync: initialSyncOf(scopes, r?.pull.declared() ?? false),
      latency: measurements.latency(),
    };
    cell.set({ ...derived, phase: derivePhase(derived, scopes, r?.pull.declared() ?? false, countsFresh()) });
  }
  const status: StatusCell = { ...cell, update: commit };
  const refresher = createStatusRefresher({
    store: store.sync,
    status,
    clock,
    beforeRead: () => outboxChanges,
    onCounted: (seen) => {
      outboxCounted = Math.max(outboxCounted, seen);
    },
  });

  const setActive = (active: boolean): void => {
    activity += active ? 1 : -1;
    commit({ syncing: activity > 0 });
  };
  const onError = (error: LocalfireError, from: 'push' | 'pull'): void => {
    lastErrorFrom = from;
    commit({ lastError: { ...logError(error), at: clock() } });
  };
  const onSynced = (at: number): void => commit({ lastSyncedAt: at });
  /** The server answered `from` a loop: a transient last error of that loop is history (the log keeps it). */
  const answered = (r: Running, from: 'push' | 'pull'): void => {
    r.reach.answered();
    if (cell.get().lastError?.retryable === true && lastErrorFrom === from) commit({ lastError: null });
  };
  /** After forceSync: an error that gave up is history too once nothing is failed. */
  const clearSettledError = (r: Running): void => {
    const s = cell.get();
    if (s.lastError !== null && s.failedCount === 0 && s.scopesError === null && !r.pull.reports().some((scope) => scope.state === 'failed')) commit({ lastError: null });
  };

  function wire(): Running {
    const inFlight = createInFlightWrites();
    let self: Running | null = null;
    const current = (): Running | null => (self !== null && running === self ? self : null);
    const reach = createReachability({
      clock,
      ...(remote.ping ? { ping: (o: { readonly signal: AbortSignal }) => remote.ping?.(o) ?? Promise.resolve() } : {}),
      probeIntervalMs: options.probeIntervalMs ?? 30_000,
      pingTimeoutMs: options.pingTimeoutMs ?? 10_000,
      canProbe: () => current() !== null && networkUp(),
      onChange: (state) => {
        const r = current();
        if (!r) return;
        const wasAway = lastAnswer === 'silent' || lastAnswer === 'refused';
        lastAnswer = state.name;
        commit({});
        // The server is back after an outage: like a reconnect, push what waits (writes that
        // timed out into 'failed' meanwhile included) and reopen failed listeners.
        if (wasAway && state.name === 'answering') {
          r.push.kick({ force: true });
          r.pull.retryNow();
        }
      },
    });
    let lastAnswer = reach.state.name;
    const push = createPushLoop({
      collections: new Map(store.collections.map((d) => [d.name, d])),
      inFlight,
      store: store.sync,
      remote: measurements.timedWrites(remote, {
        onAnswer: () => {
          const r = current();
          if (r) answered(r, 'push');
        },
        onFailure: (error) => current()?.reach.failed(error),
      }),
      backoff,
      clock,
      log,
      isOnline: () => current() !== null && networkUp(),
      deadlineMs: options.pushDeadlineMs ?? 15_000,
      onActive: setActive,
      onSynced,
      onError: (error) => onError(error, 'push'),
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
      onError: (error) => {
        onError(error, 'pull');
        current()?.reach.failed(error);
      },
      onScopesError: (error) => commit({ scopesError: error === null ? null : { ...logError(error), at: clock() } }),
      onScopesChange: () => {
        if (current()) commit({});
      },
      onCurrent: () => {
        const r = current();
        if (r) answered(r, 'pull');
      },
      onPulled: (pulled) => {
        const r = current();
        if (!r || !pulled.realtime || pulled.changes.length === 0) return;
        answered(r, 'pull');
        measurements.notePulled(pulled);
      },
      onApplied: () => refresher.request(),
      ...(options.suspectTimestampMs === undefined ? {} : { suspectTimestampMs: options.suspectTimestampMs }),
      onSuspectTimestamps: (found) => {
        const { count, recent } = cell.get().suspectTimestamps;
        commit({ suspectTimestamps: { count: count + found.length, recent: [...recent, ...found].slice(-SUSPECTS_KEPT) } });
      },
      inFlight,
    });
    // Closing the store stops the engine: a forgotten stop() leaves nothing running.
    const disposers: (() => void)[] = [() => reach.stop(), store.onClose(stop)];
    if (remote.onStall) disposers.push(remote.onStall((stall) => log.emit({ type: 'stalled', ...stall })));
    disposers.push(
      store.sync.onOutboxChange(() => {
        // A write just committed is not in the counters yet: never 'up-to-date' until they are read again.
        outboxChanges++;
        commit({});
        push.kick();
        refresher.request();
      }),
    );
    let wasUp = networkUp();
    const onNetwork = (): void => {
      const up = networkUp();
      if (up !== wasUp) {
        wasUp = up;
        log.emit({ type: up ? 'online' : 'offline' });
        if (up) {
          reach.reset();
          push.kick({ force: true });
          pull.retryNow();
        } else {
          reach.reschedule();
        }
      }
      commit({});
    };
    disposers.push(platform.subscribe(onNetwork), networkSwitch.subscribe(onNetwork));
    const periodic = setInterval(() => {
      push.kick();
      refresher.request();
    }, options.periodicMs ?? 10_000);
    disposers.push(() => clearInterval(periodic));
    self = { push, pull, reach, disposers };
    return self;
  }

  const whenIdle = async (): Promise<void> => {
    for (;;) {
      const r = running;
      await Promise.all([r?.push.whenIdle(), r?.pull.whenIdle(), refresher.whenIdle()]);
      if (r === running && activity === 0 && !refresher.busy()) return;
    }
  };

  const isSynced = (): boolean => {
    const r = running;
    const s = cell.get();
    if (!r || !r.pull.declared() || !countsFresh() || s.syncing || s.pendingCount > 0 || s.pendingEntries > 0) return false;
    return r.pull.reports().every((scope) => scope.state === 'current');
  };

  async function whenSynced(waitOptions: { readonly signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = waitOptions;
    for (;;) {
      await new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (signal?.aborted) finish(new LocalfireError('aborted', 'whenSynced was aborted'));
          else if (running === null) finish(new LocalfireError('closed', 'the sync engine is not running'));
          else if (isSynced()) finish(null);
        };
        const onAbort = (): void => check();
        const unsubscribe = cell.subscribe(check);
        const finish = (error: LocalfireError | null): void => {
          unsubscribe();
          signal?.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        check();
      });
      // The counters may lag a write committed a moment ago: look again once they are fresh.
      await whenIdle();
      if (isSynced()) return;
    }
  }

  async function stop(): Promise<void> {
    const r = running;
    if (!r) return;
    running = null;
    r.push.stop();
    r.pull.stop();
    for (const dispose of r.disposers) dispose();
    if (lagTimer !== null) clearTimeout(lagTimer);
    lagTimer = null;
    // A batch still being committed asks for a status refresh when it ends: wait for it after.
    await Promise.all([r.push.whenIdle(), r.pull.whenIdle()]);
    await refresher.whenIdle();
    commit({ running: false, syncing: false });
  }

  return {
    status: cell,
    log,
    whenIdle,
    retry: (ref) => writes.retry(ref),
    discard: (ref) => writes.discard(ref),
    failedWrites: writes.failedWrites,
    whenSynced,
    async start() {
      if (running) return;
      running = wire();
      commit({ running: true });
      running.reach.reset();
      running.pull.start();
      running.push.kick({ force: true });
      refresher.request();
      await refresher.whenIdle();
    },
    stop,
    async forceSync() {
      const r = running;
      if (!r) throw new LocalfireError('closed', 'the sync engine is not running');
      r.pull.retryNow();
      r.push.kick({ force: true });
      await whenIdle();
      refresher.request();
      await refresher.whenIdle();
      if (running === r) clearSettledError(r);
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
