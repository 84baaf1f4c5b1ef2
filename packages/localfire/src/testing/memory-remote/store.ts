/*
 * The backend's storage: documents by path and a change log in commit order. Every commit
 * appends one log entry per document, all at the commit's version (versions only grow, one
 * per commit), sorted by (serverTime, id) within the commit; an entry whose document was
 * committed again later is superseded (skipped when read), so reading the log from a
 * position yields each changed document once, at its latest state.
 *
 * The log is ordered by commit, not by stamp: a write stamped early and committed late (see
 * `MemoryBackend.startServerWrite`) sits after documents with newer stamps, so a reader of
 * the log never misses it, and a position in the log is (version, serverTime, id).
 */
import { LocalfireError } from '../../errors.js';
import type { CollectionDef } from '../../schema/collection.js';
import type { ServerTime } from '../../store/sync-store.js';
import { applyEncodedWrite, compareCheckpoints, parseDocumentPath } from '../../sync/codec.js';
import type { EncodedWrite } from '../../sync/codec.js';
import type { Checkpoint } from '../../sync/remote.js';

export interface StoredDoc {
  readonly def: CollectionDef;
  readonly id: string;
  readonly path: string;
  readonly parents: Readonly<Record<string, string>>;
  /** Fields plus `deleted: true` for tombstones; anything at all when injected raw. */
  data: unknown;
  /** The document's `updatedAt`: the stamp of its last write (or a literal time a server writer gave). */
  serverTime: ServerTime;
  /** The commit time of the document's last write: unique per commit, only grows. */
  version: ServerTime;
}

export interface LogEntry {
  readonly serverTime: ServerTime;
  readonly id: string;
  readonly path: string;
  readonly version: ServerTime;
}

/** When a commit happens and what it stamps: `version` is the commit time, `serverTime` the documents' `updatedAt`. */
export interface CommitTimes {
  readonly serverTime: ServerTime;
  readonly version: ServerTime;
}

export interface DocStore {
  readonly defs: ReadonlyMap<string, CollectionDef>;
  readonly log: readonly LogEntry[];
  get(path: string): StoredDoc | undefined;
  all(): StoredDoc[];
  /** Resolves a path to its collection; throws `invalid-data` for an unknown path. */
  locate(path: string): { readonly def: CollectionDef; readonly id: string; readonly parents: Readonly<Record<string, string>> };
  /** Applies encoded writes as one commit (already validated: cannot fail). `times.version` must be newer than every earlier commit's. */
  apply(writes: readonly EncodedWrite[], times: CommitTimes): void;
  /** Replaces a document's data wholesale, as one commit. */
  put(path: string, data: unknown, times: CommitTimes): void;
  /**
   * Index of the first log entry after `from` (0 when null): after its commit position
   * (version, serverTime, id). A checkpoint without a version is taken to be at the commit
   * time of its `serverTime`: every document committed after that is delivered whatever its
   * stamp (some may come again, which a reader tolerates), none committed before.
   */
  indexAfter(from: Checkpoint | null): number;
  /** True when the entry is the document's latest change. */
  isCurrent(entry: LogEntry): boolean;
}

/** Orders log positions: by commit version, then (serverTime, id) within a commit. */
export function compareLogPositions(a: LogEntry | Checkpoint, b: LogEntry | Checkpoint): number {
  const [va, vb] = [a.version ?? a.serverTime, b.version ?? b.serverTime];
  if (va !== vb) return va < vb ? -1 : 1;
  return compareCheckpoints(a, b);
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
    const created: StoredDoc = { ...locate(path), path, data: {}, serverTime: 0, version: 0 };
    docs.set(path, created);
    return created;
  };

  const appendLog = (paths: Iterable<string>, { serverTime, version }: CommitTimes) => {
    const last = log.at(-1);
    if (last && last.version >= version) throw new LocalfireError('internal', `commit version ${version} is not after ${last.version}`);
    const entries = [...new Set(paths)].map((path) => ({ serverTime, id: docFor(path).id, path, version }));
    entries.sort((a, b) => compareCheckpoints(a, b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    log.push(...entries);
  };

  return {
    defs,
    log,
    get: (path) => docs.get(path),
    all: () => [...docs.values()],
    locate,
    apply(writes, times) {
      appendLog(
        writes.map((w) => w.path),
        times,
      );
      for (const write of writes) {
        const doc = docFor(write.path);
        doc.data = applyEncodedWrite(isRecord(doc.data) ? doc.data : undefined, write);
        doc.serverTime = times.serverTime;
        doc.version = times.version;
      }
    },
    put(path, data, times) {
      appendLog([path], times);
      const doc = docFor(path);
      doc.data = structuredClone(data);
      doc.serverTime = times.serverTime;
      doc.version = times.version;
    },
    indexAfter(from) {
      if (from === null) return 0;
      let low = 0;
      let high = log.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        const entry = log[mid];
        if (entry && compareLogPositions(entry, from) > 0) high = mid;
        else low = mid + 1;
      }
      return low;
    },
    isCurrent: (entry) => docs.get(entry.path)?.version === entry.version,
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
