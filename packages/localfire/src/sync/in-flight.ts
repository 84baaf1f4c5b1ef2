/*
 * Writes in flight, and the snapshots of their documents pulled meanwhile.
 *
 * A snapshot pulled while a document's write is in flight is resolved with that write's
 * fields still pending, so they are protected. But the snapshot may already hold the write
 * (the server applied it; the acknowledgement is on its way), and then no later snapshot
 * arrives to correct the row: a remote delete or a concurrent write that the server ordered
 * after ours would be shadowed for good. So the pull loop notes such snapshots here, and the
 * push loop, in the same local transaction that records the acknowledgement, re-resolves
 * each noted snapshot at or after the acknowledged server time with the fields no longer
 * pending. In memory only: after a crash the unacknowledged entry is replayed, and the
 * replay's own snapshot settles the row.
 */
import type { RemoteDoc } from './remote.js';

export interface InFlightWrites {
  /** A batch touching these document paths was sent. Returns a handle for {@link end}. */
  begin(paths: Iterable<string>): object;
  /** The batch's outcome is recorded: forget it and the snapshots noted for it. */
  end(handle: object): void;
  /** The pull loop applied `doc`: remembered (the newest per path) if a write of it is in flight. */
  noteSnapshot(doc: RemoteDoc): void;
  /** The newest snapshot noted for `path` since its write was sent, removed. */
  take(path: string): RemoteDoc | undefined;
}

export function createInFlightWrites(): InFlightWrites {
  const batches = new Map<object, ReadonlySet<string>>();
  const flying = new Map<string, number>();
  const noted = new Map<string, RemoteDoc>();
  return {
    begin(paths) {
      const handle = {};
      const set = new Set(paths);
      batches.set(handle, set);
      for (const p of set) flying.set(p, (flying.get(p) ?? 0) + 1);
      return handle;
    },
    end(handle) {
      const set = batches.get(handle);
      if (!set) return;
      batches.delete(handle);
      for (const p of set) {
        const n = (flying.get(p) ?? 1) - 1;
        if (n > 0) flying.set(p, n);
        else {
          flying.delete(p);
          noted.delete(p);
        }
      }
    },
    noteSnapshot(doc) {
      if (!flying.has(doc.path)) return;
      const previous = noted.get(doc.path);
      if (!previous || doc.version >= previous.version) noted.set(doc.path, doc);
    },
    take(path) {
      const doc = noted.get(path);
      noted.delete(path);
      return doc;
    },
  };
}
