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
 * pending. Likewise a `removed` delivered meanwhile (the write itself may take the document
 * out of the scope): the row is kept while its write is pending, and nothing later arrives
 * for a document out of scope, so the acknowledgement purges it. In memory only: after a
 * crash the unacknowledged entry is replayed, and the replay's own delivery settles the row.
 */
import type { RemoteDoc } from './remote.js';

/** What was noted for a path: its newest snapshot, or its leaving the scope (after that snapshot, if any). */
export type NotedChange = { readonly type: 'doc'; readonly doc: RemoteDoc } | { readonly type: 'removed'; readonly collection: string; readonly id: string; readonly after?: RemoteDoc };

export interface InFlightWrites {
  /** A batch touching these document paths was sent. Returns a handle for {@link end}. */
  begin(paths: Iterable<string>): object;
  /** The batch's outcome is recorded: forget it and the snapshots noted for it. */
  end(handle: object): void;
  /** The pull loop applied `doc`: remembered (the newest per path) if a write of it is in flight. */
  noteSnapshot(doc: RemoteDoc): void;
  /** The pull loop applied a `removed` of this document: remembered if a write of it is in flight. */
  noteRemoval(change: { readonly collection: string; readonly id: string; readonly path: string }): void;
  /** The newest change noted for `path` since its write was sent, removed. */
  take(path: string): NotedChange | undefined;
}

export function createInFlightWrites(): InFlightWrites {
  const batches = new Map<object, ReadonlySet<string>>();
  const flying = new Map<string, number>();
  const noted = new Map<string, NotedChange>();
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
      const newest = previous?.type === 'doc' ? previous.doc : previous?.after;
      // A removal is superseded only by a strictly newer version (a duplicate delivery is not one).
      const supersedes = previous?.type === 'removed' ? newest === undefined || doc.serverTime > newest.serverTime : !newest || doc.serverTime >= newest.serverTime;
      if (supersedes) noted.set(doc.path, { type: 'doc', doc });
    },
    noteRemoval(change) {
      if (!flying.has(change.path)) return;
      const previous = noted.get(change.path);
      const after = previous?.type === 'doc' ? previous.doc : previous?.after;
      noted.set(change.path, after === undefined ? { type: 'removed', collection: change.collection, id: change.id } : { type: 'removed', collection: change.collection, id: change.id, after });
    },
    take(path) {
      const doc = noted.get(path);
      noted.delete(path);
      return doc;
    },
  };
}
