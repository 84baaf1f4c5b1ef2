/*
 * One RemoteScope kept in step by one or more `onSnapshot` listeners (several when an `in`
 * filter is chunked). Snapshot changes are collected into a buffer keyed by document id and
 * flushed to the handlers only when every listener's latest snapshot came from the server
 * (`!fromCache`): a cache snapshot can hold a partial, out-of-order view that must not move
 * the checkpoint. Documents with pending local writes are skipped (their server `updatedAt`
 * is not known yet; they come again once committed).
 *
 *   buffer --(all listeners current)--> sort by (serverTime, id), removed first
 *          --> dedupe (id, version) already delivered --> handlers.onChanges (serialised)
 *
 * 'added' vs 'modified' is decided at delivery: 'added' the first time this subscription
 * delivers an id (or after it was removed), 'modified' afterwards.
 *
 * Windows: a Firestore watch target holds every document that matched its query since it was
 * opened, so a listener ordered by `updatedAt` after a checkpoint only ever grows (a chat's
 * messages listener ends up holding the whole session's messages). With `windowDocs`, once a
 * subscription has delivered more than that many documents, its listeners are rolled forward:
 * reopened after the last delivered checkpoint, so the SDK's targets (and its cache, which
 * drops documents no target holds) stay small. Every later change of an older document moves
 * its `updatedAt` past the checkpoint, so the new query still sees it; only a change that takes
 * a document OUT of a field-filtered query would go unseen, so the adapter passes `windowDocs`
 * only for scopes without field filters. (The emulator also re-sends a target's whole result
 * on every change to it, so there a small window is the difference between O(1) and O(session)
 * work per change.)
 *
 * Verification: the emulator can drop a change committed while a listener is being registered
 * (the listener then reports itself current and never hears of it; seen in the remote contract
 * and the sync bench, about once in a few dozen opens under load). With `fetch`, once the
 * listeners of an open are all current, the same queries are read once from the server after
 * `verifyAfterMs` (after the checkpoint delivered by then); a document newer than what was
 * delivered, and not already buffered, goes through the same buffer and flush. Never an older
 * version: a delivered version at or after the fetched one skips it (versions: see
 * document-version.ts). A failed fetch is ignored (the listeners stay the source of truth).
 * After an open from a checkpoint, the read also looks back `maxCommitLagMicros` for late
 * commits, and is repeated once that lag has passed, so a late commit that lands after the
 * first read still arrives (see the adapter's README, "Late commits").
 *
 * Stalls (stall-watchdog.ts): a listener that stays behind the server for `stallTimeoutMs`
 * gets the subscription's listeners reopened from the last delivered checkpoint. The buffer
 * and the `delivered` map survive a reopen, so nothing is skipped and a document already
 * delivered at the same server time is dropped when the new listeners report it again.
 */
import type { DocumentData } from 'firebase/firestore';
import { LocalfireError } from '../../errors.js';
import type { CollectionDef } from '../../schema/collection.js';
import { compareCheckpoints, decodeRemoteDocument } from '../../sync/codec.js';
import type { Checkpoint, RemoteChange, SubscriptionHandlers } from '../../sync/remote.js';
import { versionOrUpdatedAt } from './document-version.js';
import { mapFirestoreError } from './errors.js';
import type { SnapshotLike, SnapshotSource } from './snapshot-source.js';
import { createStallWatchdog } from './stall-watchdog.js';
import type { StallAction } from './stall-watchdog.js';
import { fromFirestoreData, updatedAtMicros } from './values.js';

type Buffered =
  /** `version`: see `versionOrUpdatedAt` (null: neither known, ordered as 0). */
  | { readonly kind: 'doc'; readonly id: string; readonly path: string; readonly raw: DocumentData; readonly version: number | null }
  | { readonly kind: 'removed'; readonly id: string; readonly path: string };

/** What the watchdog reports about a stalled subscription (see `FirestoreRemoteOptions.onStall`). */
export interface StallInfo {
  readonly collection: string;
  /** The scope's collection path, when known (e.g. `lists/l1/todos`). */
  readonly path?: string;
  /** Reopens of this stall episode so far (for 'cycle-network': the reopens that failed). */
  readonly attempts: number;
  readonly action: StallAction;
}

export interface StallOptions {
  /** A listener behind the server for this long counts as stalled. */
  readonly timeoutMs: number;
  /** Consecutive failed reopens before the network is cycled. */
  readonly reopensBeforeCycle: number;
  /** Whether the network is enabled now (`setNetworkEnabled` tells the changes). */
  readonly networkEnabled: boolean;
  /** Cycles the remote's network (disable, then enable); never rejects. */
  readonly cycleNetwork: () => Promise<void>;
  readonly onStall?: (info: StallInfo) => void;
  /** [0, 1), for the reopen backoff jitter. Default `Math.random`. */
  readonly random?: () => number;
  /** Backoff before reopen n: min(maxMs, baseMs * 2^(n-1)) scaled by [0.5, 1). Default 1 s, 10 s. */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
}

export interface ScopeSubscriptionOptions<Q> {
  readonly def: CollectionDef;
  /** The scope's collection path, for stall reports. */
  readonly path?: string;
  /**
   * The queries that together cover the scope after a checkpoint (called again on each
   * reopen); with `lookbackMicros`, from that long before the checkpoint (inclusive).
   */
  readonly queries: (from: Checkpoint | null, lookbackMicros?: number) => readonly Q[];
  /** Opens one listener (the SDK's `onSnapshot` in production: `sdkSnapshotSource`). */
  readonly listen: SnapshotSource<Q>;
  readonly from: Checkpoint | null;
  readonly handlers: SubscriptionHandlers;
  /** Connection hint per listener (keyed by an object): after its first server snapshot, whether the latest came from the server. Called with true on close. */
  readonly reportReachability: (listenerKey: object, reachable: boolean) => void;
  readonly stall: StallOptions;
  /** One read of a query from the server (the SDK's `getDocsFromServer`), for verification. */
  readonly fetch?: (query: Q) => Promise<SnapshotLike>;
  /**
   * One read of a document from the server (the SDK's `getDocFromServer`); null when it does
   * not exist. With `windowDocs`, a removal is confirmed with it before it is delivered (see
   * `confirmRemoval`); without it, removals are delivered as they come.
   */
  readonly fetchDoc?: (path: string) => Promise<{ readonly raw: DocumentData; readonly version: number | null } | null>;
  /** Delay from the listeners of an open all being current to the verification read. Default 1000 ms. */
  readonly verifyAfterMs?: number;
  /**
   * How long after its `updatedAt` stamp a write may still commit, in µs (default 0): the
   * verification read of an open from a checkpoint looks back this far for late commits:
   * documents at or before the checkpoint with a version after the checkpoint's `version`.
   */
  readonly maxCommitLagMicros?: number;
  /**
   * Roll the listeners forward (reopen after the last delivered checkpoint) once they have
   * delivered more than this many documents. Omit for scopes a document can leave without a
   * change the query still sees (field filters): a rolled listener would miss that 'removed'.
   */
  readonly windowDocs?: number;
}

export interface ScopeSubscription {
  /** Stops the listeners and every timer. Idempotent. */
  close(): void;
  /** The network was switched on purpose: the watchdog is silent while it is off. */
  setNetworkEnabled(enabled: boolean): void;
}

interface Open {
  readonly from: Checkpoint | null;
  verifying: boolean;
}

interface Listener {
  readonly key: object;
  fromCache: boolean;
  unsubscribe: () => void;
}

export function startScopeSubscription<Q>(options: ScopeSubscriptionOptions<Q>): ScopeSubscription {
  const { def, handlers, reportReachability, stall } = options;
  const keys: object[] = [];
  const wasCurrent = new Set<object>();
  const buffer = new Map<string, Buffered>();
  const delivered = new Map<string, number>();
  let listeners: Listener[] = [];
  /** The checkpoint of the last batch handed to delivery: reopens resume from it. */
  let checkpoint = options.from;
  /** The newest version delivered (or known from `from`): what a late commit is committed after. */
  let newestVersion = options.from === null ? 0 : (options.from.version ?? options.from.serverTime);
  /** Changes delivered since the listeners were last (re)opened: about the size of their targets. */
  let deliveredSinceOpen = 0;
  let closed = false;
  let flushScheduled = false;
  /** The current open (a new object per open): the checkpoint it started after, and whether its verification read was scheduled. */
  let opened: Open = { from: options.from, verifying: false };
  let verifyTimer: ReturnType<typeof setTimeout> | undefined;
  /** The second look-back read of each open from a checkpoint (see `scheduleLateRead`). */
  const lateTimers = new Set<ReturnType<typeof setTimeout>>();
  let chain: Promise<void> = Promise.resolve();

  const watchdog = createStallWatchdog({
    stallTimeoutMs: stall.timeoutMs,
    reopensBeforeCycle: stall.reopensBeforeCycle,
    backoff: stall.backoff ?? { baseMs: 1_000, maxMs: 10_000 },
    random: stall.random ?? Math.random,
    reopen: () => open(),
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

  const fail = (error: LocalfireError): void => {
    if (closed) return;
    close();
    try {
      handlers.onError(error);
    } catch {
      // a throwing handler must not break the SDK's listener loop
    }
  };

  const toChange = (entry: Buffered): { change: RemoteChange; at: Checkpoint | null } | null => {
    if (entry.kind === 'removed') {
      delivered.delete(entry.id);
      return { change: { type: 'removed', collection: def.name, id: entry.id, path: entry.path }, at: null };
    }
    const { data, updatedAtMicros: stamped } = fromFirestoreData(entry.raw);
    const serverTime = stamped ?? 0;
    const version = entry.version ?? 0;
    if (delivered.get(entry.id) === version) return null;
    const isNew = !delivered.has(entry.id);
    delivered.set(entry.id, version);
    const at = { serverTime, id: entry.id };
    if (entry.raw['updatedAt'] !== undefined && stamped === null) {
      const error = new LocalfireError('invalid-data', `${entry.path}: updatedAt is not a timestamp`, { details: { path: entry.path } });
      return { change: { type: 'invalid', collection: def.name, id: entry.id, path: entry.path, error, raw: entry.raw }, at };
    }
    const change = decodeRemoteDocument(def, { id: entry.id, path: entry.path, data, updatedAtMicros: stamped, versionMicros: version, type: isNew ? 'added' : 'modified' });
    return { change, at };
  };

  const flush = (): void => {
    flushScheduled = false;
    if (closed || listeners.some((l) => l.fromCache) || buffer.size === 0) return;
    const entries = [...buffer.values()];
    buffer.clear();
    const converted = entries.flatMap((e) => {
      const c = toChange(e);
      return c === null ? [] : [c];
    });
    converted.sort((x, y) => (x.at === null ? (y.at === null ? 0 : -1) : y.at === null ? 1 : compareCheckpoints(x.at, y.at)));
    if (converted.length === 0) return;
    for (const { change } of converted) if ('doc' in change) newestVersion = Math.max(newestVersion, change.doc.version);
    for (const { at } of converted) if (at !== null && (checkpoint === null || compareCheckpoints(at, checkpoint) > 0)) checkpoint = at;
    if (checkpoint !== null) checkpoint = { serverTime: checkpoint.serverTime, id: checkpoint.id, version: newestVersion };
    const changes = converted.map((c) => c.change);
    const batchCheckpoint = checkpoint;
    chain = chain
      .then(async () => {
        if (!closed) await handlers.onChanges(changes, batchCheckpoint);
      })
      .catch((e: unknown) => fail(mapFirestoreError(e, 'onChanges')));
    deliveredSinceOpen += changes.length;
    // Reopening after `checkpoint` is safe: every delivered document is at or before it.
    if (options.windowDocs !== undefined && deliveredSinceOpen > options.windowDocs) open();
  };

  const scheduleFlush = (): void => {
    if (flushScheduled) return;
    flushScheduled = true;
    queueMicrotask(flush);
  };

  const scheduleVerify = (target: Open): void => {
    target.verifying = true;
    const fetch = options.fetch;
    if (fetch === undefined) return;
    verifyTimer = setTimeout(() => {
      verifyTimer = undefined;
      if (closed || opened !== target) return;
      // An open from a checkpoint looks back for late commits before it. Otherwise, after what
      // was delivered by now: usually nothing to read (the listeners have no lower bound, so
      // they see late commits themselves).
      const lookback = options.maxCommitLagMicros ?? 0;
      if (target.from !== null && lookback > 0) {
        read(fetch, options.queries(target.from, lookback), target.from, () => !closed);
        scheduleLateRead(fetch, target.from, lookback);
      } else {
        read(fetch, options.queries(checkpoint), target.from, () => !closed && opened === target);
      }
    }, options.verifyAfterMs ?? 1_000);
  };

  /** Reads `queries` from the server and delivers what they find (see `onFetched`) while `wanted()`. */
  const read = (fetch: (query: Q) => Promise<SnapshotLike>, queries: readonly Q[], openedFrom: Checkpoint | null, wanted: () => boolean): void => {
    for (const query of queries) {
      fetch(query).then(
        (snap) => {
          if (wanted()) onFetched(snap, openedFrom);
        },
        () => undefined,
      );
    }
  };

  /**
   * A write stamped before `from` may commit up to the lag after its stamp, so later than the
   * first read: read back once more when the lag has passed. A reopen meanwhile does not
   * cancel it (the new open's reads start after a newer checkpoint); only close does.
   */
  const scheduleLateRead = (fetch: (query: Q) => Promise<SnapshotLike>, from: Checkpoint, lookback: number): void => {
    const timer = setTimeout(() => {
      lateTimers.delete(timer);
      if (!closed) read(fetch, options.queries(from, lookback), from, () => !closed);
    }, Math.ceil(lookback / 1000));
    lateTimers.add(timer);
  };

  /**
   * A verification read: documents newer than delivered and not buffered join the buffer. A
   * document at or before the open's checkpoint joins only when committed after it (a late
   * commit the listeners, which start after the checkpoint, cannot see).
   */
  const onFetched = (snap: SnapshotLike, openedFrom: Checkpoint | null): void => {
    for (const change of snap.docChanges({ includeMetadataChanges: true })) {
      if (change.type === 'removed' || change.doc.metadata.hasPendingWrites) continue;
      const { id, ref } = change.doc;
      if (buffer.has(id)) continue;
      const raw = change.doc.data();
      const updatedAt = updatedAtMicros(raw) ?? 0;
      const version = versionOrUpdatedAt(change.doc, raw) ?? 0;
      const known = delivered.get(id);
      if (known !== undefined && known >= version) continue;
      if (openedFrom !== null && compareCheckpoints({ serverTime: updatedAt, id }, openedFrom) <= 0 && version <= (openedFrom.version ?? openedFrom.serverTime)) continue;
      buffer.set(id, { kind: 'doc', id, path: ref.path, raw, version });
    }
    scheduleFlush();
  };

  /**
   * A scope without field filters (the rolled ones) has no document that can leave it by its
   * fields: a removal is a hard delete, or a document that fell below a rolled listener's
   * `updatedAt` bound. The latter happens to the device's own write: pending while the
   * listener rolled past its stamp, it leaves the query when acknowledged. Delivered as a
   * removal it would purge the device's own row for good. So the server says which: a
   * document that still exists is delivered as it is; an unanswered read removes nothing.
   */
  const confirmRemoval = (fetchDoc: NonNullable<ScopeSubscriptionOptions<Q>['fetchDoc']>, id: string, path: string): void => {
    buffer.delete(id);
    fetchDoc(path).then(
      (found) => {
        if (closed) return;
        const buffered = buffer.get(id);
        if (found === null) buffer.set(id, { kind: 'removed', id, path });
        else if (buffered === undefined || (buffered.kind === 'doc' && (buffered.version ?? 0) < (found.version ?? 0))) buffer.set(id, { kind: 'doc', id, path, raw: found.raw, version: found.version });
        scheduleFlush();
      },
      () => undefined,
    );
  };

  const onNext = (listener: Listener, snap: SnapshotLike): void => {
    if (closed || !listeners.includes(listener)) return;
    try {
      for (const change of snap.docChanges({ includeMetadataChanges: true })) {
        const { id, ref } = change.doc;
        if (change.type === 'removed') {
          if (options.windowDocs !== undefined && options.fetchDoc !== undefined) confirmRemoval(options.fetchDoc, id, ref.path);
          else buffer.set(id, { kind: 'removed', id, path: ref.path });
        }
        else if (change.doc.metadata.hasPendingWrites) buffer.delete(id);
        else {
          const raw = change.doc.data();
          buffer.set(id, { kind: 'doc', id, path: ref.path, raw, version: versionOrUpdatedAt(change.doc, raw) });
        }
      }
      const { key } = listener;
      listener.fromCache = snap.metadata.fromCache;
      if (listener.fromCache) watchdog.behind(key);
      else {
        wasCurrent.add(key);
        watchdog.current(key);
      }
      if (wasCurrent.has(key)) reportReachability(key, !listener.fromCache);
      if (!opened.verifying && options.fetch !== undefined && listeners.every((l) => !l.fromCache)) scheduleVerify(opened);
      scheduleFlush();
    } catch (e) {
      fail(mapFirestoreError(e, 'snapshot'));
    }
  };

  /**
   * (Re)opens every listener after the last delivered checkpoint. The first open throws what
   * the queries or the SDK throw (the caller reports it); a reopen fails the subscription.
   */
  function open(first = false): void {
    if (closed) return;
    // Make before break: the old listeners go only once the new ones are registered. Replacing
    // several targets at once (unlisten, then listen, in one tick) left some of the new ones
    // without a first snapshot on the emulator, about every other time for a rolled chunked
    // scope, until the stall watchdog reopened them 10 s later.
    const previous = listeners;
    listeners = [];
    deliveredSinceOpen = 0;
    try {
      const queries = options.queries(checkpoint);
      for (const key of keys.slice(queries.length)) watchdog.current(key);
      if (verifyTimer !== undefined) clearTimeout(verifyTimer);
      verifyTimer = undefined;
      opened = { from: checkpoint, verifying: false };
      const next = queries.map((query, index): { query: Q; listener: Listener } => ({ query, listener: { key: (keys[index] ??= {}), fromCache: true, unsubscribe: () => undefined } }));
      listeners = next.map((n) => n.listener);
      for (const { query, listener } of next) {
        watchdog.behind(listener.key);
        listener.unsubscribe = options.listen(
          query,
          (snap) => onNext(listener, snap),
          (e) => {
            if (listeners.includes(listener)) fail(mapFirestoreError(e, `subscription to ${def.name}`));
          },
        );
      }
    } catch (e) {
      for (const listener of previous) listener.unsubscribe();
      if (first) {
        close();
        throw e;
      }
      fail(mapFirestoreError(e, `subscription to ${def.name}`));
      return;
    }
    for (const listener of previous) listener.unsubscribe();
  }

  function close(): void {
    if (closed) return;
    closed = true;
    watchdog.stop();
    if (verifyTimer !== undefined) clearTimeout(verifyTimer);
    for (const timer of lateTimers) clearTimeout(timer);
    lateTimers.clear();
    buffer.clear();
    for (const key of keys) reportReachability(key, true);
    for (const listener of listeners) listener.unsubscribe();
    listeners = [];
  }

  open(true);
  return {
    close,
    setNetworkEnabled(enabled) {
      if (enabled) watchdog.resume();
      else watchdog.pause();
    },
  };
}
