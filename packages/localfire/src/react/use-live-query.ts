import { useMemo, useSyncExternalStore, type DependencyList } from 'react';
import type { LiveQuery } from '../store/types.js';
import { createLiveQueryStore, type LiveQueryState } from './live-query-store.js';

export interface UseLiveQueryOptions<R> {
  /** The value to show until the first emission (default undefined). */
  readonly initial?: R;
}

/** A live query, or a function making one from the component's inputs. */
export type LiveQuerySource<R> = LiveQuery<R> | (() => LiveQuery<R>);

/**
 * The state of a live query: `loading` (with `initial`) until its first emission, then
 * `ready` with each new result, or `error` (keeping the last value). Re-renders only when
 * the query emits, which it does only when its result changes. A factory is called again
 * when `deps` change (like `useMemo`); without `deps` the source's identity is the key, so an
 * inline factory needs `deps`. A query object is used as is.
 */
export function useLiveQueryState<R>(source: LiveQuerySource<R>, deps?: DependencyList, options: UseLiveQueryOptions<R> = {}): LiveQueryState<R> {
  const query = useMemo(
    () => (typeof source === 'function' ? source() : source),
    deps ?? [source],
  );
  const store = useMemo(() => createLiveQueryStore(query, options.initial), [query]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/**
 * The current result of a live query: `undefined` (or `options.initial`) until the first
 * emission, then each new result. A query error is thrown during render, for the nearest
 * error boundary. See {@link useLiveQueryState} for the non-throwing form.
 */
export function useLiveQuery<R>(source: LiveQuery<R> | (() => LiveQuery<R>), deps: DependencyList | undefined, options: UseLiveQueryOptions<R> & { readonly initial: R }): R;
export function useLiveQuery<R>(source: LiveQuerySource<R>, deps?: DependencyList, options?: UseLiveQueryOptions<R>): R | undefined;
export function useLiveQuery<R>(source: LiveQuerySource<R>, deps?: DependencyList, options: UseLiveQueryOptions<R> = {}): R | undefined {
  const state = useLiveQueryState(source, deps, options);
  if (state.status === 'error') throw state.error;
  return state.value;
}
