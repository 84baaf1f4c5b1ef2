/*
 * One RemoteScope kept in step by `onSnapshot` listeners (several when an `in` filter is
 * chunked). The mechanisms live in their own files; this one wires them:
 *
 *   listeners ──snapshot changes──▶ delivery-buffer.ts ──(every listener current)──▶ onChanges
 *   verification-read.ts ──what an uncovered open missed──▶ delivery buffer
 *   stall-watchdog.ts ──a listener behind too long──▶ cycle the network / reopen
 *   windows (below) ──a listener that delivered enough──▶ reopen at a higher bound
 *   removal-check.ts ──a listener's `removed`, confirmed by a server read──▶ delivery buffer
 *
 * LATE COMMITS AND THE BOUND. Firestore stamps `updatedAt` (serverTimestamp) when a write
 * STARTS and commits writes later, in commit order: server code committing 4 batches of 500
 * concurrently leaves documents whose `updatedAt` is seconds older than documents already
 * committed. A listener ordered by `updatedAt` from a bound B hears every commit of a document
 * with `updatedAt >= B` for as long as it is open, whatever the commit order; a document
 * stamped before B is never heard. So every listener is opened from a bound that trails what
 * the server has committed by the commit lag L (`maxCommitLagMicros`):
 *
 *   first open, no checkpoint     B = none (everything)
 *   open from a checkpoint C      B = C.position − L   (C.position: the newest position delivered,
 *                                                       never after a commit time: delivery-buffer.ts)
 *   roll (window, below)          B = the server's time now − L, estimated from below as the newest
 *                                 commit version delivered + the time since it was delivered
 *   any open with `unbounded`     B = none (field-filtered scopes: see the option)
 *
 * Any document committed after the listener registered committed after everything delivered
 * before, so its stamp is at least (that commit − L) >= B: heard. Documents committed before
 * with a stamp >= B come in the listener's first snapshot; those stamped before B were heard by
 * the listeners before (the bound only grows, and the old listeners stay open until the new
 * ones are current: make before break). Documents between B and the checkpoint are heard
 * again and dropped (same version). The remaining bound: a write that commits more than L
 * after its stamp, stamped before the bound of the listener open when it commits, is missed
 * until its document changes again (see the adapter's README, "Late commits").
 *
 * WINDOWS. A watch target holds every document that matched its query since it was opened, so
 * a listener that is never reopened holds the whole session's documents. With `windowDocs`,
 * once the listeners delivered more than that many documents, they are reopened at a higher
 * bound, but only when at most half of what they delivered is at or after the new bound (the
 * documents the new listeners read again): during a burst the bound cannot pass the burst's
 * first stamp until L has passed, so the listeners wait (a timer checks again every L).
 * Scopes with field filters are never rolled: a document that leaves such a query by a change
 * of its own is reported `removed` only by a target that holds it.
 *
 * REMOVALS from a bounded listener are delivered only once a server read says the document is
 * gone or unreadable (removal-check.ts): a document also leaves a listener's query when its
 * `updatedAt` falls below the listener's bound while it stays in the scope. A field-filtered
 * scope's listeners have no bound (`unbounded`), so their removals are delivered as they come.
 *
 * Changes are flushed only while every listener of the newest open is current with the server
 * (`!fromCache`): a cache snapshot can hold a partial, out-of-order view. Documents with pending
 * local writes are skipped (their server `updatedAt` is not known yet; they come again once
 * committed). 'added' vs 'modified' is decided at delivery (delivery-buffer.ts).
 */
import type { LocalfireError } from '../../errors.js';
import type { CollectionDef } from '../../schema/collection.js';
import type { Checkpoint, SubscriptionHandlers, SubscriptionSyncState } from '../../sync/remote.js';
import { createDeliveryBuffer } from './delivery-buffer.js';
import { versionOrUpdatedAt } from './document-version.js';
import { mapFirestoreError } from './errors.js';
import { createRemovalChecks } from './removal-check.js';
import type { FetchedDocument } from './removal-check.js';
import type { SnapshotLike, SnapshotSource } from './snapshot-source.js';
import { createStallWatchdog } from './stall-watchdog.js';
import type { StallAction } from './stall-watchdog.js';
import { createVerificationReads } from './verification-read.js';

/** What the watchdog reports about a stalled subscription (see `FirestoreRemoteOptions.onStall`). */
export interface StallInfo {
  readonly collection: string;
  /** The scope's collection path, when known (e.g. `lists/l1/todos`). */
  readonly path?: string;
  /** Actions of this stall episode so far, this one included. */
  readonly attempts: number;
  readonly action: StallAction;
}

export interface StallOptions {
  /** A listener behind the server for this long counts as stalled. */
  readonly timeoutMs: number;
  /** The same for a listener that had been current and fell back to cache. */
  readonly fallbackGraceMs: number;
  /** Whether the network is enabled now (`setNetworkEnabled` tells the changes). */
  readonly networkEnabled: boolean;
  /** Cycles the remote's network (disable, then enable); never rejects. */
  readonly cycleNetwork: () => Promise<void>;
  readonly onStall?: (info: StallInfo) => void;
  /** [0, 1), for the backoff jitter. Default `Math.random`. */
  readonly random?: () => number;
  /** Backoff before action n > 1: min(maxMs, baseMs * 2^(n-2)) scaled by [0.5, 1). Default 1 s, 10 s. */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
}

export type { FetchedDocument } from './removal-check.js';

export interface ScopeSubscriptionOptions<Q> {
  readonly def: CollectionDef;
  /** The scope's collection path, for stall reports. */
  readonly path?: string;
  /** The queries that together cover the scope's documents with `updatedAt >= bound` µs (all of them when null). */
  readonly queries: (bound: number | null) => readonly Q[];
  /** Opens one listener (the SDK's `onSnapshot` in production: `sdkSnapshotSource`). */
  readonly listen: SnapshotSource<Q>;
  readonly from: Checkpoint | null;
  readonly handlers: SubscriptionHandlers;
  readonly stall: StallOptions;
  /** One read of a query from the server (the SDK's `getDocsFromServer`), for verification. */
  readonly fetch?: (query: Q) => Promise<SnapshotLike>;
  /**
   * One read of a document from the server, null when it is deleted or (a field-filtered scope)
   * out of the scope's filters: confirms the listeners' removals (see REMOVALS).
   */
  readonly fetchDoc?: (path: string) => Promise<FetchedDocument>;
  /** Delay from the listeners of an uncovered open all being current to its verification read. Default 1000 ms. */
  readonly verifyAfterMs?: number;
  /** How long after its `updatedAt` stamp a write may still commit, in µs: listeners' bounds trail by this much. */
  readonly maxCommitLagMicros: number;
  /** Roll the listeners forward once they delivered more than this many documents (see WINDOWS). Omit for field-filtered scopes. */
  readonly windowDocs?: number;
  /**
   * Open every listener without a bound (field-filtered scopes): the listeners then hold every
   * document of the scope, so one that leaves it by a change of its own is reported `removed`
   * however long ago it was last written. A (re)open reads the whole scope again (what the
   * checkpoint covers is dropped before delivery).
   */
  readonly unbounded?: boolean;
  /** A monotonic clock in ms (default `performance.now`): how long ago the newest version was delivered. */
  readonly now?: () => number;
}

export interface ScopeSubscription {
  /** Stops the listeners and every timer. Idempotent. */
  close(): void;
  /** The network was switched on purpose: the watchdog is silent while it is off. */
  setNetworkEnabled(enabled: boolean): void;
}

interface Listener {
  readonly key: object;
  fromCache: boolean;
  /** It has had a server snapshot. */
  wasCurrent: boolean;
  unsubscribe: () => void;
}

/** One open: the listeners of the scope's queries from one bound. */
interface Open {
  readonly bound: number | null;
  readonly listeners: Listener[];
  current: boolean;
  /** Its verification read was scheduled, or it needs none: healthy listeners stayed open until it was current (a roll). */
  verified: boolean;
  /** Positions of the documents delivered since this open, for the window. */
  readonly positions: number[];
}

export function startScopeSubscription<Q>(options: ScopeSubscriptionOptions<Q>): ScopeSubscription {
  const { def, handlers, stall } = options;
  const lag = options.maxCommitLagMicros;
  const keys: object[] = [];
  const buffer = createDeliveryBuffer(def, options.from);
  let active: Open | null = null;
  /** Opens kept until `active` is current (make before break). */
  let retiring: Open[] = [];
  let closed = false;
  let flushScheduled = false;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let syncState: SubscriptionSyncState | null = null;
  let rollTimer: ReturnType<typeof setTimeout> | undefined;
  const now = options.now ?? (() => performance.now());
  /** `now()` when the newest version was first delivered. */
  let newestSeenAt = now();
  let chain: Promise<void> = Promise.resolve();

  const watchdog = createStallWatchdog({
    stallTimeoutMs: stall.timeoutMs,
    fallbackGraceMs: stall.fallbackGraceMs,
    backoff: stall.backoff ?? { baseMs: 1_000, maxMs: 10_000 },
    random: stall.random ?? Math.random,
    reopen: () => openListeners(boundFrom(buffer.checkpoint), false),
    cycleNetwork: stall.cycleNetwork,
    report: (action, attempts) => {
      try {
        stall.onStall?.({ collection: def.name, ...(options.path === undefined ? {} : { path: options.path }), attempts, action });
      } catch {
        // a throwing hook must not stop the watchdog
      }
    },
  });
  if (!stall.networkEnabled) watchdog.pause();

  const verification =
    options.fetch === undefined
      ? null
      : createVerificationReads<Q>({
          fetch: options.fetch,
          delayMs: options.verifyAfterMs ?? 1_000,
          onFetched: (doc) => {
            if (closed || buffer.has(doc.id) || (buffer.deliveredVersion(doc.id) ?? -1) >= (doc.version ?? 0)) return;
            buffer.put(doc);
          },
          onRead: () => scheduleFlush(),
        });

  const removals =
    options.fetchDoc === undefined
      ? null
      : createRemovalChecks({
          fetchDoc: options.fetchDoc,
          onFound: (id, path, found) => {
            buffer.put({ id, path, raw: found.raw, version: found.version });
            scheduleFlush();
          },
          onGone: (id, path) => {
            buffer.putRemoved(id, path);
            scheduleFlush();
          },
        });

  /** The bound of an open from `checkpoint`: its position minus the commit lag (none without one). */
  function boundFrom(checkpoint: Checkpoint | null): number | null {
    if (options.unbounded === true) return null;
    return checkpoint === null ? null : Math.max(0, checkpoint.serverTime - lag);
  }

  const setSyncState = (state: SubscriptionSyncState): void => {
    if (closed || syncState === state) return;
    syncState = state;
    try {
      handlers.onSyncState?.(state);
    } catch {
      // a throwing handler must not break the SDK's listener loop
    }
  };

  const fail = (error: LocalfireError): void => {
    if (closed) return;
    close();
    try {
      handlers.onError(error);
    } catch {
      // a throwing handler must not break the SDK's listener loop
    }
  };

  const flush = (): void => {
    flushScheduled = false;
    flushTimer = undefined;
    const open = active;
    if (closed || open === null || !open.current) return;
    const newestBefore = buffer.newestVersion;
    const batch = buffer.take();
    if (buffer.newestVersion > newestBefore) newestSeenAt = now();
    if (!open.verified && verification !== null) {
      open.verified = true;
      const checkpoint = buffer.checkpoint;
      verification.schedule(options.queries(checkpoint === null ? open.bound : Math.max(open.bound ?? 0, boundFrom(checkpoint) ?? 0)));
    }
    if (batch !== null) {
      chain = chain
        .then(async () => {
          if (!closed) await handlers.onChanges(batch.changes, batch.checkpoint);
        })
        .catch((e: unknown) => fail(mapFirestoreError(e, 'onChanges')));
      open.positions.push(...batch.positions);
      considerRoll();
    }
    // 'current' once what the listeners had is handed over (the engine applies it in order).
    if (buffer.size === 0) {
      void chain.then(() => {
        if (active === open && open.current) setSyncState('current');
      });
    }
  };

  /**
   * The SDK raises each listener's snapshot of one server event in a task of its own
   * (AsyncObserver: `setTimeout(0)` each, in one loop). With several listeners, a flush in a
   * microtask would hand over one listener's part of the event with a checkpoint whose version
   * covers the others' parts, still queued: a resume from it drops them as delivered. So then
   * the flush waits for a task after theirs.
   */
  const scheduleFlush = (): void => {
    if (flushScheduled) return;
    flushScheduled = true;
    const listening = (active?.listeners.length ?? 0) + retiring.reduce((n, o) => n + o.listeners.length, 0);
    if (listening > 1) flushTimer = setTimeout(flush, 0);
    else queueMicrotask(flush);
  };

  /**
   * The bound a roll may use now: the server's time minus the lag. Every commit from now on
   * is later than the newest version delivered plus the time since it was delivered (a lower
   * bound of the server's clock); while the listeners are current and the buffer is empty,
   * everything committed before is delivered.
   */
  function rollBound(): number | null {
    const newest = buffer.newestVersion;
    if (newest <= 0) return buffer.checkpoint === null ? null : boundFrom(buffer.checkpoint);
    return Math.max(0, newest + Math.floor((now() - newestSeenAt) * 1000) - lag);
  }

  /** Reopens the listeners at a higher bound once the window is full and at most half of it would be read again (see WINDOWS). */
  function considerRoll(): void {
    if (rollTimer !== undefined) clearTimeout(rollTimer);
    rollTimer = undefined;
    const open = active;
    const windowDocs = options.windowDocs;
    if (windowDocs === undefined || open === null || !open.current || buffer.size > 0 || open.positions.length <= windowDocs) return;
    const bound = rollBound();
    if (bound === null) return;
    const readAgain = open.positions.filter((p) => p >= bound).length;
    if ((open.bound === null || bound > open.bound) && readAgain * 2 <= open.positions.length) {
      openListeners(bound, true);
      return;
    }
    rollTimer = setTimeout(() => {
      rollTimer = undefined;
      if (!closed) considerRoll();
    }, Math.ceil(lag / 1000) + 1);
  }

  function onNext(open: Open, listener: Listener, snap: SnapshotLike): void {
    if (closed || (open !== active && !retiring.includes(open))) return;
    try {
      for (const change of snap.docChanges({ includeMetadataChanges: true })) {
        const { id, ref } = change.doc;
        if (change.type === 'removed') {
          if (removals === null) buffer.putRemoved(id, ref.path);
          else {
            buffer.drop(id);
            removals.check(id, ref.path);
          }
        } else if (change.doc.metadata.hasPendingWrites) buffer.drop(id);
        else {
          const raw = change.doc.data();
          buffer.put({ id, path: ref.path, raw, version: versionOrUpdatedAt(change.doc, raw) });
        }
      }
      listener.fromCache = snap.metadata.fromCache;
      if (open === active) onActiveState(open, listener);
      scheduleFlush();
    } catch (e) {
      fail(mapFirestoreError(e, 'snapshot'));
    }
  }

  function onActiveState(open: Open, listener: Listener): void {
    if (listener.fromCache) {
      watchdog.behind(listener.key, listener.wasCurrent);
      open.current = false;
      setSyncState('behind');
      return;
    }
    listener.wasCurrent = true;
    watchdog.current(listener.key);
    if (open.current || open.listeners.some((l) => l.fromCache)) return;
    open.current = true;
    for (const old of retiring) for (const l of old.listeners) l.unsubscribe();
    retiring = [];
  }

  /**
   * Opens the listeners from `bound`; the current ones stay until the new ones are current
   * (make before break: replacing several targets in one tick left some of the new ones without
   * a first snapshot on the emulator), except those at the same bound, whose watch targets the
   * new listeners would only share. `covered`: the current listeners are healthy (a roll), so
   * no verification read. The first open throws what the queries or the SDK throw (the caller
   * reports it); a later one fails the subscription.
   */
  function openListeners(bound: number | null, covered: boolean, first = false): void {
    if (closed) return;
    if (rollTimer !== undefined) clearTimeout(rollTimer);
    rollTimer = undefined;
    const previous = active;
    const next: Open = { bound, listeners: [], current: false, verified: covered, positions: [] };
    try {
      const queries = options.queries(bound);
      for (const key of keys.slice(queries.length)) watchdog.current(key);
      const opened = queries.map((query, index): { query: Q; listener: Listener } => ({ query, listener: { key: (keys[index] ??= {}), fromCache: true, wasCurrent: false, unsubscribe: () => undefined } }));
      next.listeners.push(...opened.map((o) => o.listener));
      active = next;
      if (previous !== null) retiring.push(previous);
      // The SDK shares one watch target among listeners of equal queries (eventManagerListen):
      // listening again at the bound of an open still listening would register nothing with the
      // server, so a stall reopen from an unchanged checkpoint would be no reopen at all. Such an
      // open holds nothing the new one will not (same queries), so it goes first: break, then make.
      for (const same of retiring.filter((o) => o.bound === bound)) for (const l of same.listeners) l.unsubscribe();
      retiring = retiring.filter((o) => o.bound !== bound);
      if (!covered) verification?.cancel();
      setSyncState('behind');
      for (const { query, listener } of opened) {
        if (closed) return; // a listener failed at once
        watchdog.behind(listener.key);
        listener.unsubscribe = options.listen(
          query,
          (snap) => onNext(next, listener, snap),
          (e) => {
            if (next === active || retiring.includes(next)) fail(mapFirestoreError(e, `subscription to ${def.name}`));
          },
        );
      }
      // An open with no query (an empty `in` list) is current at once.
      if (opened.length === 0) {
        next.current = true;
        setSyncState('current');
      }
    } catch (e) {
      if (first) {
        close();
        throw e;
      }
      fail(mapFirestoreError(e, `subscription to ${def.name}`));
      return;
    }
  }

  function close(): void {
    if (closed) return;
    closed = true;
    watchdog.stop();
    verification?.cancel();
    if (rollTimer !== undefined) clearTimeout(rollTimer);
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    removals?.stop();
    buffer.clear();
    for (const o of [active, ...retiring]) for (const l of o?.listeners ?? []) l.unsubscribe();
    active = null;
    retiring = [];
  }

  openListeners(boundFrom(options.from), false, true);
  return {
    close,
    setNetworkEnabled(enabled) {
      if (enabled) watchdog.resume();
      else watchdog.pause();
    },
  };
}

