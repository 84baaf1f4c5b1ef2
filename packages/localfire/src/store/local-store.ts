/* Public shape of the local store. Implementation: ./create-local-store.ts */
import type { CollectionDef } from '../schema/collection.js';
import type { SqliteDriver } from './driver.js';
import type { LiveQuery, Repository, Transaction } from './types.js';
import type { SyncStore } from './sync-store.js';

export interface LocalStoreOptions {
  /**
   * The database connection. While the store is open it must be the database's only writer
   * (no other connection, process or direct `driver` call changes its tables): the store
   * keeps committed rows in memory to spare SELECTs.
   */
  readonly driver: SqliteDriver;
  /** Every collection the app uses. Tables, indexes and migrations derive from these. */
  readonly collections: readonly CollectionDef<any>[];
  /** Milliseconds since epoch. Inject for deterministic tests. Default `Date.now`. */
  readonly clock?: () => number;
  /** Client id generator. Default `crypto.randomUUID`. */
  readonly newId?: () => string;
}

/**
 * The local database: the single source of truth. All reads and writes of an app go
 * through its repositories; the sync engine talks to it through `sync`.
 */
export interface LocalStore {
  repo<T extends { id: string }>(collection: CollectionDef<T>): Repository<T>;
  /**
   * Runs `fn` in one local transaction (BEGIN IMMEDIATE … COMMIT). Writes made through
   * `tx.repo(...)` commit together with their outbox entries, or not at all if `fn`
   * throws. Live queries hear one emission per committed transaction. Other calls on the
   * store wait until it ends.
   *
   * Inside `fn`, use only `tx.repo(...)`. Transactions do not nest: a call on the store
   * itself (`store.repo(...)`, `store.transaction`, `store.sync`) made inside `fn` waits for
   * `fn` to end, so awaiting it there would never return.
   */
  transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R>;
  /**
   * A live query over any reads: `read` runs in a read transaction; it re-runs after each
   * committed transaction that touched a collection it read, and emits when its result
   * changes (structural equality).
   */
  live<R>(read: (tx: Transaction) => Promise<R>): LiveQuery<R>;
  /** The surface the sync engine uses: outbox, remote apply, checkpoints, quarantine. */
  readonly sync: SyncStore;
  readonly collections: readonly CollectionDef<any>[];
  /**
   * Closes the driver; pending live queries stop. Idempotent. First runs (and awaits) every
   * hook registered with {@link onClose}, so a sync engine on this store stops before it.
   */
  close(): Promise<void>;
  /**
   * Registers `hook` to run when `close()` starts, before the driver closes (the sync engine
   * stops itself here, so a forgotten `engine.stop()` leaves nothing running). A hook that
   * throws does not prevent closing. Returns unregister.
   */
  onClose(hook: () => Promise<void> | void): () => void;
}
