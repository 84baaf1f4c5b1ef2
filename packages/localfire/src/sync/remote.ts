/*
 * The remote port: what the sync engine needs from a backend. Owned by the sync layer,
 * implemented by `localfire/firestore` (the real SDK) and `localfire/testing`'s in-memory
 * remote. No `firebase` import here or anywhere under sync/.
 */
import type { LocalfireError } from '../errors.js';
import type { FieldChange, ServerTime } from '../store/sync-store.js';

/**
 * One document write. Idempotent by construction: `set` merges exactly `fields` (unions as
 * arrayUnion, set removals as arrayRemove) and stamps `updatedAt` with the server time; `delete` writes a tombstone
 * (`deleted: true`). Applying the same write twice leaves the same document (but for
 * `updatedAt`).
 */
export interface RemoteWrite {
  /**
   * Unique per write; a retry of the same write carries the same id (an adapter may then wait
   * for an earlier, aborted send of it instead of applying it a second time).
   */
  readonly mutationId: string;
  readonly collection: string;
  readonly id: string;
  readonly path: string;
  readonly op: 'set' | 'delete';
  readonly fields: Readonly<Record<string, FieldChange>>;
}

/** The server's acknowledgement of one write. */
export interface WriteAck {
  readonly path: string;
  /** The document's {@link RemoteDoc.version} once the write was applied (or a newer one). */
  readonly version: ServerTime;
}

/** A decoded, validated remote document, field values in local representation. */
export interface RemoteDoc {
  readonly collection: string;
  readonly id: string;
  readonly path: string;
  readonly data: Readonly<Record<string, unknown>>;
  /**
   * The document's server `updatedAt`: the order listeners deliver in and resume from
   * (checkpoints). Firestore stamps it when a write request STARTS, so a write that starts
   * first but commits last leaves the document with an older `updatedAt` than the version it
   * replaced: never compare versions of one document by it.
   */
  readonly serverTime: ServerTime;
  /**
   * The version of this state of the document: its commit time on the server (Firestore's
   * update time), which only grows for a document. Conflicts are ordered by it.
   */
  readonly version: ServerTime;
  /** Tombstone. */
  readonly deleted: boolean;
}

/**
 * Resume point. A subscription from it delivers every change committed after `version` (when
 * the checkpoint has one) and every change positioned after (serverTime, id); it may hear
 * documents at or before it again, and drops those the checkpoint already covers.
 */
export interface Checkpoint {
  /** The position (µs) of the last document delivered: its `updatedAt`, never after its commit. */
  readonly serverTime: ServerTime;
  readonly id: string;
  /**
   * The newest {@link RemoteDoc.version} delivered up to here, when the remote tracks it: a
   * document stamped before the checkpoint but committed after this version is a late commit
   * that a resume must still deliver (see the Firestore adapter's README, "Late commits").
   */
  readonly version?: ServerTime;
}

export type RemoteChange =
  | { readonly type: 'added' | 'modified'; readonly doc: RemoteDoc }
  /** The document left the subscription's scope (or was hard-deleted on the server). */
  | { readonly type: 'removed'; readonly collection: string; readonly id: string; readonly path: string }
  /** A document that failed decoding or validation: to be quarantined, never applied. */
  | { readonly type: 'invalid'; readonly collection: string; readonly id: string; readonly path: string; readonly error: LocalfireError; readonly raw: unknown };

/** Equality / membership filters a subscription may use. */
export type ScopeFilter =
  | { readonly field: string; readonly op: '=='; readonly value: string | number | boolean }
  | { readonly field: string; readonly op: 'array-contains'; readonly value: string }
  /** Document id in a list (Firestore allows up to 30 per query; adapters split larger lists). */
  | { readonly field: 'id'; readonly op: 'in'; readonly value: readonly string[] };

/** A set of documents to keep in step: one collection under one parent path, filtered. */
export interface RemoteScope {
  readonly collection: string;
  /** Values for the path's parent placeholders, e.g. `{ conversationId: 'c1' }`. */
  readonly parents?: Readonly<Record<string, string>>;
  readonly filters?: readonly ScopeFilter[];
}

export interface SubscriptionHandlers {
  /**
   * A batch of changes, in (serverTime, id) order, delivered after any previous batch was
   * handled (the promise returned is awaited before the next delivery). `checkpoint` is the
   * position after the batch; store it only once the batch is committed locally.
   */
  onChanges(changes: readonly RemoteChange[], checkpoint: Checkpoint | null): Promise<void> | void;
  /** The subscription failed; it is closed and must be re-created (retryable errors) or reported. */
  onError(error: LocalfireError): void;
  /**
   * Optional: whether the subscription is current with the server. `'current'` once every
   * change the server had when the listeners became current was handed to `onChanges` (the
   * first `'current'` ends the scope's initial sync); `'behind'` while it is not (just opened,
   * fallen back to cache, stalled, reopening). Called on each change of state, never twice in
   * a row with the same state; the first call may be either.
   */
  onSyncState?(state: SubscriptionSyncState): void;
}

/** See {@link SubscriptionHandlers.onSyncState}. */
export type SubscriptionSyncState = 'current' | 'behind';

export interface Subscription {
  /** Stops delivery; no handler is called afterwards. Idempotent. */
  close(): void;
}

export type ConnectionState = 'online' | 'offline';

/** What a remote's stall watchdog did about a subscription stuck behind the server. */
export interface RemoteStall {
  readonly collection: string;
  /** The scope's collection path, when known. */
  readonly path?: string;
  /** Reopens in this stall episode so far. */
  readonly attempts: number;
  readonly action: 'reopen' | 'cycle-network';
}

export interface RemotePort {
  /**
   * Commits up to 500 writes atomically. Resolves with one ack per write, in order.
   * Rejects with a LocalfireError (`offline`, `permission-denied`, `invalid-data`, …);
   * honours `signal` (rejects `aborted`), so a push can have a deadline.
   */
  write(writes: readonly RemoteWrite[], options?: { readonly signal?: AbortSignal }): Promise<WriteAck[]>;
  /**
   * Keeps `scope` in step: first every document changed after `from` (all, when null),
   * then realtime changes. Never throws from inside the stream: malformed documents arrive
   * as `invalid` changes.
   */
  subscribe(scope: RemoteScope, from: Checkpoint | null, handlers: SubscriptionHandlers): Subscription;
  /** The remote's view of connectivity; listener called on each change. */
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
  readonly connectionState: ConnectionState;
  /**
   * Optional network switch (the app's offline mode, a network monitor): while disabled the
   * connection state is `offline`, writes reject with `offline` and subscriptions pause, then
   * resume from where they were. Firestore: `disableNetwork` / `enableNetwork`.
   */
  setNetworkEnabled?(enabled: boolean): Promise<void>;
  /**
   * Optional: how many documents are in `scope` on the server now (Firestore: a count
   * aggregation, billed one read per 1,000 documents counted). With {@link stillInScope}, lets
   * the engine find documents that left a field-filtered scope while no subscription was open.
   */
  countInScope?(scope: RemoteScope): Promise<number>;
  /**
   * Optional: which of `ids` are in `scope` on the server now; a document deleted, out of the
   * scope's filters or no longer readable is not (Firestore: one read per document found).
   */
  stillInScope?(scope: RemoteScope, ids: readonly string[]): Promise<ReadonlySet<string>>;
  /**
   * Optional: one round trip to the server that proves it is reachable (Firestore: a server
   * read of one document; a refusal by the rules is an answer too and resolves). Rejects
   * `offline` / `timeout` / `aborted` when no answer came; honours `signal`.
   */
  ping?(options?: { readonly signal?: AbortSignal }): Promise<void>;
  /** Optional: hears each action of the remote's stall watchdog (the engine logs it as `stalled`). */
  onStall?(listener: (stall: RemoteStall) => void): () => void;
  /** Releases every connection. Idempotent. */
  close(): Promise<void>;
}

/** Firestore's batch limit. */
export const MAX_BATCH_WRITES = 500;
