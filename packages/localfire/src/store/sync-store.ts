/*
 * The store's surface for the sync engine. The store knows SQL; the engine knows policy
 * (backoff, conflict resolution). Everything here runs in local transactions and notifies
 * live queries once per committed transaction, like repository writes.
 */
import type { ErrorKind } from '../errors.js';
import type { LiveQuery, SyncStatus } from './types.js';

/** Server time: microseconds since the epoch (Firestore's precision). */
export type ServerTime = number;

/** One field's change in an outbox entry, in local representation (dates as Date). */
export type FieldChange =
  /** Set the field to this value (`undefined` deletes an optional field). */
  | { readonly op: 'set'; readonly value: unknown }
  /** Add these strings to a `set` field: pushed as arrayUnion, replay-safe. */
  | { readonly op: 'union'; readonly values: readonly string[] }
  /**
   * Remove these strings from a `set` field: pushed as arrayRemove, replay-safe. A removal is
   * applied to the server's list as it is when the write lands, never a list composed from
   * the local view (which may be stale: another device may have changed the set meanwhile).
   */
  | { readonly op: 'remove'; readonly values: readonly string[] };

export type OutboxState = 'pending' | 'failed';

/**
 * A local write waiting for the server. Written in the same transaction as the row it
 * describes. Applying it twice has the same effect as once (set/merge of the changed
 * fields, unions), so a replay after a crash or a lost acknowledgement is harmless.
 */
export interface OutboxEntry {
  /** Local order: per document, entries are pushed in seq order. */
  readonly seq: number;
  /** Client-generated unique id of this write (logs, idempotency keys). */
  readonly mutationId: string;
  readonly collection: string;
  readonly docId: string;
  /** Full Firestore document path. */
  readonly path: string;
  /** `set` merges `fields` into the document (creating it); `delete` writes a tombstone. */
  readonly op: 'set' | 'delete';
  readonly fields: Readonly<Record<string, FieldChange>>;
  /** Local ms when written. */
  readonly createdAt: number;
  readonly attempts: number;
  readonly lastAttemptAt: number | null;
  /** Local ms before which the entry is not ready (backoff). */
  readonly nextAttemptAt: number;
  readonly state: OutboxState;
  readonly lastError: { readonly kind: ErrorKind; readonly message: string } | null;
}

/** A row as the engine sees it: field values in local representation plus bookkeeping. */
export interface RawRow {
  readonly id: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly syncStatus: SyncStatus;
  /** The newest server version (commit time, `RemoteDoc.version`) the row has seen or had acknowledged. */
  readonly serverTime: ServerTime | null;
  readonly deleted: boolean;
}

export interface QuarantineEntry {
  readonly collection: string;
  readonly path: string;
  readonly reason: string;
  /** The raw remote data, JSON-encoded as far as possible. */
  readonly raw: unknown;
  readonly at: number;
}

export interface OutboxStats {
  readonly pending: number;
  readonly failed: number;
  /** Local ms of the oldest entry not yet acknowledged, or null. */
  readonly oldestAt: number | null;
}

export interface CacheStats {
  /** Live (non-deleted) rows per collection. */
  readonly rows: Readonly<Record<string, number>>;
  /** Database size from SQLite's page accounting (page_count * page_size). */
  readonly bytes: number;
}

/** Every counter the sync status shows, read together (one consistent snapshot). */
export interface StatusCounts {
  /** Outbox entries (several per row when a row was written several times). */
  readonly outbox: OutboxStats;
  /** Rows per collection with at least one pending outbox entry. */
  readonly pendingRows: Readonly<Record<string, number>>;
  /** Rows per collection with at least one failed outbox entry. */
  readonly failedRows: Readonly<Record<string, number>>;
  /** Rows with a failed outbox entry, by the error kind it failed with. */
  readonly failedRowsByKind: Readonly<Partial<Record<ErrorKind, number>>>;
  readonly quarantined: number;
  readonly cache: CacheStats;
}

/** The fields of a document's unacknowledged outbox entries. */
export interface PendingChanges {
  readonly fields: ReadonlySet<string>;
  /** Those with at least one pending `set` (not only `union`s). */
  readonly replaced: ReadonlySet<string>;
}

/**
 * A document whose write the server refused for good (non-retryable, or out of retries):
 * blocked, with its later writes held back, until the app retries or discards it.
 * Addressed by (collection, id): `retry` and `discard` take this object or any `{ collection, id }`.
 */
export interface FailedWrite {
  readonly collection: string;
  /** The document (row) id. */
  readonly id: string;
  readonly path: string;
  /** The last failure of the document's first failed write. */
  readonly error: { readonly kind: ErrorKind; readonly message: string };
  /** The failed writes (outbox mutation ids), oldest first. */
  readonly mutationIds: readonly string[];
  /** Later writes of the document held back behind the failed ones. */
  readonly waiting: number;
  /** The failed write created the document (the server has never held it): discarding removes the row. */
  readonly isCreate: boolean;
  /** Local ms of the last attempt. */
  readonly failedAt: number | null;
  /** The row's fields as they stand locally (with `id`), or null when it is a tombstone. */
  readonly row: Readonly<Record<string, unknown>> | null;
}

/** Which document a per-write control addresses. */
export interface WriteRef {
  readonly collection: string;
  readonly id: string;
}

/** What `discard` did. */
export interface DiscardResult {
  /** The failed writes dropped. */
  readonly discarded: number;
  /** `restored`: the row is the server's version again (plus later writes still pending); `removed`: the server never had it. */
  readonly row: 'restored' | 'removed';
}

export interface SyncTransaction {
  readRow(collection: string, id: string): Promise<RawRow | undefined>;
  /** Fields with a change in a not-yet-acknowledged outbox entry for this document. */
  pendingFields(collection: string, id: string): Promise<ReadonlySet<string>>;
  /**
   * Like {@link pendingFields}, plus which of them have a pending `set` (a replacement, e.g.
   * a removal from a `set` field) rather than only `union`s: the resolver keeps such a
   * field's local value instead of merging the server's into it.
   */
  pendingChanges(collection: string, id: string): Promise<PendingChanges>;
  /**
   * Writes a row as the server has it (after conflict resolution), with no outbox entry.
   * `data` holds every field. `syncStatus` is `synced` unless local edits remain pending.
   */
  writeRow(collection: string, row: { readonly id: string; readonly data: Readonly<Record<string, unknown>>; readonly serverTime: ServerTime; readonly deleted: boolean; readonly syncStatus: SyncStatus }): Promise<void>;
  /** Removes a row for good (purged tombstone, left scope, eviction). Never touches the outbox. */
  purgeRow(collection: string, id: string): Promise<void>;
  /**
   * The server acknowledged these entries: delete them; each document with no entry left
   * becomes `synced` (its retry count reset). `serverTime` is the acknowledged version
   * (`WriteAck.version`); a row keeps the newest version it has seen.
   */
  ack(acks: readonly { readonly seq: number; readonly serverTime: ServerTime }[]): Promise<void>;
  /**
   * An attempt failed. `nextAttemptAt` null means give up: the entry and its row become
   * `failed` (kept, visible, retried only by `retryFailed`), unless later writes of the
   * document cover it (supersede.ts): then it is dropped and those go out. Otherwise it stays
   * pending. Returns the seqs dropped as superseded.
   */
  recordFailure(seqs: readonly number[], failure: { readonly kind: ErrorKind; readonly message: string; readonly nextAttemptAt: number | null }): Promise<readonly number[]>;
  /** Moves failed entries (all, or these) back to pending, ready now, attempts reset. */
  retryFailed(seqs?: readonly number[]): Promise<number>;
  /** Moves the failed entries of one document back to pending. Throws `not-found` when it has none. */
  retryDocument(ref: WriteRef): Promise<number>;
  /**
   * Drops the failed entries of one document and restores the server's version of its row
   * (server-rows.ts), with the later pending writes of it applied on top; when the server has
   * never held the document (a failed create), removes the row and every write of it.
   * Throws `not-found` when the document has no failed entry.
   */
  discardFailed(ref: WriteRef): Promise<DiscardResult>;
  /**
   * A pulled version of a row that has unacknowledged writes: kept as the server's version
   * (for `discardFailed`) when newer than the one kept. No-op cost beyond one deferred write.
   */
  recordServerVersion(collection: string, doc: { readonly id: string; readonly data: Readonly<Record<string, unknown>>; readonly version: ServerTime; readonly deleted: boolean }): Promise<void>;
  quarantine(entry: Omit<QuarantineEntry, 'at'>): Promise<void>;
  /** Drops the quarantine entry of a document (a valid version of it arrived). No-op when none. */
  releaseQuarantine(collection: string, path: string): Promise<void>;
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
}

export interface SyncStore {
  transaction<R>(fn: (tx: SyncTransaction) => Promise<R>): Promise<R>;
  /**
   * Outbox entries ready to push at `now`, in seq order, at most `limit`. An entry is held
   * back while an earlier entry of the same document is not ready or failed (per-document
   * order), but never holds back other documents.
   */
  readyWrites(now: number, limit: number): Promise<OutboxEntry[]>;
  /** Documents with failed writes, oldest failure first. */
  listFailedWrites(): Promise<FailedWrite[]>;
  /** {@link listFailedWrites} as a live query: emits when a document fails, is retried, discarded, superseded or its row changes. */
  observeFailedWrites(): LiveQuery<FailedWrite[]>;
  /** Every outbox entry (inspector), in seq order. */
  listOutbox(): Promise<OutboxEntry[]>;
  outboxStats(): Promise<OutboxStats>;
  listQuarantine(limit?: number): Promise<QuarantineEntry[]>;
  quarantineCount(): Promise<number>;
  cacheStats(): Promise<CacheStats>;
  /** The three above in one read (one statement): what the status refresh uses. */
  statusCounts(): Promise<StatusCounts>;
  /**
   * Deletes synced rows of evictable collections (never a row with an outbox entry).
   * Returns the number of rows removed per collection.
   */
  clearCache(): Promise<Readonly<Record<string, number>>>;
  /** Earliest `nextAttemptAt` among pending entries not ready at `now`, for the push timer. */
  nextWakeAt(now: number): Promise<number | null>;
  /**
   * `listener` runs after each committed transaction that changed the outbox (a local write
   * added entries; `ack`, `recordFailure` or `retryFailed` changed some), never after a
   * rollback. Called synchronously after COMMIT; it must not throw. Returns unsubscribe.
   * The sync engine pushes on it (new local writes) and refreshes its status.
   */
  onOutboxChange(listener: () => void): () => void;
}
