/**
 * The observable state every view model exposes: an immutable snapshot (`get()`) and
 * `subscribe(listener) => unsubscribe`. Listeners hear every later snapshot, never the current
 * one; a `set` with an identical object is not reported. This is the shape
 * `useObservable` (localfire/react) and `useSyncExternalStore` consume.
 */
export interface Observable<S> {
  readonly get: () => S;
  readonly subscribe: (listener: (state: S) => void) => () => void;
}

export interface StateCell<S> extends Observable<S> {
  readonly set: (next: S) => void;
  readonly update: (patch: Partial<S>) => void;
}

export function createStateCell<S extends object>(initial: S): StateCell<S> {
  let current: S = Object.freeze({ ...initial });
  const listeners = new Set<(state: S) => void>();
  const set = (next: S): void => {
    if (next === current) return;
    current = Object.freeze({ ...next });
    for (const listener of [...listeners]) listener(current);
  };
  return {
    get: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
    set,
    update(patch) {
      const keys = Object.keys(patch) as (keyof S)[];
      if (keys.every((k) => Object.is(patch[k], current[k]))) return;
      set({ ...current, ...patch });
    },
  };
}
