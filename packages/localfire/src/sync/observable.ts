/*
 * A value cell with subscribers: immutable snapshots, an equality cut-off (subscribers hear
 * only real changes) and an AsyncIterable form.
 */
import { sameValue } from './values.js';

/** Read side of a value that changes over time. */
export interface Observable<T> {
  /** The current snapshot. */
  get(): T;
  /** `listener` hears every later snapshot that differs from the previous one. */
  subscribe(listener: (value: T) => void): () => void;
  /**
   * The current snapshot, then each change. Slow consumers see the latest snapshot, not a
   * backlog. Breaking the loop unsubscribes.
   */
  values(): AsyncIterable<T>;
}

export interface ObservableCell<T> extends Observable<T> {
  set(value: T): void;
  update(patch: Partial<T>): void;
}

export function createObservableCell<T extends object>(initial: T): ObservableCell<T> {
  let current: T = Object.freeze({ ...initial });
  const listeners = new Set<(value: T) => void>();
  const cell: ObservableCell<T> = {
    get: () => current,
    set(value) {
      if (sameValue(current, value)) return;
      current = Object.freeze({ ...value });
      for (const l of [...listeners]) {
        try {
          l(current);
        } catch {
          // A throwing subscriber must not break the others.
        }
      }
    },
    update(patch) {
      cell.set({ ...current, ...patch });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    values: () => iterate(cell),
  };
  return cell;
}

function iterate<T>(source: Observable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      let latest: { value: T } | null = { value: source.get() };
      let wake: (() => void) | null = null;
      let done = false;
      const unsubscribe = source.subscribe((value) => {
        latest = { value };
        wake?.();
      });
      const finish = (): Promise<IteratorResult<T>> => {
        done = true;
        unsubscribe();
        wake?.();
        return Promise.resolve({ done: true, value: undefined });
      };
      return {
        async next() {
          while (!done && latest === null) await new Promise<void>((r) => (wake = r));
          wake = null;
          if (done || latest === null) return { done: true, value: undefined };
          const { value } = latest;
          latest = null;
          return { done: false, value };
        },
        return: finish,
      };
    },
  };
}
