/*
 * The Firestore remote: RemotePort over the modular `firebase/firestore` SDK (v12), the same
 * code in Node (gRPC) and the browser (WebChannel).
 *
 * The app owns the Firestore instance and should give it the SDK's MEMORY cache: SQLite is
 * localfire's cache, a second persistent cache would only duplicate it.
 *
 *   const app = initializeApp(firebaseConfig);
 *   const firestore = initializeFirestore(app, { localCache: memoryLocalCache() });
 *   const remote = createFirestoreRemote({ firestore, collections: [users, conversations, messages] });
 *
 * Writes: one WriteBatch per `write()` (set/merge of the changed fields, `updatedAt:
 * serverTimestamp()`, `deleted`). Documents are ordered by their commit version, not by
 * `updatedAt` (see document-version.ts). The SDK's commit() does not expose the commit
 * version, so acks read each written document back FROM THE SDK'S CACHE right after the
 * commit: on acknowledgement the SDK stores the commit's version and transform results there,
 * so this costs no round trip (a server read is the fallback when the document is no longer
 * cached). Should another client's newer version of the document land between the commit and
 * that read, the ack carries that newer version: the resolver lets a remote snapshot with an
 * equal version win, so nothing is lost.
 *
 * Offline: while the network is disabled through `setNetworkEnabled(false)`, `write()` rejects
 * at once with `offline` (retryable) and queues nothing. When the SDK merely cannot reach the
 * backend, its commit promise stays pending (the SDK retries on its own): pass an AbortSignal
 * with a deadline. An aborted write rejects `aborted`, but the SDK keeps the queued batch and
 * may still apply it later; a retry of the same mutation ids waits for that commit instead of
 * committing them again (write-batch.ts), so another client's change made in between is not
 * overwritten by a second application.
 */
import type { Firestore } from 'firebase/firestore';
import { disableNetwork, doc, enableNetwork, getCountFromServer, getDocFromServer, getDocsFromServer, limit, query, terminate } from 'firebase/firestore';
import { collectionPath, documentPath } from '../../schema/collection.js';
import { LocalfireError } from '../../errors.js';
import type { CollectionDef } from '../../schema/collection.js';
import type { Checkpoint, ConnectionState, RemotePort, RemoteScope, RemoteWrite, Subscription, SubscriptionHandlers, WriteAck } from '../../sync/remote.js';
import { mapFirestoreError } from './errors.js';
import { versionOrUpdatedAt } from './document-version.js';
import { buildScopeQueries } from './scope-query.js';
import type { FetchedDocument, ScopeSubscription, StallInfo } from './scope-subscription.js';
import { sdkSnapshotSource } from './snapshot-source.js';
import { startScopeSubscription } from './scope-subscription.js';
import { commitWrites, raceAbort } from './write-batch.js';
import { hasFieldFilters, matchesScope } from '../../sync/scope-match.js';

export interface FirestoreRemoteOptions {
  /** The app's Firestore instance (preferably with `memoryLocalCache()`). */
  readonly firestore: Firestore;
  /** Every collection this remote writes or subscribes to. */
  readonly collections: readonly CollectionDef[];
  /**
   * `close()` also terminates the Firestore instance. Default false: the app created it and
   * may use it elsewhere.
   */
  readonly terminateOnClose?: boolean;
  /**
   * Stall watchdog: while the network is enabled, a listener that has not reached a server
   * snapshot this long after it was opened gets the SDK's streams restarted (a network cycle),
   * then its scope's listeners reopened, alternately with a backoff. A listener that had been
   * current and fell back to cache is given at most {@link FALLBACK_GRACE_MS}. Default 10 000 ms.
   */
  readonly stallTimeoutMs?: number;
  /**
   * A scope's listeners are reopened at a higher bound once they have delivered more than this
   * many documents, so the SDK's watch targets and cache stay small (a listener's target
   * otherwise keeps every document it ever delivered). Scopes with field filters are never
   * rolled (see scope-subscription.ts). Default 50; `Infinity` never rolls.
   */
  readonly listenerWindowDocs?: number;
  /**
   * How long after its `updatedAt` stamp a write may still commit (default
   * {@link DEFAULT_MAX_COMMIT_LAG_MS}). `serverTimestamp()` is evaluated when the server starts
   * a write, so a large batch can commit seconds after documents stamped later. Every listener
   * is opened from a bound this far before what was delivered, so such late commits are heard;
   * a write that commits later than this after its stamp can be missed (the adapter's README,
   * "Late commits"). 0 opens listeners right at the checkpoint.
   */
  readonly maxCommitLagMs?: number;
  /** Told of every watchdog action (a network cycle, a reopen), e.g. to log a `stalled` event. Must not throw. */
  readonly onStall?: (info: StallInfo) => void;
}

/** The Firestore RemotePort, plus the network switch the engine and the app use. */
export interface FirestoreRemote extends RemotePort {
  /**
   * Enables or disables the SDK's network (`enableNetwork` / `disableNetwork`). While
   * disabled the connection state is `offline` and writes reject with `offline`.
   */
  setNetworkEnabled(enabled: boolean): Promise<void>;
  /** Listener hears every stall watchdog action (besides `options.onStall`). */
  onStall(listener: (info: StallInfo) => void): () => void;
  readonly firestore: Firestore;
}

/** A document no app has: `ping()` reads it from the server (a miss or a refusal both prove the server answers). */
const PING_PATH = '__localfire__/ping';

/** A ping that got no answer restarts the SDK's streams at most this often. */
const PING_CYCLE_MS = 10_000;

/** Documents one verification read returns at most (newer ones arrive through the listener). */
const VERIFY_LIMIT = 500;

/**
 * Default of {@link FirestoreRemoteOptions.maxCommitLagMs}: the emulator under load committed
 * writes up to 3.2 s after their stamp, and concurrent batches of 500 widen that; listeners
 * trail by this much, which costs a re-read of what was stamped this long before a checkpoint
 * when a scope is opened from it (those documents are dropped before delivery).
 */
export const DEFAULT_MAX_COMMIT_LAG_MS = 10_000;

/** Default of {@link FirestoreRemoteOptions.stallTimeoutMs}. */
export const DEFAULT_STALL_TIMEOUT_MS = 10_000;

/**
 * How long a listener that had been current may stay on cache before the watchdog acts: the SDK
 * falls back to cache when it declares itself offline (its watch stream failed, and may now wait
 * in a long backoff), and briefly while it resolves "limbo" documents.
 */
export const FALLBACK_GRACE_MS = 2_000;

/** Default of {@link FirestoreRemoteOptions.listenerWindowDocs}. */
export const DEFAULT_LISTENER_WINDOW_DOCS = 50;

export function createFirestoreRemote(options: FirestoreRemoteOptions): FirestoreRemote {
  const { firestore } = options;
  const windowDocs = options.listenerWindowDocs ?? DEFAULT_LISTENER_WINDOW_DOCS;
  if (!(windowDocs >= 1)) {
    throw new LocalfireError('invalid-definition', `listenerWindowDocs must be at least 1 (Infinity turns rolling off), got ${String(windowDocs)}`);
  }
  const maxCommitLagMs = options.maxCommitLagMs ?? DEFAULT_MAX_COMMIT_LAG_MS;
  if (!(maxCommitLagMs >= 0) || !Number.isFinite(maxCommitLagMs)) {
    throw new LocalfireError('invalid-definition', `maxCommitLagMs must be a finite number of ms, 0 or more, got ${String(maxCommitLagMs)}`);
  }
  const collections = new Map(options.collections.map((def) => [def.name, def]));
  const subscriptions = new Set<ScopeSubscription>();
  const stallListeners = new Set<(info: StallInfo) => void>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  if (options.onStall) stallListeners.add(options.onStall);
  let networkEnabled = true;
  let closed = false;
  let closing: Promise<void> | null = null;
  let cycling: Promise<void> | null = null;
  let lastPingCycle = -Infinity;

  /** See CommitOptions.sent. */
  const sent = new Map<string, Promise<void>>();
  const closedError = (): LocalfireError => new LocalfireError('closed', 'the Firestore remote is closed');

  async function write(writes: readonly RemoteWrite[], writeOptions?: { readonly signal?: AbortSignal }): Promise<WriteAck[]> {
    if (closed) throw closedError();
    const signal = writeOptions?.signal;
    if (signal?.aborted) throw new LocalfireError('aborted', 'write aborted', { cause: signal.reason });
    if (!networkEnabled) throw new LocalfireError('offline', 'the network is disabled');
    return commitWrites({ firestore, collections, writes, signal, sent });
  }

  function subscribe(scope: RemoteScope, from: Checkpoint | null, handlers: SubscriptionHandlers): Subscription {
    let inner: ScopeSubscription | null = null;
    let done = false;
    const report = (error: LocalfireError): void => {
      queueMicrotask(() => {
        if (done) return;
        done = true;
        try {
          handlers.onError(error);
        } catch {
          // handlers must not break the adapter
        }
      });
    };
    const def = collections.get(scope.collection);
    if (closed) report(closedError());
    else if (def === undefined) report(new LocalfireError('invalid-query', `unknown collection "${scope.collection}"`));
    else {
      try {
        // Throws for a malformed scope (a missing parent, an unknown field): reported, not thrown.
        buildScopeQueries(firestore, def, scope, null);
        inner = startScopeSubscription({
          def,
          path: collectionPath(def, scope.parents ?? {}),
          queries: (bound) => buildScopeQueries(firestore, def, scope, bound),
          maxCommitLagMicros: maxCommitLagMs * 1000,
          listen: sdkSnapshotSource,
          // A limit makes it a query of its own: the SDK would answer the listener's own query from
          // that listener's target, which is what is being checked.
          fetch: (q) => getDocsFromServer(query(q, limit(VERIFY_LIMIT))),
          // A field-filtered scope's listeners have no bound (see `unbounded`): a removal there is
          // a document that left the filters (or was deleted), delivered as it comes.
          ...(hasFieldFilters(scope) ? {} : { fetchDoc: fetchDocument }),
          from,
          handlers: {
            onChanges: (changes, checkpoint) => handlers.onChanges(changes, checkpoint),
            onError: (error) => {
              if (inner) subscriptions.delete(inner);
              done = true;
              handlers.onError(error);
            },
            onSyncState: (state) => handlers.onSyncState?.(state),
          },
          stall: {
            timeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
            fallbackGraceMs: FALLBACK_GRACE_MS,
            networkEnabled,
            cycleNetwork,
            onStall: reportStall,
          },
          ...(hasFieldFilters(scope) ? { unbounded: true } : { windowDocs }),
        });
        subscriptions.add(inner);
      } catch (e) {
        report(mapFirestoreError(e, `subscription to ${scope.collection}`));
      }
    }
    return {
      close() {
        done = true;
        if (inner) {
          subscriptions.delete(inner);
          inner.close();
        }
      },
    };
  }

  async function fetchDocument(path: string): Promise<FetchedDocument> {
    const snapshot = await getDocFromServer(doc(firestore, path));
    const raw = snapshot.data();
    return raw === undefined ? null : { raw, version: versionOrUpdatedAt(snapshot, raw), pending: snapshot.metadata.hasPendingWrites };
  }

  function reportStall(info: StallInfo): void {
    for (const listener of [...stallListeners]) {
      try {
        listener(info);
      } catch {
        // a throwing hook must not stop the watchdog
      }
    }
  }

  /**
   * Restarts the SDK's streams (disableNetwork, then enableNetwork unless the network was
   * switched off on purpose meanwhile; also after close(), so an app-owned instance is left
   * as it was): resets a stream waiting in the SDK's backoff and re-sends every target. One
   * cycle at a time; never rejects.
   */
  function cycleNetwork(): Promise<void> {
    cycling ??= (async () => {
      try {
        await disableNetwork(firestore);
        if (networkEnabled) await enableNetwork(firestore);
      } catch {
        // terminated or closed meanwhile: nothing to restart
      } finally {
        cycling = null;
      }
    })();
    return cycling;
  }

  async function ping(pingOptions?: { readonly signal?: AbortSignal }): Promise<void> {
    if (closed) throw closedError();
    if (!networkEnabled) throw new LocalfireError('offline', 'the network is disabled');
    try {
      await raceAbort(getDocFromServer(doc(firestore, PING_PATH)), pingOptions?.signal);
    } catch (e) {
      const error = e instanceof LocalfireError ? e : mapFirestoreError(e, 'ping');
      // A refusal is the server's answer: it is reachable.
      if (error.kind === 'permission-denied' || error.kind === 'unauthenticated') return;
      // No answer by the caller's deadline: the SDK's watch stream (which server reads use) may
      // be waiting in its backoff; restart it rather than wait (at most once a PING_CYCLE_MS).
      if (error.kind === 'aborted' && networkEnabled && Date.now() - lastPingCycle >= PING_CYCLE_MS) {
        lastPingCycle = Date.now();
        void cycleNetwork();
      }
      throw error;
    }
  }

  const defOf = (scope: RemoteScope): CollectionDef => {
    const def = collections.get(scope.collection);
    if (def === undefined) throw new LocalfireError('invalid-query', `unknown collection "${scope.collection}"`);
    return def;
  };

  async function countInScope(scope: RemoteScope): Promise<number> {
    if (closed) throw closedError();
    const queries = buildScopeQueries(firestore, defOf(scope), scope, null);
    try {
      const counts = await Promise.all(queries.map(async (q) => (await getCountFromServer(q)).data().count));
      return counts.reduce((sum, n) => sum + n, 0);
    } catch (e) {
      throw mapFirestoreError(e, `count of ${scope.collection}`);
    }
  }

  /**
   * One server read per id (a `documentId() in` query combined with the scope's filters is
   * refused by rules that check membership per document): a document that is gone, that the
   * rules no longer let this user read, or whose fields no longer match, is not in the scope.
   */
  async function stillInScope(scope: RemoteScope, ids: readonly string[]): Promise<ReadonlySet<string>> {
    if (closed) throw closedError();
    const def = defOf(scope);
    buildScopeQueries(firestore, def, scope, null);
    const found = new Set<string>();
    await Promise.all(
      ids.map(async (id) => {
        let raw: Record<string, unknown> | undefined;
        try {
          raw = (await getDocFromServer(doc(firestore, documentPath(def, { ...scope.parents, id })))).data();
        } catch (e) {
          const error = mapFirestoreError(e, `read of ${scope.collection}/${id}`);
          if (error.kind === 'permission-denied') return;
          throw error;
        }
        // Parents are in the path, not necessarily in the fields.
        if (raw !== undefined && matchesScope({ ...scope, parents: {} }, id, raw)) found.add(id);
      }),
    );
    return found;
  }

  function notifyConnection(): void {
    const state = networkEnabled ? 'online' : 'offline';
    for (const listener of [...connectionListeners]) {
      try {
        listener(state);
      } catch {
        // one failing listener must not starve the others
      }
    }
  }

  async function setNetworkEnabled(enabled: boolean): Promise<void> {
    if (closed) throw closedError();
    const changed = networkEnabled !== enabled;
    networkEnabled = enabled;
    for (const s of subscriptions) s.setNetworkEnabled(enabled);
    if (changed) notifyConnection();
    try {
      await (enabled ? enableNetwork(firestore) : disableNetwork(firestore));
    } catch (e) {
      throw mapFirestoreError(e, enabled ? 'enableNetwork' : 'disableNetwork');
    }
  }

  async function close(): Promise<void> {
    closing ??= (async () => {
      closed = true;
      for (const s of subscriptions) s.close();
      subscriptions.clear();
      connectionListeners.clear();
      if (options.terminateOnClose === true) await terminate(firestore);
    })();
    return closing;
  }

  return {
    firestore,
    write,
    subscribe,
    ping,
    countInScope,
    stillInScope,
    setNetworkEnabled,
    onConnectionChange(listener: (state: ConnectionState) => void) {
      connectionListeners.add(listener);
      return () => {
        connectionListeners.delete(listener);
      };
    },
    onStall(listener) {
      stallListeners.add(listener);
      return () => {
        stallListeners.delete(listener);
      };
    },
    get connectionState(): ConnectionState {
      return networkEnabled ? 'online' : 'offline';
    },
    close,
  };
}
