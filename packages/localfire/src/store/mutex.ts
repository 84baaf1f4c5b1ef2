/**
 * A FIFO async mutex. The store has one SQLite connection, so every operation (reads
 * included) runs under it: a read waits for an open transaction to end. Not re-entrant:
 * code holding the lock must not wait for another `run` (see LocalStore.transaction).
 */
export interface Mutex {
  run<R>(fn: () => Promise<R>): Promise<R>;
  /** True while some `run` holds the lock. */
  readonly locked: boolean;
}

export function createMutex(): Mutex {
  let tail: Promise<void> = Promise.resolve();
  let holders = 0;
  return {
    get locked() {
      return holders > 0;
    },
    run<R>(fn: () => Promise<R>): Promise<R> {
      holders++;
      const result = tail.then(fn);
      tail = result.then(
        () => {
          holders--;
        },
        () => {
          holders--;
        },
      );
      return result;
    },
  };
}
