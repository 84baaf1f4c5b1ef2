import { LocalfireError } from '../../errors.js';
import type { ServerTime } from '../../store/sync-store.js';
import { applyEncodedWrite, encodeWrite } from '../../sync/codec.js';
import { firestoreLimitViolation } from '../../schema/firestore-limits.js';
import type { EncodedWrite } from '../../sync/codec.js';
import { MAX_BATCH_WRITES } from '../../sync/remote.js';
import type { RemoteWrite, WriteAck } from '../../sync/remote.js';
import { createMemoryClient } from './client.js';
import { createDocStore, isRecord } from './store.js';
import type { DocStore } from './store.js';
import type { MemoryBackend, MemoryBackendOptions, MemoryDocument, MemoryRuleRequest, MemoryServerWriteOptions, MemoryStagedWrite } from './types.js';

/** Who writes: a client signed in as `userId` (rules apply), or server code (rules bypassed). */
export type Writer = { readonly userId: string | null } | 'server';

/** What clients and subscriptions share: the store, the rules and change notification. */
export interface BackendCore {
  readonly store: DocStore;
  readonly deliveryBatchSize: number;
  allowed(request: MemoryRuleRequest): boolean;
  /**
   * Validates a batch, checks the rules and stamps it (the request starts); its `commit()`
   * applies it atomically at a new, later version. Throws a LocalfireError, writing nothing.
   */
  stage(writer: Writer, writes: readonly RemoteWrite[], options?: MemoryServerWriteOptions): MemoryStagedWrite;
  /** `stage(...).commit()`: stamped and committed at one server time. */
  commit(writer: Writer, writes: readonly RemoteWrite[]): WriteAck[];
  /** Called after every commit or injection. */
  watch(listener: () => void): () => void;
}

/** A literal `updatedAt` in µs; throws `invalid-data` for an invalid date. */
function literalMicros(updatedAt: Date | undefined): ServerTime | undefined {
  if (updatedAt === undefined) return undefined;
  const ms = updatedAt.getTime();
  if (!Number.isFinite(ms) || ms < 0) throw new LocalfireError('invalid-data', 'updatedAt is not a valid date after the epoch');
  return Math.floor(ms * 1000);
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

  const encode = (writer: Writer, writes: readonly RemoteWrite[]): EncodedWrite[] => {
    if (writes.length > MAX_BATCH_WRITES) throw new LocalfireError('invalid-data', `a batch holds at most ${MAX_BATCH_WRITES} writes`);
    const encoded = writes.map((write) => {
      const def = store.defs.get(write.collection);
      if (!def) throw new LocalfireError('invalid-data', `unknown collection "${write.collection}"`, { details: { path: write.path } });
      return encodeWrite(def, write);
    });
    if (writer === 'server') return encoded;
    for (const write of encoded) {
      if (!rules({ userId: writer.userId, path: write.path, op: 'write' })) {
        throw new LocalfireError('permission-denied', `write to ${write.path} denied`, { details: { path: write.path, userId: writer.userId } });
      }
    }
    return encoded;
  };

  /** Refuses, like Firestore at commit, a batch that would leave a document over its limits (size, names, depth). */
  const refuseOverLimits = (encoded: readonly EncodedWrite[]): void => {
    const merged = new Map<string, Record<string, unknown>>();
    for (const write of encoded) {
      const current = merged.get(write.path) ?? store.get(write.path)?.data;
      merged.set(write.path, applyEncodedWrite(isRecord(current) ? current : undefined, write));
    }
    for (const [path, data] of merged) {
      const violation = firestoreLimitViolation(path, { ...data, updatedAt: new Date(0) });
      if (violation !== null) throw new LocalfireError('invalid-data', `${path}: ${violation.message}`, { details: { path, ...violation } });
    }
  };

  const core: BackendCore = {
    store,
    deliveryBatchSize: options.deliveryBatchSize ?? 500,
    allowed: (request) => rules(request),
    stage(writer, writes, stageOptions) {
      const encoded = encode(writer, writes);
      const literal = literalMicros(stageOptions?.updatedAt);
      const stampedAt = literal ?? nextServerTime();
      let acks: WriteAck[] | null = null;
      return {
        stampedAt,
        commit() {
          if (acks !== null) return acks;
          refuseOverLimits(encoded);
          const version = literal === undefined && lastServerTime === stampedAt ? stampedAt : nextServerTime();
          if (encoded.length > 0) {
            store.apply(encoded, { serverTime: stampedAt, version });
            changed();
          }
          acks = writes.map((write) => ({ path: write.path, version }));
          return acks;
        },
      };
    },
    commit: (writer, writes) => (writes.length === 0 ? [] : core.stage(writer, writes).commit()),
    watch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  return {
    connect: (connectOptions) => createMemoryClient(core, connectOptions?.userId ?? null),
    injectRaw(path, data, injectOptions) {
      store.locate(path);
      const stampedAt = literalMicros(injectOptions?.updatedAt);
      const version = nextServerTime();
      store.put(path, data, { serverTime: stampedAt ?? version, version });
      changed();
      return version;
    },
    serverWrite: (writes, writeOptions) => core.stage('server', writes, writeOptions).commit(),
    startServerWrite: (writes, writeOptions) => core.stage('server', writes, writeOptions),
    documents() {
      return store
        .all()
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
        .map((doc): MemoryDocument => {
          const data = isRecord(doc.data) ? structuredClone<Record<string, unknown>>(doc.data) : {};
          const deleted = data['deleted'] === true;
          delete data['deleted'];
          return { path: doc.path, collection: doc.def.name, id: doc.id, data, serverTime: doc.serverTime, version: doc.version, deleted };
        });
    },
    get lastServerTime() {
      return lastServerTime;
    },
  };
}
