import { useCallback, useSyncExternalStore } from 'react';
import { readSnapshot, type ObservableLike } from './observable-like.js';

/**
 * The current snapshot of an observable (the sync status, leadership, network state);
 * re-renders on every change it reports.
 */
export function useObservable<S>(source: ObservableLike<S>): S {
  const subscribe = useCallback((onStoreChange: () => void) => source.subscribe(() => onStoreChange()), [source]);
  const getSnapshot = useCallback(() => readSnapshot(source), [source]);
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}

/** Anything exposing its status as an observable: the sync engine, or its status itself. */
export type StatusSource<S> = ObservableLike<S> | { readonly status: ObservableLike<S> };

/**
 * The sync engine's status snapshot (online, syncing, pending and failed counts, last error),
 * re-rendering on every change. Pass the engine (anything with an observable `status`) or
 * the status observable itself.
 */
export function useSyncStatus<S>(source: StatusSource<S>): S {
  return useObservable('subscribe' in source ? source : source.status);
}
