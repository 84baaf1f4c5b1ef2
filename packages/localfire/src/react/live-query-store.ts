import type { LiveQuery } from '../store/types.js';

/** What `useSyncExternalStore` needs: a subscription and a stable snapshot. */
export interface ExternalStore<T> {
  readonly subscribe: (onStoreChange: () => void) => () => void;
  readonly getSnapshot: () => T;
}

/** A live query's state as the UI sees it. Immutable; a new object on every change. */
export type LiveQueryState<R> =
  | { readonly status: 'loading'; readonly value: R | undefined; readonly error?: undefined }
  | { readonly status: 'ready'; readonly value: R; readonly error?: undefined }
  | { readonly status: 'error'; readonly value: R | undefined; readonly error: unknown };

/**
 * Adapts a {@link LiveQuery} to `useSyncExternalStore`. The snapshot starts as `loading`
 * with `initial` (or undefined) and becomes `ready` at the query's first emission; an error
 * keeps the last value. One subscription to the query is shared by every React subscriber,
 * opened with the first and closed with the last; the latest state survives a
 * resubscription (StrictMode, Suspense), so a remount shows the last value at once.
 */
export function createLiveQueryStore<R>(query: LiveQuery<R>, initial?: R): ExternalStore<LiveQueryState<R>> {
  let state: LiveQueryState<R> = { status: 'loading', value: initial };
  const listeners = new Set<() => void>();
  let unsubscribe: (() => void) | undefined;

  const set = (next: LiveQueryState<R>): void => {
    state = next;
    for (const listener of [...listeners]) listener();
  };

  return {
    subscribe(onStoreChange) {
      listeners.add(onStoreChange);
      unsubscribe ??= query.subscribe(
        (value) => set({ status: 'ready', value }),
        (error) => set({ status: 'error', value: state.value, error }),
      );
      return () => {
        listeners.delete(onStoreChange);
        if (listeners.size === 0) {
          unsubscribe?.();
          unsubscribe = undefined;
        }
      };
    },
    getSnapshot: () => state,
  };
}
