import type { CollectionDef, FieldName } from '../schema/collection.js';

/** Where a row stands with the server. String-literal union, as in the spec's SyncStatus. */
export type SyncStatus = 'synced' | 'pending' | 'failed' | 'conflict';

/** Bookkeeping every entity row carries (the spec's sync state and metadata). */
export interface RowMeta {
  readonly syncStatus: SyncStatus;
  readonly retryCount: number;
  readonly lastSyncAttempt: Date | null;
  /** Commit time of the newest server version seen from or acknowledged by the server. */
  readonly serverTimestamp: Date | null;
  /** Local creation time. */
  readonly createdAt: Date;
  /** Last local update time. */
  readonly updatedAt: Date;
  /** Tombstone: deleted locally or remotely; hidden from queries unless asked for. */
  readonly deleted: boolean;
}

/** An entity as read from the store: its fields plus `$meta`. */
export type Stored<T> = T & { readonly $meta: RowMeta };

/** Input to `create`: the entity, `id` optional (generated on the client when absent). */
export type CreateInput<T extends { id: string }> = Omit<T, 'id'> & { readonly id?: string };

/** A partial update. Keys absent are unchanged; `undefined` clears an optional field. */
export type Patch<T extends { id: string }> = Partial<Omit<T, 'id'>>;

/** Comparison operators for {@link Where}. `contains` applies to `set` fields. */
export interface FieldFilter<V> {
  readonly eq?: V;
  readonly ne?: V;
  readonly lt?: V;
  readonly lte?: V;
  readonly gt?: V;
  readonly gte?: V;
  readonly in?: readonly V[];
  readonly contains?: V extends readonly (infer E)[] ? E : never;
}

/** Filters on indexed fields (a bare value means `eq`), combined with AND. */
export type Where<T> = { readonly [K in FieldName<T> | 'id']?: T[K & keyof T] | FieldFilter<T[K & keyof T]> };

export type Direction = 'asc' | 'desc';

/**
 * A typed query, compiled to a cached prepared statement. Results are ordered by
 * `orderBy` then by `id` (ascending unless the last order is desc) so that order is total.
 */
export interface Query<T> {
  readonly where?: Where<T>;
  readonly orderBy?: readonly (readonly [FieldName<T>, Direction])[];
  readonly limit?: number;
  /**
   * Keyset cursor: only rows strictly after this one in the query's order. Pass the last
   * row of the previous page (its orderBy fields and id are used): no gaps, no repeats.
   */
  readonly after?: Partial<T> & { readonly id: string };
  /** Include tombstones (default false). */
  readonly includeDeleted?: boolean;
}

/**
 * A live query. The first value is the current result; afterwards a subscriber hears only
 * changes that alter its result (structural equality cut-off), at most one emission per
 * committed transaction, nothing from a rolled-back one, nothing after unsubscribe.
 * Iterating with `for await` is the AsyncIterable form; breaking the loop unsubscribes.
 */
export interface LiveQuery<R> extends AsyncIterable<R> {
  subscribe(listener: (value: R) => void, onError?: (error: unknown) => void): () => void;
  /** Runs the query once now. */
  get(): Promise<R>;
}

/**
 * The generic repository every collection gets. Every write validates against the
 * collection's schema, then stores the row and its outbox entry in one local transaction:
 * no mutation goes untracked, and an aborted transaction tracks nothing.
 */
export interface Repository<T extends { id: string }> extends Aggregates<T> {
  readonly collection: CollectionDef<T>;
  /**
   * Throws `validation` (nothing written) when the schema refuses the entity or Firestore would
   * refuse its document (size, nesting, field names: `details.limit`), `conflict` if the id exists.
   */
  create(input: CreateInput<T>): Promise<Stored<T>>;
  /** Creates or fully replaces. */
  upsert(entity: T): Promise<Stored<T>>;
  read(id: string): Promise<Stored<T> | undefined>;
  readAll(): Promise<Stored<T>[]>;
  /**
   * Throws `not-found`, `validation` (schema or Firestore limits, as `create`), or `precondition`
   * when an immutable field would change. The write carries the changed fields. On a row whose
   * earlier write failed it also carries the other `lww`/`server` fields the patch names, and
   * supersedes the failed write when it covers every field that write changed; else the row
   * stays `failed` (blocked) until the failed write is retried or discarded.
   */
  update(id: string, patch: Patch<T>): Promise<Stored<T>>;
  /** Adds values to `set` fields; pushed as a set union (arrayUnion), so concurrent additions merge. */
  addToSet(id: string, additions: { readonly [K in FieldName<T>]?: readonly string[] }): Promise<Stored<T>>;
  /** Tombstones the row (hidden from queries); the tombstone syncs, then may be purged. */
  delete(id: string): Promise<void>;
  query(query: Query<T>): Promise<Stored<T>[]>;
  count(where?: Where<T>): Promise<number>;
  observe(): LiveQuery<Stored<T>[]>;
  observe(id: string): LiveQuery<Stored<T> | undefined>;
  observeQuery(query: Query<T>): LiveQuery<Stored<T>[]>;
}

/** A transaction handle: repositories bound to it see its uncommitted writes. */
export interface Transaction {
  repo<T extends { id: string }>(collection: CollectionDef<T>): Repository<T>;
}

/** Extra per-collection aggregate: counts grouped by one field's value. */
export interface Aggregates<T extends { id: string }> {
  /**
   * `SELECT field, count(*) … GROUP BY field` over non-deleted rows matching `where`. Keys
   * are the value as a string (booleans `'true'`/`'false'`, dates as ISO strings, sets and
   * json as JSON text); rows without a value are not counted.
   */
  countBy(field: FieldName<T>, where?: Where<T>): Promise<Map<string, number>>;
}
