/*
 * LiveQuery: each subscription runs its read once (the first value), then re-runs after
 * every committed transaction that may affect it and emits only when the result changed
 * (structural equality). Re-runs coalesce: at most one emission per committed transaction.
 */
import type { ChangeLog } from './change-log.js';
import type { OpContext, OpScope } from './context.js';
import { deepEqual } from './deep-equal.js';
import type { LiveRegistry } from './live-registry.js';
import type { PatchResult } from './result-patcher.js';
import type { LiveQuery } from './types.js';

export interface LiveQueryOptions<R> {
  readonly registry: LiveRegistry;
  readonly scope: OpScope;
  readonly run: (ctx: OpContext) => Promise<R>;
  /**
   * Whether a committed change may alter the result. `reads` holds the collections the
   * last run read (tracked through the context).
   */
  readonly affectedBy: (log: ChangeLog, reads: ReadonlySet<string>) => boolean;
  /**
   * Optional: derive the new result from the previous one and the committed changes,
   * without SQL. Runs synchronously right after COMMIT (so subscribers hear a write before
   * its promise resolves); 'requery' falls back to re-running `run`.
   */
  readonly patch?: (prev: R, log: ChangeLog) => PatchResult<R>;
}

type Listener<R> = (value: R) => void;

export function createLiveQuery<R>(options: LiveQueryOptions<R>): LiveQuery<R> {
  const runOnce = (reads: Set<string>): Promise<R> => options.scope.read((ctx) => options.run(ctxWithReads(ctx, reads)));

  function open(listener: Listener<R>, onError: (error: unknown) => void, onStop: () => void): () => void {
    let active = true;
    let last: { value: R } | undefined;
    let running = false;
    let dirty = false;
    let reads: ReadonlySet<string> = new Set();

    const refresh = async (): Promise<void> => {
      if (running) {
        dirty = true;
        return;
      }
      running = true;
      try {
        do {
          dirty = false;
          const tracked = new Set<string>();
          const value = await runOnce(tracked);
          reads = tracked;
          if (!active) return;
          if (last === undefined || !deepEqual(last.value, value)) {
            last = { value };
            listener(value);
          }
        } while (dirty && active);
      } catch (e) {
        if (active) onError(e);
      } finally {
        running = false;
      }
    };

    const unregister = options.registry.register({
      affectedBy: (log) => options.affectedBy(log, reads),
      invalidate: (log) => {
        if (!running && last !== undefined && options.patch) {
          let result: PatchResult<R>;
          try {
            result = options.patch(last.value, log);
          } catch {
            result = 'requery';
          }
          if (result === 'same') return;
          if (result !== 'requery') {
            last = { value: result.value };
            listener(result.value);
            return;
          }
        }
        void refresh();
      },
      stop: () => {
        active = false;
        onStop();
      },
    });
    void refresh();
    return () => {
      active = false;
      unregister();
    };
  }

  return {
    subscribe(listener, onError) {
      const report = onError ?? ((e: unknown) => console.error('localfire: live query failed', e));
      return open(
        (value) => {
          try {
            listener(value);
          } catch (e) {
            report(e);
          }
        },
        report,
        () => undefined,
      );
    },
    get: () => runOnce(new Set()),
    [Symbol.asyncIterator]: () => iterate(open),
  };
}

function ctxWithReads(ctx: OpContext, reads: Set<string>): OpContext {
  return {
    driver: ctx.driver,
    clock: ctx.clock,
    newId: ctx.newId,
    changes: null,
    reads,
    assertOpen: () => ctx.assertOpen(),
  };
}

/** The AsyncIterable form: values queue up in order; `return()` (a loop's break) unsubscribes. */
function iterate<R>(open: (listener: Listener<R>, onError: (e: unknown) => void, onStop: () => void) => () => void): AsyncIterableIterator<R> {
  const queue: R[] = [];
  let waiter: { resolve: (r: IteratorResult<R>) => void; reject: (e: unknown) => void } | null = null;
  let failure: { error: Error } | null = null;
  let done = false;
  const finish = (): void => {
    done = true;
    const w = waiter;
    waiter = null;
    w?.resolve({ value: undefined, done: true });
  };
  const unsubscribe = open(
    (value) => {
      if (waiter) {
        const w = waiter;
        waiter = null;
        w.resolve({ value, done: false });
      } else queue.push(value);
    },
    (error) => {
      failure = { error: error instanceof Error ? error : new Error(String(error)) };
      const w = waiter;
      waiter = null;
      w?.reject(error);
    },
    finish,
  );
  const iterator: AsyncIterableIterator<R> = {
    next() {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift() as R, done: false });
      if (failure) return Promise.reject(failure.error);
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject };
      });
    },
    return() {
      unsubscribe();
      queue.length = 0;
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
