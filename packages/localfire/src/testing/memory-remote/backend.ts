import { LocalfireError } from '../../errors.js';
import type { ServerTime } from '../../store/sync-store.js';
import { encodeWrite } from '../../sync/codec.js';
import { MAX_BATCH_WRITES } from '../../sync/remote.js';
import type { RemoteWrite, WriteAck } from '../../sync/remote.js';
import { createMemoryClient } from './client.js';
import { createDocStore, isRecord } from './store.js';
import type { DocStore } from './store.js';
import type { MemoryBackend, MemoryBackendOptions, MemoryDocument, MemoryRuleRequest } from './types.js';

/** What clients and subscriptions share: the store, the rules and change notification. */
export interface BackendCore {
  readonly store: DocStore;
  readonly deliveryBatchSize: number;
  allowed(request: MemoryRuleRequest): boolean;
  /** Validates, checks rules and applies a batch atomically at one server time. Throws a LocalfireError. */
  commit(userId: string | null, writes: readonly RemoteWrite[]): WriteAck[];
  /** Called after every commit or injection. */
  watch(listener: () => void): () => void;
}

/**
 * Creates an in-memory backend (see {@link MemoryBackend}). Server times are µs from
 * `clock`, strictly increasing (a batch shares one). Writes are validated like a real
 * adapter does (`encodeWrite`: path shape, field kinds) and refused with `invalid-data`.
 */
export function createMemoryBackend(options: MemoryBackendOptions): MemoryBackend {
  const store = createDocStore(options.collections);
  const clock = options.clock ?? Date.now;
  const rules = options.rules ?? (() => true);
  const listeners = new Set<() => void>();
  let lastServerTime: ServerTime = 0;

  const nextServerTime = (): ServerTime => {
    lastServerTime = Math.max(lastServerTime + 1, Math.floor(clock() * 1000));
    return lastServerTime;
  };
  const changed = () => {
    for (const listener of [...listeners]) listener();
  };

  const core: BackendCore = {
    store,
    deliveryBatchSize: options.deliveryBatchSize ?? 500,
    allowed: (request) => rules(request),
    commit(userId, writes) {
      if (writes.length === 0) return [];
      if (writes.length > MAX_BATCH_WRITES) throw new LocalfireError('invalid-data', `a batch holds at most ${MAX_BATCH_WRITES} writes`);
      const encoded = writes.map((write) => {
        const def = store.defs.get(write.collection);
        if (!def) throw new LocalfireError('invalid-data', `unknown collection "${write.collection}"`, { details: { path: write.path } });
        return encodeWrite(def, write);
      });
      for (const write of encoded) {
        if (!rules({ userId, path: write.path, op: 'write' })) {
          throw new LocalfireError('permission-denied', `write to ${write.path} denied`, { details: { path: write.path, userId } });
        }
      }
      const serverTime = nextServerTime();
      store.apply(encoded, serverTime);
      changed();
      return writes.map((write) => ({ path: write.path, version: serverTime }));
    },
    watch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  return {
    connect: (connectOptions) => createMemoryClient(core, connectOptions?.userId ?? null),
    injectRaw(path, data) {
      store.locate(path);
      const serverTime = nextServerTime();
      store.put(path, data, serverTime);
      changed();
      return serverTime;
    },
    documents() {
      return store
        .all()
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
        .map((doc): MemoryDocument => {
          const data = isRecord(doc.data) ? structuredClone<Record<string, unknown>>(doc.data) : {};
          const deleted = data['deleted'] === true;
          delete data['deleted'];
          return { path: doc.path, collection: doc.def.name, id: doc.id, data, serverTime: doc.serverTime, deleted };
        });
    },
    get lastServerTime() {
      return lastServerTime;
    },
  };
}
