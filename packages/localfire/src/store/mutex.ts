/**
 * The store's async mutex. The store has one SQLite connection, so every operation (reads
 * included) runs under it: a read waits for an open transaction to end. Not re-entrant:
 * code holding the lock must not wait for another `run` (see LocalStore.transaction).
 *
 * Three lanes, in priority order. `app`: the app's own reads and writes (repositories,
 * transactions). `live`: live queries re-running after a commit. `sync`: the sync engine's
 * work (pulled batches, acknowledgements, status counts). When the lock frees, the waiting
 * operation of the highest lane goes next, so a click's write waits for at most the one
 * operation in progress, never for a queue of re-runs and background work. Each lane is
 * FIFO. No lane starves: a lane passed over {@link MAX_TURNS_AHEAD} times in a row goes next.
 */
export type Lane = 'app' | 'live' | 'sync';

const LANES: readonly Lane[] = ['app', 'live', 'sync'];

export interface Mutex {
  /** Runs `fn` alone: at once when the lock is free, else when its lane's turn comes. */
  run<R>(fn: () => Promise<R>, lane?: Lane): Promise<R>;
  /** True while some `run` holds the lock. */
  readonly locked: boolean;
}

/** Operations of higher lanes that may go ahead of a waiting one before it gets its turn. */
export const MAX_TURNS_AHEAD = 32;

/** Calls `fn` now; a synchronous throw becomes a rejection. */
function start<R>(fn: () => Promise<R>): Promise<R> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

export function createMutex(): Mutex {
  const waiting: Record<Lane, (() => void)[]> = { app: [], live: [], sync: [] };
  /** Per lane: how many times in a row the lock went to a higher lane while this one waited. */
  const passedOver: Record<Lane, number> = { app: 0, live: 0, sync: 0 };
  let held = false;

  const release = (): void => {
    const lane = LANES.find((l) => waiting[l].length > 0 && passedOver[l] >= MAX_TURNS_AHEAD) ?? LANES.find((l) => waiting[l].length > 0);
    if (lane === undefined) {
      held = false;
      return;
    }
    for (const l of LANES) passedOver[l] = l === lane || waiting[l].length === 0 ? 0 : passedOver[l] + 1;
    waiting[lane].shift()!();
  };

  return {
    get locked() {
      return held;
    },
    run<R>(fn: () => Promise<R>, lane: Lane = 'app'): Promise<R> {
      const runHeld = (): Promise<R> => {
        const result = start(fn);
        result.then(release, release);
        return result;
      };
      // A free lock starts `fn` at once, in the caller's task: a click's transaction posts its
      // first statement before the UI re-renders.
      if (!held) {
        held = true;
        return runHeld();
      }
      return new Promise<R>((resolve, reject) => {
        waiting[lane].push(() => {
          runHeld().then(resolve, reject);
        });
      });
    },
  };
}
