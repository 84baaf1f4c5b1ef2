/*
 * The structured sync log: typed events to a pluggable sink, and a bounded ring buffer the
 * inspector reads. Events carry the local clock's time (`at`, ms).
 */
import type { ErrorKind } from '../errors.js';
import type { RemoteStall } from './remote.js';
import type { SuspectTimestamp } from './suspect-timestamps.js';
import type { ConflictResolution } from './resolve.js';
import type { MergePolicy } from '../schema/fields.js';

export type SyncDirection = 'push' | 'pull';

/** A short, serialisable description of an error. */
export interface LoggedError {
  readonly kind: ErrorKind;
  readonly message: string;
  readonly retryable: boolean;
}

/** Every event the engine reports. Discriminated on `type`. */
export type SyncEvent =
  | { readonly type: 'sync-started'; readonly direction: SyncDirection; readonly count: number; readonly scope?: string }
  | { readonly type: 'sync-succeeded'; readonly direction: SyncDirection; readonly count: number; readonly durationMs: number; readonly scope?: string }
  | { readonly type: 'sync-failed'; readonly direction: SyncDirection; readonly count: number; readonly error: LoggedError; readonly paths: readonly string[]; readonly scope?: string }
  | { readonly type: 'retry-scheduled'; readonly mutationId: string; readonly path: string; readonly failures: number; readonly delayMs: number; readonly nextAttemptAt: number }
  | { readonly type: 'write-failed'; readonly mutationId: string; readonly path: string; readonly error: LoggedError }
  /** A failed write was dropped because later writes of its document replace every field it changed. */
  | { readonly type: 'write-superseded'; readonly mutationId: string; readonly path: string }
  /** The app retried or discarded the failed writes of a document (engine.retry / engine.discard). */
  | { readonly type: 'write-retried' | 'write-discarded'; readonly collection: string; readonly id: string; readonly count: number }
  | { readonly type: 'conflict-detected'; readonly collection: string; readonly id: string; readonly field: string; readonly policy: MergePolicy; readonly resolution: ConflictResolution }
  | { readonly type: 'quarantined'; readonly collection: string; readonly path: string; readonly reason: string }
  /** A delivered document's `updatedAt` is far from its commit time (server code wrote a literal time): applied, and reported. */
  | ({ readonly type: 'suspect-timestamp' } & SuspectTimestamp)
  /** Documents that left a field-filtered scope while no subscription was open, found on resume and removed. */
  | { readonly type: 'scope-reconciled'; readonly scope: string; readonly removed: number }
  | { readonly type: 'cache-evicted'; readonly collection: string; readonly count: number }
  | { readonly type: 'online' }
  | { readonly type: 'offline' }
  | { readonly type: 'subscription-opened'; readonly scope: string; readonly resumed: boolean }
  | { readonly type: 'subscription-closed'; readonly scope: string }
  | ({ readonly type: 'stalled' } & RemoteStall)
  | { readonly type: 'subscription-failed'; readonly scope: string; readonly error: LoggedError; readonly retryInMs: number | null }
  /** The app's scopes function threw (or its live query failed): the scope set stays as it was. */
  | { readonly type: 'scopes-failed'; readonly error: LoggedError }
  /** The engine's view of the connection changed (see `SyncConnection`). */
  | { readonly type: 'connection'; readonly state: 'connecting' | 'online' | 'degraded' | 'offline'; readonly reason?: string };

export type SyncEventType = SyncEvent['type'];

/** A logged event: the event plus the local time it happened and a sequence number. */
export type SyncLogEntry = SyncEvent & { readonly at: number; readonly seq: number };

/** Where events go besides the ring buffer (console, analytics, a file). Must not throw. */
export type SyncLogSink = (entry: SyncLogEntry) => void;

export interface SyncLog {
  /** The last `capacity` entries, oldest first. */
  entries(): readonly SyncLogEntry[];
  /** Listener hears each entry as it is logged. */
  subscribe(listener: (entry: SyncLogEntry) => void): () => void;
  readonly capacity: number;
}

export interface SyncLogWriter extends SyncLog {
  emit(event: SyncEvent): void;
}

export interface SyncLogOptions {
  readonly clock: () => number;
  readonly sink?: SyncLogSink;
  /** Ring buffer size. Default 500. */
  readonly capacity?: number;
}

export function createSyncLog(options: SyncLogOptions): SyncLogWriter {
  const capacity = Math.max(1, options.capacity ?? 500);
  const ring: SyncLogEntry[] = [];
  let start = 0;
  let seq = 0;
  const listeners = new Set<(entry: SyncLogEntry) => void>();
  const deliver = (fn: (entry: SyncLogEntry) => void, entry: SyncLogEntry): void => {
    try {
      fn(entry);
    } catch {
      // A failing sink or listener must never break sync.
    }
  };
  return {
    capacity,
    emit(event) {
      const entry: SyncLogEntry = { ...event, at: options.clock(), seq: ++seq };
      if (ring.length < capacity) ring.push(entry);
      else {
        ring[start] = entry;
        start = (start + 1) % capacity;
      }
      if (options.sink) deliver(options.sink, entry);
      for (const l of [...listeners]) deliver(l, entry);
    },
    entries() {
      return [...ring.slice(start), ...ring.slice(0, start)];
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/** A LoggedError from anything thrown. */
export function logError(e: { readonly kind: ErrorKind; readonly message: string; readonly retryable: boolean }): LoggedError {
  return { kind: e.kind, message: e.message, retryable: e.retryable };
}
