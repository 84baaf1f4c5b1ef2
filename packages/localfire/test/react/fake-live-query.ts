import type { LiveQuery } from '../../src/store/types.js';

/** A LiveQuery whose emissions the test drives, counting open subscriptions. */
export interface FakeLiveQuery<R> extends LiveQuery<R> {
  emit(value: R): void;
  fail(error: unknown): void;
  readonly subscribers: number;
}

export function createFakeLiveQuery<R>(): FakeLiveQuery<R> {
  const subs = new Set<{ listener: (value: R) => void; onError?: (error: unknown) => void }>();
  let latest: { value: R } | undefined;
  return {
    subscribe(listener, onError) {
      const sub = onError === undefined ? { listener } : { listener, onError };
      subs.add(sub);
      return () => { subs.delete(sub); };
    },
    get: () => (latest === undefined ? Promise.reject(new Error('no value yet')) : Promise.resolve(latest.value)),
    emit(value) {
      latest = { value };
      for (const s of [...subs]) s.listener(value);
    },
    fail(error) {
      for (const s of [...subs]) s.onError?.(error);
    },
    get subscribers() { return subs.size; },
    [Symbol.asyncIterator]() {
      throw new Error('not used by the React bindings');
    },
  };
}
