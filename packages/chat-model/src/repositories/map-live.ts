import type { LiveQuery } from 'localfire';

/**
 * A live query of domain values mapped from a store live query, with its own equality
 * cut-off on the mapped value: a change that touches only row bookkeeping the domain
 * object does not show (retry count, attempt times) is not emitted. `return()` on the
 * iterator (a `for await` loop's break) unsubscribes from the source.
 */
export function mapLive<S, D>(source: LiveQuery<S>, map: (value: S) => D): LiveQuery<D> {
  return {
    subscribe(listener, onError) {
      let last: { value: D } | undefined;
      return source.subscribe((s) => {
        const value = map(s);
        if (last !== undefined && plainEqual(last.value, value)) return;
        last = { value };
        listener(value);
      }, onError);
    },
    get: async () => map(await source.get()),
    [Symbol.asyncIterator](): AsyncIterableIterator<D> {
      const inner = source[Symbol.asyncIterator]();
      let last: { value: D } | undefined;
      const iterator: AsyncIterableIterator<D> = {
        async next() {
          for (;;) {
            const r = await inner.next();
            if (r.done === true) return { done: true, value: undefined };
            const value = map(r.value);
            if (last !== undefined && plainEqual(last.value, value)) continue;
            last = { value };
            return { done: false, value };
          }
        },
        async return() {
          await inner.return?.();
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]: () => iterator,
      };
      return iterator;
    },
  };
}

/** Structural equality of domain values: primitives, Dates (by time), arrays and plain objects. */
export function plainEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!plainEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (!Object.prototype.hasOwnProperty.call(y, k) || !plainEqual(x[k], y[k])) return false;
    n++;
  }
  return n === Object.keys(y).length;
}
