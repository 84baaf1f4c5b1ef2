/*
 * The removal checks of one scope subscription. A document also leaves a listener's query when
 * its `updatedAt` falls below the listener's bound while it stays in the scope (the device's own
 * write acknowledged below a rolled bound; a literal past `updatedAt` written by server code), so
 * a listener's `removed` is delivered only once a server read says the document is gone
 * (see scope-subscription.ts, REMOVALS):
 *
 *   removed ──▶ read it
 *     found, no pending local writes ──▶ onFound: delivered as it is
 *     found with pending local writes ──▶ nothing (it comes again once committed)
 *     not found, or the read refused (the user may no longer read it) ──▶ onGone: a removal
 *     no answer (offline, a network cycle) ──▶ asked again after 1 s, 2 s, ... at most 10 s
 *
 * A listener reports a removal once, so an unanswered read is asked again until an answer
 * comes or `stop()`: otherwise a deleted document would stay on the device.
 */
import { mapFirestoreError } from './errors.js';

/** A server read of one document: null when it does not exist (or is out of the scope); `pending` when the read shows unsent local writes. */
export type FetchedDocument = { readonly raw: Record<string, unknown>; readonly version: number | null; readonly pending: boolean } | null;

export interface RemovalCheckOptions {
  readonly fetchDoc: (path: string) => Promise<FetchedDocument>;
  readonly onFound: (id: string, path: string, found: NonNullable<FetchedDocument>) => void;
  readonly onGone: (id: string, path: string) => void;
}

export interface RemovalChecks {
  check(id: string, path: string): void;
  /** No callback and no read after this; clears every timer. */
  stop(): void;
}

const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 10_000;

export function createRemovalChecks(options: RemovalCheckOptions): RemovalChecks {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let stopped = false;

  const check = (id: string, path: string, attempt: number): void => {
    options.fetchDoc(path).then(
      (found) => {
        if (stopped) return;
        if (found === null) options.onGone(id, path);
        else if (!found.pending) options.onFound(id, path, found);
      },
      (e: unknown) => {
        if (stopped) return;
        const error = mapFirestoreError(e, 'removal check');
        if (error.kind === 'permission-denied') {
          options.onGone(id, path);
          return;
        }
        if (!error.retryable) return;
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!stopped) check(id, path, attempt + 1);
        }, Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt));
        timers.add(timer);
      },
    );
  };

  return {
    check: (id, path) => check(id, path, 0),
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
