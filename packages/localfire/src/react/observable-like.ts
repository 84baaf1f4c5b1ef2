/**
 * The smallest observable the React bindings accept: `subscribe` plus a synchronous snapshot,
 * read either with `get()` (the sync engine's status cell) or as `current` (leadership).
 * Contract: the snapshot is immutable and keeps its identity until it changes, and
 * `subscribe` listeners hear every later change.
 */
export type ObservableLike<S> = {
  subscribe(listener: (value: S) => void): () => void;
} & ({ get(): S } | { readonly current: S });

/** The current snapshot of an {@link ObservableLike}. */
export function readSnapshot<S>(source: ObservableLike<S>): S {
  return 'get' in source ? source.get() : source.current;
}
