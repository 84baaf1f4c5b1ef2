/*
 * The pull loop: keeps one realtime subscription per scope the app declares, opening and
 * closing them as the scope set changes, and applies each delivered batch in one local
 * transaction together with the scope's checkpoint.
 *
 * Per scope (ScopeState):
 *   opening ──checkpoint read, subscribe──▶ open (behind | current, as the remote reports)
 *      ▲                                     │ error (retryable), or a batch that failed to apply
 *      └──── retrying (backoff timer) ◀──────┘ (resumes from the last committed checkpoint)
 *   non-retryable error ─▶ failed (reported; reopened by retryNow, i.e. forceSync or a
 *                          reconnect, or when the scope set changes)
 *   scope dropped or stop() ─▶ closed (subscription closed, timer cleared)
 * The scopes function: a failure is logged (`scopes-failed`) and reported; its live query is
 * subscribed again after a backoff (open scopes stay open meanwhile).
 */
import { toLocalfireError, unreachable } from '../errors.js';
import type { LocalfireError } from '../errors.js';
import type { CollectionDef } from '../schema/collection.js';
import type { LocalStore } from '../store/local-store.js';
import type { LiveQuery } from '../store/types.js';
import { applyChanges, parseCheckpoint } from './apply-changes.js';
import type { Backoff } from './backoff.js';
import type { InFlightWrites } from './in-flight.js';
import type { SyncLogWriter } from './log.js';
import { logError } from './log.js';
import type { Checkpoint, RemoteChange, RemotePort, RemoteScope, Subscription, SubscriptionSyncState } from './remote.js';
import { childRemovals } from './cascade.js';
import { reconcileScope } from './scope-reconcile.js';
import { hasFieldFilters, matchesScope } from './scope-match.js';
import { checkpointMetaKey, scopeKey } from './scope-key.js';
import { DEFAULT_SUSPECT_TIMESTAMP_MS, findSuspectTimestamps } from './suspect-timestamps.js';
import type { SuspectTimestamp } from './suspect-timestamps.js';

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

/** Where one scope's subscription stands, as the status sees it. */
export interface ScopeReport {
  readonly key: string;
  /** `behind` / `current` are the remote's word (`onSyncState`); an open scope is `behind` until it says `current`. */
  readonly state: 'opening' | 'behind' | 'current' | 'retrying' | 'failed';
  /** Local ms when `state` began. */
  readonly since: number;
  /** Local ms of the last batch applied, or null. */
  readonly lastDeliveryAt: number | null;
  /** The scope has been current at least once since it was declared (its initial sync is done). */
  readonly initialSyncDone: boolean;
  /** Documents applied before the scope was first current. */
  readonly initialDocuments: number;
  /** Set when `state` is `retrying` or `failed`. */
  readonly error: LocalfireError | null;
}

/** One batch applied, for the engine's latency and reachability figures. */
export interface AppliedPull {
  readonly scope: string;
  readonly changes: readonly RemoteChange[];
  /** The scope was current when the batch arrived: these are realtime changes, not catch-up. */
  readonly realtime: boolean;
  /** Local ms when the batch was committed. */
  readonly at: number;
}

export interface PullLoopOptions {
  readonly store: LocalStore;
  readonly remote: Pick<RemotePort, 'subscribe' | 'countInScope' | 'stillInScope'>;
  /** A delivered document whose `updatedAt` is further than this from its commit is reported (see suspect-timestamps.ts). */
  readonly suspectTimestampMs?: number;
  /** Told of each such document, after its batch is applied. */
  readonly onSuspectTimestamps?: (found: readonly SuspectTimestamp[]) => void;
  readonly userId: string;
  readonly scopes: ScopesFn;
  readonly backoff: Backoff;
  readonly clock: () => number;
  readonly log: Pick<SyncLogWriter, 'emit'>;
  readonly onActive?: (active: boolean) => void;
  readonly onSynced?: (at: number) => void;
  readonly onError?: (error: LocalfireError) => void;
  /** The scopes function failed (`error`), or emitted again after failing (`null`). */
  readonly onScopesError?: (error: LocalfireError | null) => void;
  /** Any scope's {@link ScopeReport} changed, or the scope set did. */
  readonly onScopesChange?: () => void;
  /** Shared with the push loop (see in-flight.ts). */
  readonly inFlight?: InFlightWrites;
  /** A batch was committed (quarantine or rows changed): refresh whatever depends on it. */
  readonly onApplied?: () => void;
  /** Every committed batch (also empty ones). */
  readonly onPulled?: (pull: AppliedPull) => void;
  /** A scope's subscription reported `current` (the server answered it). */
  readonly onCurrent?: (scope: string) => void;
}

export interface PullLoop {
  start(): void;
  /** Reopens now the scopes waiting on a retry timer and those that failed for good (reconnect, forceSync). */
  retryNow(): void;
  /** Resolves once no batch is being applied and no subscription is being opened. */
  whenIdle(): Promise<void>;
  /** Closes every subscription and timer; nothing is called afterwards. */
  stop(): void;
  /** Every declared scope, in declaration order. */
  reports(): readonly ScopeReport[];
  /** The scopes function has emitted a scope set (until then nothing can be current). */
  declared(): boolean;
}

type ScopeState =
  | { readonly name: 'opening' }
  | { readonly name: 'open'; readonly subscription: Subscription; readonly sync: SubscriptionSyncState }
  | { readonly name: 'retrying'; readonly timer: ReturnType<typeof setTimeout>; readonly error: LocalfireError }
  | { readonly name: 'failed'; readonly error: LocalfireError }
  | { readonly name: 'closed' };

interface ScopeEntry {
  readonly key: string;
  readonly scope: RemoteScope;
  state: ScopeState;
  /** Local ms when `state` (or, while open, its sync state) began. */
  since: number;
  failures: number;
  /** Bumped on every (re)open: late deliveries of an older subscription are ignored. */
  generation: number;
  lastDeliveryAt: number | null;
  initialSyncDone: boolean;
  initialDocuments: number;
}

export function createPullLoop(options: PullLoopOptions): PullLoop {
  const { store, remote, backoff, log, clock } = options;
  const defs = new Map<string, CollectionDef>(store.collections.map((d) => [d.name, d]));
  const entries = new Map<string, ScopeEntry>();
  const inFlight = new Set<Promise<unknown>>();
  let unsubscribeScopes: (() => void) | null = null;
  /** Consecutive failures of the scopes function, and the timer that asks it again. */
  let scopesFailures = 0;
  let scopesRetry: ReturnType<typeof setTimeout> | null = null;
  let declared = false;
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
  const isLive = (entry: ScopeEntry, generation: number): boolean => entry.state.name !== 'closed' && !stopped && generation === entry.generation;

  function setState(entry: ScopeEntry, state: ScopeState): void {
    const previous = entry.state;
    if (previous.name === 'retrying') clearTimeout(previous.timer);
    if (previous.name === 'open' && state.name !== 'open') previous.subscription.close();
    entry.state = state;
    entry.since = clock();
    if (state.name === 'open' && state.sync === 'current') entry.initialSyncDone = true;
    options.onScopesChange?.();
  }

  function onScopes(scopes: readonly RemoteScope[]): void {
    if (stopped) return;
    declared = true;
    if (scopesFailures > 0) {
      scopesFailures = 0;
      options.onScopesError?.(null);
    }
    const wanted = new Map(scopes.map((s) => [scopeKey(s), s]));
    for (const [key, entry] of entries) {
      if (!wanted.has(key)) close(entry);
    }
    for (const [key, scope] of wanted) {
      if (entries.has(key)) continue;
      const entry: ScopeEntry = {
        key, scope, state: { name: 'opening' }, since: clock(), failures: 0, generation: 0, lastDeliveryAt: null, initialSyncDone: false, initialDocuments: 0,
      };
      entries.set(key, entry);
      void track(open(entry));
    }
    options.onScopesChange?.();
  }

  function onScopesFailed(e: unknown): void {
    if (stopped) return;
    const error = toLocalfireError(e);
    log.emit({ type: 'scopes-failed', error: logError(error) });
    options.onScopesError?.(error);
    // A failed live query may never run again: ask the scopes function anew after a backoff.
    // The subscriptions already open stay as they are meanwhile.
    unsubscribeScopes?.();
    unsubscribeScopes = null;
    const delay = backoff.delay(Math.min(++scopesFailures, backoff.maxRetries)) ?? 0;
    scopesRetry = setTimeout(() => {
      scopesRetry = null;
      subscribeScopes();
    }, delay);
  }

  function subscribeScopes(): void {
    if (stopped || unsubscribeScopes) return;
    const off = options.scopes({ userId: options.userId, store }).subscribe(onScopes, onScopesFailed);
    if (scopesRetry !== null) off();
    else unsubscribeScopes = off;
  }

  async function open(entry: ScopeEntry): Promise<void> {
    const generation = ++entry.generation;
    if (entry.state.name !== 'opening') setState(entry, { name: 'opening' });
    let from: Checkpoint | null;
    try {
      from = parseCheckpoint(await store.sync.transaction((tx) => tx.getMeta(checkpointMetaKey(entry.key))));
    } catch (e) {
      fail(entry, toLocalfireError(e), generation);
      return;
    }
    if (!isLive(entry, generation)) return;
    let syncBeforeOpen: SubscriptionSyncState = 'behind';
    let wasCurrent = false;
    try {
      const subscription = remote.subscribe(entry.scope, from, {
        onChanges: (changes, checkpoint) => track(apply(entry, generation, changes, checkpoint)),
        onError: (error) => fail(entry, error, generation),
        onSyncState: (sync) => {
          if (!isLive(entry, generation)) return;
          if (entry.state.name !== 'open') syncBeforeOpen = sync;
          else if (entry.state.sync !== sync) setState(entry, { ...entry.state, sync });
          if (sync !== 'current') return;
          // A field-filtered scope current again after a resume or a time behind (offline, a
          // stall): find what left it while no listener could say so.
          if ((from !== null || wasCurrent) && hasFieldFilters(entry.scope)) void track(reconcile(entry, generation));
          wasCurrent = true;
          options.onCurrent?.(entry.key);
        },
      });
      // The remote may have failed (or reported) from inside subscribe.
      if (!isLive(entry, generation) || entry.state.name !== 'opening') {
        subscription.close();
        return;
      }
      setState(entry, { name: 'open', subscription, sync: syncBeforeOpen });
    } catch (e) {
      fail(entry, toLocalfireError(e), generation);
      return;
    }
    log.emit({ type: 'subscription-opened', scope: entry.key, resumed: from !== null });
  }

  /** Removes, through the normal apply path, the local rows the server no longer has in a resumed scope (scope-reconcile.ts). */
  async function reconcile(entry: ScopeEntry, generation: number): Promise<void> {
    const def = defs.get(entry.scope.collection);
    if (def === undefined) return;
    try {
      const removed = await reconcileScope({ store, remote, def, scope: entry.scope });
      if (removed.length === 0 || !isLive(entry, generation)) return;
      log.emit({ type: 'scope-reconciled', scope: entry.key, removed: removed.length });
      await apply(entry, generation, removed, null);
    } catch (e) {
      // The next resume tries again; the subscription itself is fine.
      log.emit({ type: 'sync-failed', direction: 'pull', count: 0, error: logError(toLocalfireError(e)), paths: [], scope: entry.key });
    }
  }

  /**
   * Drops the removals of documents another declared scope of the same collection still covers
   * (by the local row's fields): a conversation that leaves the "invited" scope when its
   * invitation is accepted is still in the "member" scope, which may have delivered it first.
   */
  async function withoutCoveredRemovals(entry: ScopeEntry, changes: readonly RemoteChange[]): Promise<readonly RemoteChange[]> {
    if (!changes.some((c) => c.type === 'removed')) return changes;
    const others = [...entries.values()].filter((e) => e !== entry && e.state.name !== 'closed' && e.scope.collection === entry.scope.collection);
    if (others.length === 0) return changes;
    const kept: RemoteChange[] = [];
    for (const change of changes) {
      if (change.type === 'removed') {
        const def = defs.get(change.collection);
        const row = def === undefined ? undefined : await store.repo(def).read(change.id);
        if (row !== undefined && others.some((e) => matchesScope(e.scope, change.id, row))) continue;
      }
      kept.push(change);
    }
    return kept;
  }

  async function apply(entry: ScopeEntry, generation: number, delivered: readonly RemoteChange[], checkpoint: Checkpoint | null): Promise<void> {
    if (!isLive(entry, generation)) return;
    const realtime = entry.state.name === 'open' && entry.state.sync === 'current';
    setBusy(1);
    const started = clock();
    try {
      const kept = await withoutCoveredRemovals(entry, delivered);
      const removed = kept.filter((c): c is Extract<RemoteChange, { type: 'removed' }> => c.type === 'removed');
      const changes = removed.length === 0 ? kept : [...kept, ...(await childRemovals(store, removed))];
      if (changes.length > 0) log.emit({ type: 'sync-started', direction: 'pull', count: changes.length, scope: entry.key });
      const metaKey = checkpointMetaKey(entry.key);
      const result = await store.sync.transaction((tx) => applyChanges(tx, defs, changes, { metaKey, value: checkpoint }, (doc) => options.inFlight?.noteSnapshot(doc)));
      entry.failures = 0;
      for (const c of result.conflicts) log.emit({ type: 'conflict-detected', ...c });
      for (const q of result.quarantined) log.emit({ type: 'quarantined', ...q });
      const suspects = findSuspectTimestamps(changes, options.suspectTimestampMs ?? DEFAULT_SUSPECT_TIMESTAMP_MS);
      for (const s of suspects) log.emit({ type: 'suspect-timestamp', ...s });
      if (suspects.length > 0) options.onSuspectTimestamps?.(suspects);
      const now = clock();
      if (changes.length > 0) log.emit({ type: 'sync-succeeded', direction: 'pull', count: changes.length, durationMs: now - started, scope: entry.key });
      entry.lastDeliveryAt = now;
      if (!entry.initialSyncDone) entry.initialDocuments += changes.filter((c) => c.type !== 'removed').length;
      options.onSynced?.(now);
      options.onPulled?.({ scope: entry.key, changes, realtime, at: now });
      options.onScopesChange?.();
      if (result.quarantined.length > 0 || result.written > 0 || result.purged > 0) options.onApplied?.();
    } catch (e) {
      const error = toLocalfireError(e);
      log.emit({ type: 'sync-failed', direction: 'pull', count: delivered.length, error: logError(error), paths: [], scope: entry.key });
      // The batch was rolled back with its checkpoint: resubscribe from the last committed one.
      fail(entry, error, generation, true);
    } finally {
      setBusy(-1);
    }
  }

  function fail(entry: ScopeEntry, error: LocalfireError, generation: number, forceRetry = false): void {
    if (!isLive(entry, generation)) return;
    options.onError?.(error);
    const retry = error.retryable || forceRetry;
    const delay = retry ? (backoff.delay(Math.min(++entry.failures, backoff.maxRetries)) ?? 0) : null;
    log.emit({ type: 'subscription-failed', scope: entry.key, error: logError(error), retryInMs: delay });
    if (delay === null) {
      setState(entry, { name: 'failed', error });
      return;
    }
    const timer = setTimeout(() => void track(open(entry)), delay);
    setState(entry, { name: 'retrying', timer, error });
  }

  function close(entry: ScopeEntry): void {
    setState(entry, { name: 'closed' });
    entries.delete(entry.key);
    log.emit({ type: 'subscription-closed', scope: entry.key });
  }

  function report(entry: ScopeEntry): ScopeReport | null {
    const base = { key: entry.key, since: entry.since, lastDeliveryAt: entry.lastDeliveryAt, initialSyncDone: entry.initialSyncDone, initialDocuments: entry.initialDocuments };
    const { state } = entry;
    switch (state.name) {
      case 'opening':
        return { ...base, state: 'opening', error: null };
      case 'open':
        return { ...base, state: state.sync, error: null };
      case 'retrying':
      case 'failed':
        return { ...base, state: state.name, error: state.error };
      case 'closed':
        return null;
      default:
        return unreachable(state);
    }
  }

  return {
    start: subscribeScopes,
    retryNow() {
      for (const entry of entries.values()) {
        if (entry.state.name !== 'retrying' && entry.state.name !== 'failed') continue;
        void track(open(entry));
      }
    },
    async whenIdle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    stop() {
      stopped = true;
      if (scopesRetry !== null) clearTimeout(scopesRetry);
      scopesRetry = null;
      unsubscribeScopes?.();
      unsubscribeScopes = null;
      for (const entry of [...entries.values()]) close(entry);
    },
    reports: () => [...entries.values()].flatMap((e) => report(e) ?? []),
    declared: () => declared,
  };
}
