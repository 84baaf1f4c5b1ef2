/*
 * Rows by id for write transactions' reads, so that a read-then-write costs no SELECT when
 * the row is known: with a worker-backed driver (the browser) each SELECT is a round trip
 * to the worker, and a chat send (read the conversation, write the message and the
 * conversation's preview) becomes one round trip instead of two.
 *
 *   committed rows (store-wide, LRU) ◀── each COMMIT: the rows its change log carries
 *        │                                 (`after`), the rows it read and left unchanged;
 *        ▼                                 a collection changed in bulk ('all') is dropped
 *   a transaction's rows: read here (SELECT once), else committed unless changed here
 *
 * Coherence rests on two facts: the store is its database's only writer (one connection,
 * one engine per database), and every write the store makes records its rows in the
 * change log, with the row as committed, or the whole collection when it does not know
 * which rows changed. Rows are copied in and out: no caller holds an object the cache keeps.
 */
import type { ChangeLog } from './change-log.js';
import { rowKey as key } from './context.js';
import type { RowMeta } from './types.js';

/** A row as write paths use it: the entity's fields and its metadata (tombstones included). */
export interface CachedRow {
  readonly data: Readonly<Record<string, unknown>>;
  readonly meta: RowMeta;
}

/** What one write transaction sees (`OpContext.rows`). */
export interface TransactionRows {
  /** The row as this transaction would SELECT it, if known without a SELECT. */
  get(collection: string, id: string): CachedRow | undefined;
  /** A row this transaction just SELECTed. */
  set(collection: string, id: string, row: CachedRow): void;
  /** This transaction changed the row (or, `id` undefined, rows of the collection it does not know). */
  changed(collection: string, id?: string): void;
}

export interface CommittedRows {
  /** A view for a new write transaction; `commit` publishes what it learnt once it committed. */
  begin(): TransactionRows & { commit(log: ChangeLog): void };
  clear(): void;
  readonly size: number;
}

/** Default bound of the committed rows kept (least recently used dropped first). */
export const DEFAULT_ROW_CACHE_SIZE = 1_000;

function copy(row: CachedRow): CachedRow {
  return structuredClone(row);
}

export function createCommittedRows(maxRows = DEFAULT_ROW_CACHE_SIZE): CommittedRows {
  /** Insertion order is recency: a hit moves its row to the end. */
  const rows = new Map<string, { readonly collection: string; readonly row: CachedRow }>();

  const put = (collection: string, id: string, row: CachedRow): void => {
    const k = key(collection, id);
    rows.delete(k);
    rows.set(k, { collection, row });
    if (rows.size > maxRows) rows.delete(rows.keys().next().value!);
  };
  const dropCollection = (collection: string): void => {
    for (const [k, entry] of rows) if (entry.collection === collection) rows.delete(k);
  };

  return {
    get size() {
      return rows.size;
    },
    clear: () => rows.clear(),
    begin() {
      /** Read in this transaction and unchanged since; `committed`: found among the committed rows (nothing to publish). */
      const read = new Map<string, { readonly collection: string; readonly id: string; readonly row: CachedRow; readonly committed: boolean }>();
      const changedRows = new Set<string>();
      const changedCollections = new Set<string>();
      return {
        get(collection, id) {
          const k = key(collection, id);
          const own = read.get(k);
          if (own !== undefined) return own.row;
          if (changedRows.has(k) || changedCollections.has(collection)) return undefined;
          const committed = rows.get(k);
          if (committed === undefined) return undefined;
          rows.delete(k);
          rows.set(k, committed);
          const row = copy(committed.row);
          read.set(k, { collection, id, row, committed: true });
          return row;
        },
        set(collection, id, row) {
          read.set(key(collection, id), { collection, id, row, committed: false });
        },
        changed(collection, id) {
          if (id !== undefined) {
            const k = key(collection, id);
            read.delete(k);
            changedRows.add(k);
            return;
          }
          for (const [k, entry] of read) if (entry.collection === collection) read.delete(k);
          changedCollections.add(collection);
        },
        commit(log) {
          for (const entry of read.values()) if (!entry.committed) put(entry.collection, entry.id, copy(entry.row));
          for (const [collection, changes] of log) {
            if (changes === 'all') {
              dropCollection(collection);
              continue;
            }
            for (const change of changes) {
              const after = change.after;
              if (after === undefined || after === null) {
                rows.delete(key(collection, change.id));
                continue;
              }
              const { $meta, ...data } = after as Record<string, unknown> & { $meta: RowMeta };
              put(collection, change.id, copy({ data, meta: $meta }));
            }
          }
        },
      };
    },
  };
}
