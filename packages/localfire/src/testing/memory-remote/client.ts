import { LocalfireError } from '../../errors.js';
import type { ErrorKind } from '../../errors.js';
import type { ConnectionState, RemoteScope, RemoteWrite, WriteAck } from '../../sync/remote.js';
import { compileScope } from './scope.js';
import type { BackendCore } from './backend.js';
import { createMemorySubscription } from './subscription.js';
import type { MemorySubscription } from './subscription.js';
import type { MemoryRemote, MemoryStagedWrite } from './types.js';

interface InjectedFailure {
  readonly kind: ErrorKind;
  readonly afterCommit: boolean;
}

const aborted = () => new LocalfireError('aborted', 'the write was aborted');
const offline = () => new LocalfireError('offline', 'the memory remote is offline');

/** Commits a stamped batch `lagMs` later, whatever happens to its caller meanwhile; an abort only loses the ack. */
function commitLate(staged: MemoryStagedWrite, lagMs: number, signal?: AbortSignal): Promise<WriteAck[]> {
  const committed = new Promise<WriteAck[]>((resolve) => setTimeout(() => resolve(staged.commit()), lagMs));
  if (!signal) return committed;
  return new Promise<WriteAck[]>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    void committed.then((acks) => {
      signal.removeEventListener('abort', onAbort);
      resolve(acks);
    });
  });
}

/** One client of the backend; see {@link MemoryRemote} for its timing and offline behaviour. */
export function createMemoryClient(core: BackendCore, userId: string | null): MemoryRemote {
  let state: ConnectionState = 'online';
  let closed = false;
  let latency = 0;
  let duplicates = false;
  let stalled = false;
  let reachable = true;
  const failures: InjectedFailure[] = [];
  const lateCommits: number[] = [];
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  const subscriptions = new Set<MemorySubscription>();

  /** Waits the added latency (setTimeout) or one microtask; rejects `aborted` on abort. */
  const pause = (signal?: AbortSignal): Promise<void> => {
    if (latency <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(aborted());
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, latency);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };

  /** While the server is unreachable a request never settles: it waits until aborted. */
  const awaitReachable = (signal?: AbortSignal): Promise<void> => {
    if (reachable) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        unreachableWaiters.delete(onReachable);
        reject(aborted());
      };
      const onReachable = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      unreachableWaiters.add(onReachable);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };
  const unreachableWaiters = new Set<() => void>();
  const wakeSubscriptions = () => {
    for (const sub of [...subscriptions]) sub.wake();
  };

  const ensureUsable = (signal?: AbortSignal) => {
    if (closed) throw new LocalfireError('closed', 'the memory remote client is closed');
    if (signal?.aborted) throw aborted();
    if (state === 'offline') throw offline();
  };

  const stopWatching = core.watch(() => {
    for (const sub of subscriptions) sub.wake();
  });

  /** The ids of the documents in `scope` now (tombstones too, as a Firestore query returns them), as a server read would. */
  const readScope = async (scope: RemoteScope): Promise<string[]> => {
    ensureUsable();
    await awaitReachable();
    await pause();
    ensureUsable();
    const matcher = compileScope(core.store.defs, scope);
    if (matcher instanceof LocalfireError) throw matcher;
    if (!core.allowed({ userId, path: matcher.collectionPath, op: 'read' })) {
      throw new LocalfireError('permission-denied', `read of ${matcher.collectionPath} denied`, { details: { path: matcher.collectionPath, userId } });
    }
    return core.store.all().filter((doc) => doc.version > 0 && matcher.underParents(doc) && matcher.matchesFilters(doc)).map((doc) => doc.id);
  };

  const client: MemoryRemote = {
    userId,
    get connectionState() {
      return state;
    },
    async write(writes: readonly RemoteWrite[], options?: { readonly signal?: AbortSignal }): Promise<WriteAck[]> {
      const signal = options?.signal;
      ensureUsable(signal);
      await awaitReachable(signal);
      await pause(signal);
      ensureUsable(signal);
      const failure = failures.shift();
      if (failure && !failure.afterCommit) throw new LocalfireError(failure.kind, `injected ${failure.kind} failure`);
      const lagMs = lateCommits.shift();
      const acks = lagMs === undefined ? core.commit({ userId }, writes) : await commitLate(core.stage({ userId }, writes), lagMs, signal);
      if (failure) throw new LocalfireError(failure.kind, `injected ${failure.kind} failure after commit`);
      return acks;
    },
    async ping(options?: { readonly signal?: AbortSignal }): Promise<void> {
      const signal = options?.signal;
      ensureUsable(signal);
      await awaitReachable(signal);
      await pause(signal);
      ensureUsable(signal);
    },
    async countInScope(scope) {
      return (await readScope(scope)).length;
    },
    async stillInScope(scope, ids) {
      const wanted = new Set(ids);
      return new Set((await readScope(scope)).filter((id) => wanted.has(id)));
    },
    subscribe(scope, from, handlers) {
      const sub = createMemorySubscription({
        core,
        userId,
        scope,
        from,
        handlers,
        isOnline: () => state === 'online' && !closed,
        isStalled: () => stalled || !reachable,
        pause: () => pause(),
        duplicates: () => duplicates,
        onClose: () => subscriptions.delete(sub),
      });
      if (closed) {
        sub.close();
        return sub;
      }
      subscriptions.add(sub);
      sub.wake();
      return sub;
    },
    onConnectionChange(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    close() {
      if (!closed) {
        closed = true;
        stopWatching();
        for (const sub of [...subscriptions]) sub.close();
        connectionListeners.clear();
      }
      return Promise.resolve();
    },
    setOnline(online) {
      const next: ConnectionState = online ? 'online' : 'offline';
      if (next === state) return;
      state = next;
      for (const listener of [...connectionListeners]) {
        try {
          listener(next);
        } catch {
          // Like the Firestore adapter: one failing listener must not starve the others (the engine).
        }
      }
      wakeSubscriptions();
    },
    stallSubscriptions(on) {
      if (stalled === on) return;
      stalled = on;
      wakeSubscriptions();
    },
    setReachable(on) {
      if (reachable === on) return;
      reachable = on;
      if (on) for (const resume of [...unreachableWaiters]) resume();
      if (on) unreachableWaiters.clear();
      wakeSubscriptions();
    },
    failNextWrites(count, kind, failOptions) {
      for (let i = 0; i < count; i++) failures.push({ kind, afterCommit: failOptions?.afterCommit ?? false });
    },
    setLatency(ms) {
      latency = Math.max(0, ms);
    },
    duplicateDeliveries(on) {
      duplicates = on;
    },
    commitLate(count, lateOptions) {
      for (let i = 0; i < count; i++) lateCommits.push(Math.max(0, lateOptions.lagMs));
    },
  };
  return client;
}
