/*
 * One subscription: a pump that reads the backend's change log from its position and
 * delivers batches, one at a time (each awaited), while the client is online and its
 * subscriptions are not stalled.
 *
 *   idle --wake (online)--> pause --> read log --(changes)--> deliver --> pause ...
 *                                        \--(nothing new)--> idle, reported 'current'
 *   offline / stalled (checked at wake and before each read) --> reported 'behind'
 *   any state --close / error--> closed (no handler call afterwards)
 *
 * Reading the log from a position is what makes resume, offline catch-up and ordering
 * work the same way: there is no separate realtime path. The log is in commit order, so a
 * late commit (stamped before documents already delivered) is read like any other change,
 * and a checkpoint carries its commit position (`version`) for an exact resume.
 */
import { LocalfireError, toLocalfireError } from '../../errors.js';
import { compareCheckpoints, decodeRemoteDocument } from '../../sync/codec.js';
import type { Checkpoint, RemoteChange, RemoteScope, Subscription, SubscriptionHandlers, SubscriptionSyncState } from '../../sync/remote.js';
import type { BackendCore } from './backend.js';
import { compileScope } from './scope.js';
import type { ScopeMatcher } from './scope.js';

export interface MemorySubscription extends Subscription {
  /**
   * Something changed (a commit, back online, stall lifted, gone offline): deliver what is
   * new unless already doing so, or report 'behind' when it cannot deliver.
   */
  wake(): void;
}

export interface MemorySubscriptionOptions {
  readonly core: BackendCore;
  readonly userId: string | null;
  readonly scope: RemoteScope;
  readonly from: Checkpoint | null;
  readonly handlers: SubscriptionHandlers;
  isOnline(): boolean;
  /** The client's subscriptions are stalled (see `MemoryRemote.stallSubscriptions`). */
  isStalled(): boolean;
  /** Waits before each delivery (latency or a microtask). */
  pause(): Promise<void>;
  duplicates(): boolean;
  onClose(): void;
}

type Collected = { readonly changes: RemoteChange[]; readonly checkpoint: Checkpoint | null } | { readonly deniedPath: string };

export function createMemorySubscription(options: MemorySubscriptionOptions): MemorySubscription {
  const { core, userId, handlers } = options;
  const store = core.store;
  /** Paths delivered as in scope (so a later change is `modified`, and leaving is `removed`). */
  const known = new Set<string>();
  let matcher: ScopeMatcher | null = null;
  let next = 0;
  let closed = false;
  let running = false;
  let reported: SubscriptionSyncState | null = null;

  const report = (state: SubscriptionSyncState) => {
    if (closed || reported === state) return;
    reported = state;
    handlers.onSyncState?.(state);
  };
  const canDeliver = () => options.isOnline() && !options.isStalled();

  const close = () => {
    if (closed) return;
    closed = true;
    options.onClose();
  };
  const fail = (error: LocalfireError) => {
    if (closed) return;
    close();
    handlers.onError(error);
  };

  const start = (): boolean => {
    const compiled = compileScope(store.defs, options.scope);
    if (compiled instanceof LocalfireError) {
      fail(compiled);
      return false;
    }
    if (!core.allowed({ userId, path: compiled.collectionPath, op: 'read' })) {
      fail(denied(compiled.collectionPath, userId));
      return false;
    }
    matcher = compiled;
    next = store.indexAfter(options.from);
    return true;
  };

  const collect = (scope: ScopeMatcher): Collected => {
    const changes: RemoteChange[] = [];
    let checkpoint: Checkpoint | null = null;
    const log = store.log;
    while (next < log.length && changes.length < core.deliveryBatchSize) {
      const entry = log[next++];
      const doc = entry && store.isCurrent(entry) ? store.get(entry.path) : undefined;
      if (!entry || !doc || !scope.underParents(doc)) continue;
      const inScope = scope.matchesFilters(doc);
      const wasKnown = known.has(doc.path);
      if (!inScope && !wasKnown) continue;
      if (checkpoint && compareCheckpoints(entry, checkpoint) < 0) {
        // A late commit (stamped before what this batch holds): it starts the next batch, so
        // each batch stays in (serverTime, id) order and its checkpoint is its last log entry.
        next--;
        break;
      }
      if (!core.allowed({ userId, path: doc.path, op: 'read' })) return { deniedPath: doc.path };
      if (inScope) {
        const change = decodeRemoteDocument(doc.def, {
          id: doc.id,
          path: doc.path,
          data: structuredClone(doc.data),
          updatedAtMicros: doc.serverTime,
          versionMicros: doc.version,
          type: wasKnown ? 'modified' : 'added',
        });
        if (change.type !== 'invalid') known.add(doc.path);
        changes.push(change);
      } else {
        known.delete(doc.path);
        changes.push({ type: 'removed', collection: doc.def.name, id: doc.id, path: doc.path });
      }
      checkpoint = { serverTime: entry.serverTime, id: entry.id, version: entry.version };
    }
    return { changes, checkpoint };
  };

  const run = async () => {
    running = true;
    try {
      for (;;) {
        await options.pause();
        if (closed) return;
        if (!canDeliver()) return report('behind');
        if (!matcher && !start()) return;
        if (!matcher) return;
        const batch = collect(matcher);
        if ('deniedPath' in batch) return fail(denied(batch.deniedPath, userId));
        if (batch.changes.length === 0) return report('current');
        await handlers.onChanges(batch.changes, batch.checkpoint);
        if (options.duplicates() && !closed) await handlers.onChanges(batch.changes, batch.checkpoint);
      }
    } catch (e) {
      fail(toLocalfireError(e));
    } finally {
      running = false;
    }
  };

  return {
    wake() {
      if (closed) return;
      if (!canDeliver()) report('behind');
      if (!running) void run();
    },
    close,
  };
}

function denied(path: string, userId: string | null): LocalfireError {
  return new LocalfireError('permission-denied', `read of ${path} denied`, { details: { path, userId } });
}
