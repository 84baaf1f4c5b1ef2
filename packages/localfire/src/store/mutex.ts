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

/** Calls `fn` now; a synchronous throw becomes a rejection. */
function start<R>(fn: () => Promise<R>): Promise<R> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

export function createMutex(): Mutex {
  let tail: Promise<void> = Promise.resolve();
  let holders = 0;
  return {
    get locked() {
      return holders > 0;
    },
    run<R>(fn: () => Promise<R>): Promise<R> {
      // A free lock starts `fn` at once, in the caller's task: a click's transaction posts its
      // first statement before the UI re-renders. A held lock queues it, FIFO.
      const free = holders === 0;
      holders++;
      const result = free ? start(fn) : tail.then(fn);
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
