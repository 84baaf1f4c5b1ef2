import type { ErrorKind } from '../../errors.js';
import type { CollectionDef } from '../../schema/collection.js';
import type { ServerTime } from '../../store/sync-store.js';
import type { RemotePort, RemoteWrite, WriteAck } from '../../sync/remote.js';

/** One access the rules decide on. `path` is a document path, or for a subscription its collection path (placeholders left as `{name}` when the scope does not fix them). */
export interface MemoryRuleRequest {
  readonly userId: string | null;
  readonly path: string;
  readonly op: 'read' | 'write';
}

/** Security rules: return false to deny (the caller gets `permission-denied`). */
export type MemoryRules = (request: MemoryRuleRequest) => boolean;

export interface MemoryBackendOptions {
  /** The collections the backend knows; writes and documents elsewhere are refused. */
  readonly collections: readonly CollectionDef[];
  /** Wall clock in ms (default `Date.now`). Server times are µs from it, strictly increasing. */
  readonly clock?: () => number;
  /** Default: everything is allowed. */
  readonly rules?: MemoryRules;
  /** Most changes per delivered batch (default 500). */
  readonly deliveryBatchSize?: number;
}

/** A stored document as tests see it. */
export interface MemoryDocument {
  readonly path: string;
  readonly collection: string;
  readonly id: string;
  /** The stored fields (a copy), without `deleted`. Injected raw data is returned as stored. */
  readonly data: Readonly<Record<string, unknown>>;
  /** Its `updatedAt`: the stamp of its last write (when the write started), or the literal time a server writer gave. */
  readonly serverTime: ServerTime;
  /** Its commit time (RemoteDoc.version): unique per commit, only grows. Later than `serverTime` for a late commit. */
  readonly version: ServerTime;
  readonly deleted: boolean;
}

/** How server code writes (see {@link MemoryBackend.serverWrite}). */
export interface MemoryServerWriteOptions {
  /**
   * A literal `updatedAt` for every document of the batch instead of the server's stamp
   * (Admin SDK code writing `updatedAt: new Date(...)`), in the future or the past. The
   * version is still the commit time.
   */
  readonly updatedAt?: Date;
}

/** A batch stamped (its request started) but not committed yet: the late-commit fault. */
export interface MemoryStagedWrite {
  /** The documents' `updatedAt`, in µs: the server time when the batch was staged (or its literal `updatedAt`). */
  readonly stampedAt: ServerTime;
  /**
   * Applies the batch atomically at a new version, later than every commit so far (or at
   * its stamp when nothing else was stamped or committed since), notifies subscribers and
   * returns one ack per write. Calling it again returns the same acks and writes nothing.
   */
  commit(): WriteAck[];
}

/**
 * A shared in-memory "server": several clients connect to one backend and see each
 * other's writes. No module globals: create one per test.
 */
export interface MemoryBackend {
  /** A new client (a RemotePort with a control surface), online, signed in as `userId` (default null). */
  connect(options?: { readonly userId?: string | null }): MemoryRemote;
  /**
   * Stores `data` as the document at `path` (which must be a document path of a known
   * collection) bypassing validation and rules, committed at the next server time and
   * stamped with it, or with `options.updatedAt` (a literal time, as server code may write).
   * Subscribers receive it like any change (decoding may make it `invalid`). Returns the
   * commit time.
   */
  injectRaw(path: string, data: unknown, options?: MemoryServerWriteOptions): ServerTime;
  /**
   * Server code's batch (the Admin SDK: rules bypassed, validated like any write), stamped
   * and committed at once. Throws `invalid-data` for a bad batch, writing nothing.
   */
  serverWrite(writes: readonly RemoteWrite[], options?: MemoryServerWriteOptions): WriteAck[];
  /**
   * Like {@link serverWrite}, but only stamped now: the batch commits when its `commit()` is
   * called. Firestore stamps `updatedAt` (serverTimestamp) when a request starts and applies
   * writes in commit order, so a batch staged first and committed last (4 concurrent batches
   * of 500: stage all, commit in reverse) holds an `updatedAt` older than documents already
   * delivered. Validated now (throws, staging nothing).
   */
  startServerWrite(writes: readonly RemoteWrite[], options?: MemoryServerWriteOptions): MemoryStagedWrite;
  /** A snapshot of every stored document, sorted by path. */
  documents(): MemoryDocument[];
  /** The last server time handed out (0 before any write). */
  readonly lastServerTime: ServerTime;
}

/**
 * A client of a {@link MemoryBackend}: the RemotePort the sync engine uses, plus controls.
 *
 * Timing: with latency 0 (the default) every outcome and delivery happens on a later
 * microtask (no timers, so fake timers never block it); with `setLatency(ms)` writes settle
 * and batches are delivered after `setTimeout(ms)`, so fake timers drive them.
 * Offline: writes and pings reject with `offline` at once (nothing is queued); subscriptions
 * pause (reporting `onSyncState('behind')`) and, once online, deliver everything they missed
 * from where they were, then report `'current'`. A subscription reports `'current'` each time
 * a delivery pass finds nothing more to deliver (after `'behind'` or on its first pass).
 * `ping()` answers after the added latency unless offline or unreachable.
 */
export interface MemoryRemote extends RemotePort {
  readonly userId: string | null;
  /** Always present here: answers unless offline (rejects `offline`) or unreachable (never settles until aborted). */
  ping(options?: { readonly signal?: AbortSignal }): Promise<void>;
  setOnline(online: boolean): void;
  /**
   * The next `count` write calls reject with `kind`. With `afterCommit` the writes are
   * applied first and only the acknowledgement is lost (a "crash after the server
   * committed" for idempotency tests).
   */
  failNextWrites(count: number, kind: ErrorKind, options?: { readonly afterCommit?: boolean }): void;
  /** Added delay (ms, via setTimeout) before each write settles and each batch is delivered. */
  setLatency(ms: number): void;
  /** When on, each batch is delivered twice in a row (same changes, same checkpoint). */
  duplicateDeliveries(on: boolean): void;
  /**
   * The late-commit fault: the next `count` write calls are stamped when they reach the
   * server and committed `lagMs` later (setTimeout), so writes stamped after them can commit
   * first. Once stamped, a write commits even if its caller aborts or goes offline meanwhile
   * (the server has it): the caller then gets `aborted` and never the ack.
   */
  commitLate(count: number, options: { readonly lagMs: number }): void;
  /**
   * A stalled listener: while on, this client's subscriptions deliver nothing and report
   * `onSyncState('behind')`; writes and pings work as usual (the connection state stays
   * what it was). Turned off, they deliver what they missed and report `'current'`.
   */
  stallSubscriptions(on: boolean): void;
  /**
   * A server that does not answer while the network looks fine: while off, writes and
   * pings never settle (they wait until their signal aborts, or until reachable again) and
   * subscriptions report `'behind'`; the connection state stays `online`.
   */
  setReachable(reachable: boolean): void;
}
