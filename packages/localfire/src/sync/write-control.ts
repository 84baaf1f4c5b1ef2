/*
 * Per-write control for apps: the live list of failed writes, and `retry` / `discard` of a
 * document's failed writes. A document is addressed by (collection, id), not by mutation id:
 * apps show rows (a failed message), a document's failed writes are retried or discarded
 * together, and a later write of the document may have superseded any one mutation.
 */
import type { FailedWrite, SyncStore, WriteRef, DiscardResult } from '../store/sync-store.js';
import type { LiveQuery } from '../store/types.js';
import type { SyncLogWriter } from './log.js';

export interface WriteControl {
  /**
   * Moves the document's failed writes back to pending and pushes them now (when the engine
   * runs; else at its next start). Resolves with how many were retried. Throws `not-found`
   * (nothing changed) when the document has no failed write, `invalid-definition` for an
   * unknown collection.
   */
  retry(ref: WriteRef): Promise<number>;
  /**
   * Drops the document's failed writes and restores the server's version of the row (later
   * writes still pending stay, on top); a document the server never held (a failed create)
   * is removed with all its writes. Throws like {@link retry}.
   */
  discard(ref: WriteRef): Promise<DiscardResult>;
  /** Documents with failed writes (collection, id, error, the row's fields), live. */
  readonly failedWrites: LiveQuery<FailedWrite[]>;
}

export interface WriteControlOptions {
  readonly store: SyncStore;
  readonly log: Pick<SyncLogWriter, 'emit'>;
  /** Asks the push loop for a pass (a no-op while the engine is stopped). */
  readonly push: () => void;
}

export function createWriteControl(options: WriteControlOptions): WriteControl {
  const { store, log } = options;
  return {
    async retry(ref) {
      const count = await store.transaction((tx) => tx.retryDocument(ref));
      log.emit({ type: 'write-retried', collection: ref.collection, id: ref.id, count });
      options.push();
      return count;
    },
    async discard(ref) {
      const result = await store.transaction((tx) => tx.discardFailed(ref));
      log.emit({ type: 'write-discarded', collection: ref.collection, id: ref.id, count: result.discarded });
      options.push();
      return result;
    },
    failedWrites: store.observeFailedWrites(),
  };
}
