/*
 * The verification read of a scope subscription. The emulator can drop a change committed
 * while a listener is being registered: the listener then reports itself current and never
 * hears of it (seen about once in a few dozen opens under load; the stall watchdog cannot see
 * it, nothing is behind). An open that no healthy listener covered (the first open, a reopen
 * after a stall) is therefore checked once: `delayMs` after its listeners are all current, the
 * scope's queries are read from the server from the checkpoint delivered when they became
 * current, minus the commit lag, and what the listeners missed joins the delivery buffer.
 *
 *   listeners of an uncovered open all current ──delayMs──▶ read ──▶ deliver the missed
 *   another uncovered open before the read ──▶ replaced by that open's read
 *   a roll (a covered open) ──▶ changes nothing: the scheduled read still runs
 *
 * A failed read changes nothing: the listeners stay the source of truth. A document with
 * pending local writes is skipped (the server's version of it is not what the read returns).
 */
import type { BufferedDoc } from './delivery-buffer.js';
import type { SnapshotLike } from './snapshot-source.js';
import { versionOrUpdatedAt } from './document-version.js';

export interface VerificationReadOptions<Q> {
  /** One read of a query from the server (the SDK's `getDocsFromServer`, with a limit). */
  readonly fetch: (query: Q) => Promise<SnapshotLike>;
  readonly delayMs: number;
  /** Told of each document read (the caller filters what it already has). */
  readonly onFetched: (doc: BufferedDoc) => void;
  /** Called after a read's documents were all handed over. */
  readonly onRead: () => void;
}

export interface VerificationReads<Q> {
  /** Reads `queries` once `delayMs` from now, unless cancelled or replaced first. */
  schedule(queries: readonly Q[]): void;
  /** Drops a scheduled read (an uncovered open replaces it, close). */
  cancel(): void;
}

export function createVerificationReads<Q>(options: VerificationReadOptions<Q>): VerificationReads<Q> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;

  const read = (queries: readonly Q[], mine: number): void => {
    for (const query of queries) {
      options.fetch(query).then(
        (snap) => {
          if (mine !== generation) return;
          for (const change of snap.docChanges({ includeMetadataChanges: true })) {
            if (change.type === 'removed' || change.doc.metadata.hasPendingWrites) continue;
            const raw = change.doc.data();
            options.onFetched({ id: change.doc.id, path: change.doc.ref.path, raw, version: versionOrUpdatedAt(change.doc, raw) });
          }
          options.onRead();
        },
        () => undefined,
      );
    }
  };

  const cancel = (): void => {
    generation += 1;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  return {
    schedule(queries) {
      cancel();
      const mine = generation;
      timer = setTimeout(() => {
        timer = undefined;
        if (mine === generation) read(queries, mine);
      }, options.delayMs);
    },
    cancel,
  };
}
