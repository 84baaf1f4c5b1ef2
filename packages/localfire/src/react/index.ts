// localfire/react: live queries and observable status as React state (useSyncExternalStore).
export { useLiveQuery, useLiveQueryState } from './use-live-query.js';
export type { LiveQuerySource, UseLiveQueryOptions } from './use-live-query.js';
export { useObservable, useSyncStatus } from './use-observable.js';
export type { StatusSource } from './use-observable.js';
export { createLiveQueryStore } from './live-query-store.js';
export type { ExternalStore, LiveQueryState } from './live-query-store.js';
export { readSnapshot } from './observable-like.js';
export type { ObservableLike } from './observable-like.js';
