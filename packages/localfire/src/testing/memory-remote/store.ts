/*
 * The backend's storage: documents by path and a change log in (serverTime, id, path)
 * order. Every write appends one log entry per document; an entry whose document was
 * written again later is superseded (skipped when read), so reading the log from a
 * position yields each changed document once, at its latest state.
 */
import { LocalfireError } from '../../errors.js';
import type { CollectionDef } from '../../schema/collection.js';
import type { ServerTime } from '../../store/sync-store.js';
import { compareCheckpoints, parseDocumentPath } from '../../sync/codec.js';
import type { EncodedWrite } from '../../sync/codec.js';
import type { Checkpoint } from '../../sync/remote.js';

export interface StoredDoc {
  readonly def: CollectionDef;
  readonly id: string;
  readonly path: string;
  readonly parents: Readonly<Record<string, string>>;
  /** Fields plus `deleted: true` for tombstones; anything at all when injected raw. */
  data: unknown;
  serverTime: ServerTime;
}

export interface LogEntry {
  readonly serverTime: ServerTime;
  readonly id: string;
  readonly path: string;
}

export interface DocStore {
  readonly defs: ReadonlyMap<string, CollectionDef>;
  readonly log: readonly LogEntry[];
  get(path: string): StoredDoc | undefined;
  all(): StoredDoc[];
  /** Resolves a path to its collection; throws `invalid-data` for an unknown path. */
  locate(path: string): { readonly def: CollectionDef; readonly id: string; readonly parents: Readonly<Record<string, string>> };
  /** Applies encoded writes at one server time (already validated: cannot fail). */
  apply(writes: readonly EncodedWrite[], serverTime: ServerTime): void;
  /** Replaces a document's data wholesale. */
  put(path: string, data: unknown, serverTime: ServerTime): void;
  /** Index of the first log entry strictly after `from` (0 when null). */
  indexAfter(from: Checkpoint | null): number;
  /** True when the entry is the document's latest change. */
  isCurrent(entry: LogEntry): boolean;
}

export function createDocStore(collections: readonly CollectionDef[]): DocStore {
  const defs = new Map(collections.map((def) => [def.name, def]));
  const docs = new Map<string, StoredDoc>();
  const log: LogEntry[] = [];

  const locate = (path: string) => {
    for (const def of defs.values()) {
      const parsed = parseDocumentPath(def, path);
      if (parsed) return { def, ...parsed };
    }
    throw new LocalfireError('invalid-data', `"${path}" is not a document path of any known collection`, { details: { path } });
  };

  const docFor = (path: string): StoredDoc => {
    const existing = docs.get(path);
    if (existing) return existing;
    const created: StoredDoc = { ...locate(path), path, data: {}, serverTime: 0 };
    docs.set(path, created);
    return created;
  };

  const appendLog = (paths: Iterable<string>, serverTime: ServerTime) => {
    const entries = [...new Set(paths)].map((path) => ({ serverTime, id: docFor(path).id, path }));
    entries.sort((a, b) => compareCheckpoints(a, b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    log.push(...entries);
  };

  return {
    defs,
    log,
    get: (path) => docs.get(path),
    all: () => [...docs.values()],
    locate,
    apply(writes, serverTime) {
      for (const write of writes) {
        const doc = docFor(write.path);
        const data = isRecord(doc.data) ? { ...doc.data } : {};
        for (const [name, change] of Object.entries(write.fields)) {
          if (change.op === 'delete') {
            delete data[name];
          } else if (change.op === 'set') {
            data[name] = structuredClone(change.value);
          } else {
            const current = Array.isArray(data[name]) ? (data[name] as unknown[]) : [];
            data[name] = [...current, ...change.values.filter((v) => !current.includes(v))];
          }
        }
        if (write.op === 'delete') data['deleted'] = true;
        doc.data = data;
        doc.serverTime = serverTime;
      }
      appendLog(
        writes.map((w) => w.path),
        serverTime,
      );
    },
    put(path, data, serverTime) {
      const doc = docFor(path);
      doc.data = structuredClone(data);
      doc.serverTime = serverTime;
      appendLog([path], serverTime);
    },
    indexAfter(from) {
      if (from === null) return 0;
      let low = 0;
      let high = log.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        const entry = log[mid];
        if (entry && compareCheckpoints(entry, from) > 0) high = mid;
        else low = mid + 1;
      }
      return low;
    },
    isCurrent: (entry) => docs.get(entry.path)?.serverTime === entry.serverTime,
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
