/*
 * The pull loop: keeps one realtime subscription per scope the app declares, opening and
 * closing them as the scope set changes, and applies each delivered batch in one local
 * transaction together with the scope's checkpoint.
 *
 * Per scope:
 *   opening ──checkpoint read──▶ open ──batch──▶ applying ──committed──▶ open
 *      ▲                          │ error (retryable), or a batch that failed to apply
 *      └──── backoff timer ◀──────┘ (resumes from the last committed checkpoint)
 *   non-retryable error ─▶ failed (reported; reopened by retryNow, i.e. forceSync or a
 *                          reconnect, or when the scope set changes)
 *   scope dropped or stop() ─▶ closed (subscription closed, timer cleared)
 */
import { toLocalfireError } from '../errors.js';
import type { LocalfireError } from '../errors.js';
import type { CollectionDef } from '../schema/collection.js';
import type { LocalStore } from '../store/local-store.js';
import type { LiveQuery } from '../store/types.js';
import { applyChanges, parseCheckpoint } from './apply-changes.js';
import type { Backoff } from './backoff.js';
import type { InFlightWrites } from './in-flight.js';
import type { SyncLogWriter } from './log.js';
import { logError } from './log.js';
import type { Checkpoint, RemoteChange, RemotePort, RemoteScope, Subscription } from './remote.js';
import { checkpointMetaKey, scopeKey } from './scope-key.js';

/** Context handed to the app's scope declaration. */
export interface ScopeContext {
  readonly userId: string;
  readonly store: LocalStore;
}

/**
 * The app's declaration of what to keep in step for the signed-in user, as a live query so
 * it can follow local data (e.g. the messages of every local conversation).
 */
export type ScopesFn = (context: ScopeContext) => LiveQuery<readonly RemoteScope[]>;

export interface PullLoopOptions {
  readonly store: LocalStore;
  readonly remote: Pick<RemotePort, 'subscribe'>;
  readonly userId: string;
  readonly scopes: ScopesFn;
  readonly backoff: Backoff;
  readonly clock: () => number;
  readonly log: Pick<SyncLogWriter, 'emit'>;
  readonly onActive?: (active: boolean) => void;
  readonly onSynced?: (at: number) => void;
  readonly onError?: (error: LocalfireError) => void;
  readonly onSubscriptionCount?: (count: number) => void;
  /** Shared with the push loop (see in-flight.ts). */
  readonly inFlight?: InFlightWrites;
  /** A batch was committed (quarantine or rows changed): refresh whatever depends on it. */
  readonly onApplied?: () => void;
}

export interface PullLoop {
  start(): void;
  /** Reopens now the scopes waiting on a retry timer and those that failed for good (reconnect, forceSync). */
  retryNow(): void;
  /** Resolves once no batch is being applied and no subscription is being opened. */
  whenIdle(): Promise<void>;
  /** Closes every subscription and timer; nothing is called afterwards. */
  stop(): void;
}

interface ScopeEntry {
  readonly key: string;
  readonly scope: RemoteScope;
  subscription: Subscription | null;
  retryTimer: ReturnType<typeof setTimeout> | null;
  /** Failed with a non-retryable error: no timer; only retryNow reopens it. */
  failed: boolean;
  failures: number;
  /** Bumped on every (re)open: late deliveries of an older subscription are ignored. */
  generation: number;
  closed: boolean;
}

export function createPullLoop(options: PullLoopOptions): PullLoop {
  const { store, remote, backoff, log, clock } = options;
  const defs = new Map<string, CollectionDef>(store.collections.map((d) => [d.name, d]));
  const entries = new Map<string, ScopeEntry>();
  const inFlight = new Set<Promise<unknown>>();
  let unsubscribeScopes: (() => void) | null = null;
  let stopped = false;
  let busy = 0;

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };
  const setBusy = (delta: number): void => {
    const before = busy;
    busy += delta;
    if ((before === 0) !== (busy === 0)) options.onActive?.(busy > 0);
  };
  const countOpen = (): void => options.onSubscriptionCount?.([...entries.values()].filter((e) => e.subscription !== null).length);

  function onScopes(scopes: readonly RemoteScope[]): void {
    if (stopped) return;
    const wanted = new Map(scopes.map((s) => [scopeKey(s), s]));
    for (const [key, entry] of entries) {
      if (!wanted.has(key)) close(entry);
    }
    for (const [key, scope] of wanted) {
      if (entries.has(key)) continue;
      const entry: ScopeEntry = { key, scope, subscription: null, retryTimer: null, failed: false, failures: 0, generation: 0, closed: false };
      entries.set(key, entry);
      void track(open(entry));
    }
  }

  async function open(entry: ScopeEntry): Promise<void> {
    const generation = ++entry.generation;
    let from: Checkpoint | null;
    try {
      from = parseCheckpoint(await store.sync.transaction((tx) => tx.getMeta(checkpointMetaKey(entry.key))));
    } catch (e) {
      fail(entry, toLocalfireError(e), generation);
      return;
    }
    if (entry.closed || stopped || generation !== entry.generation) return;
    let failedEarly = false;
    try {
      const subscription = remote.subscribe(entry.scope, from, {
        onChanges: (changes, checkpoint) => track(apply(entry, generation, changes, checkpoint)),
        onError: (error) => {
          failedEarly = entry.subscription === null;
          fail(entry, error, generation);
        },
      });
      if (failedEarly) return;
      entry.subscription = subscription;
    } catch (e) {
      fail(entry, toLocalfireError(e), generation);
      return;
    }
    log.emit({ type: 'subscription-opened', scope: entry.key, resumed: from !== null });
    countOpen();
  }

  async function apply(entry: ScopeEntry, generation: number, changes: readonly RemoteChange[], checkpoint: Checkpoint | null): Promise<void> {
    if (entry.closed || stopped || generation !== entry.generation) return;
    setBusy(1);
    const started = clock();
    try {
      if (changes.length > 0) log.emit({ type: 'sync-started', direction: 'pull', count: changes.length, scope: entry.key });
      const metaKey = checkpointMetaKey(entry.key);
      const result = await store.sync.transaction((tx) => applyChanges(tx, defs, changes, { metaKey, value: checkpoint }, (doc) => options.inFlight?.noteSnapshot(doc)));
      entry.failures = 0;
      for (const c of result.conflicts) log.emit({ type: 'conflict-detected', ...c });
      for (const q of result.quarantined) log.emit({ type: 'quarantined', ...q });
      const now = clock();
      if (changes.length > 0) log.emit({ type: 'sync-succeeded', direction: 'pull', count: changes.length, durationMs: now - started, scope: entry.key });
      options.onSynced?.(now);
      if (result.quarantined.length > 0 || result.written > 0 || result.purged > 0) options.onApplied?.();
    } catch (e) {
      const error = toLocalfireError(e);
      log.emit({ type: 'sync-failed', direction: 'pull', count: changes.length, error: logError(error), paths: [], scope: entry.key });
      // The batch was rolled back with its checkpoint: resubscribe from the last committed one.
      fail(entry, error, generation, true);
    } finally {
      setBusy(-1);
    }
  }

  function fail(entry: ScopeEntry, error: LocalfireError, generation: number, forceRetry = false): void {
    if (entry.closed || stopped || generation !== entry.generation) return;
    entry.subscription?.close();
    entry.subscription = null;
    countOpen();
    options.onError?.(error);
    const retry = error.retryable || forceRetry;
    const delay = retry ? (backoff.delay(Math.min(++entry.failures, backoff.maxRetries)) ?? 0) : null;
    log.emit({ type: 'subscription-failed', scope: entry.key, error: logError(error), retryInMs: delay });
    if (delay === null) {
      entry.failed = true;
      return;
    }
    entry.retryTimer = setTimeout(() => {
      entry.retryTimer = null;
      void track(open(entry));
    }, delay);
  }

  function close(entry: ScopeEntry): void {
    entry.closed = true;
    entry.subscription?.close();
    entry.subscription = null;
    if (entry.retryTimer !== null) clearTimeout(entry.retryTimer);
    entry.retryTimer = null;
    entries.delete(entry.key);
    log.emit({ type: 'subscription-closed', scope: entry.key });
    countOpen();
  }

  return {
    start() {
      if (stopped || unsubscribeScopes) return;
      unsubscribeScopes = options.scopes({ userId: options.userId, store }).subscribe(onScopes, (e) => options.onError?.(toLocalfireError(e)));
    },
    retryNow() {
      for (const entry of entries.values()) {
        if (entry.retryTimer === null && !entry.failed) continue;
        if (entry.retryTimer !== null) clearTimeout(entry.retryTimer);
        entry.retryTimer = null;
        entry.failed = false;
        void track(open(entry));
      }
    },
    async whenIdle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    stop() {
      stopped = true;
      unsubscribeScopes?.();
      unsubscribeScopes = null;
      for (const entry of [...entries.values()]) close(entry);
    },
  };
}
