/*
 * The stall watchdog of one scope subscription. Under load the SDK has been seen to leave a
 * listener open, with no error, that never reaches a server snapshot (it stays `fromCache`, or
 * hears nothing at all): the scope then never delivers. Reopening the listener, and failing
 * that cycling the network (disableNetwork / enableNetwork), is the known cure.
 *
 *   listener behind (just opened, or fell back to cache) for stallTimeoutMs
 *     --> attempt n <= reopensBeforeCycle: wait a jittered backoff, report 'reopen', reopen()
 *     --> attempt n >  reopensBeforeCycle: report 'cycle-network', cycleNetwork() once, start over
 *   every listener current --> the episode ends (attempts back to 0, pending reopen cancelled)
 *
 * Silent while paused (the network disabled on purpose); `resume()` gives every listener that
 * is still behind a fresh timeout. `stop()` clears every timer.
 */

export type StallAction = 'reopen' | 'cycle-network';

export interface StallWatchdogOptions {
  /** How long a listener may stay behind the server before the subscription counts as stalled. */
  readonly stallTimeoutMs: number;
  /** Consecutive failed reopens before the network is cycled. */
  readonly reopensBeforeCycle: number;
  /** Backoff before reopen attempt n: min(maxMs, baseMs * 2^(n-1)), scaled by [0.5, 1). */
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  /** [0, 1), for the jitter. */
  readonly random: () => number;
  /** Reopens every listener of the subscription (the subscription then reports them `behind`). */
  readonly reopen: () => void;
  /** Cycles the remote's network; never rejects. */
  readonly cycleNetwork: () => Promise<void>;
  /** Told before each action; `attempts` counts the reopens of this episode. Must not throw. */
  readonly report: (action: StallAction, attempts: number) => void;
}

export interface StallWatchdog {
  /** Listener `key` is not current with the server: arms its timer unless armed. */
  behind(key: object): void;
  /** Listener `key` is current (or gone): disarms it; none behind ends the episode. */
  current(key: object): void;
  /** The network was disabled on purpose: no timer runs until `resume()`. */
  pause(): void;
  /** The network is back: a fresh timeout for every listener still behind. */
  resume(): void;
  /** Clears every timer for good. */
  stop(): void;
}

export function createStallWatchdog(options: StallWatchdogOptions): StallWatchdog {
  const behind = new Map<object, ReturnType<typeof setTimeout> | null>();
  let pending: ReturnType<typeof setTimeout> | null = null;
  let attempts = 0;
  let paused = false;
  let cycling = false;
  let stopped = false;

  const idle = (): boolean => stopped || paused || cycling || pending !== null;

  const disarmAll = (): void => {
    for (const [key, timer] of behind) {
      if (timer !== null) clearTimeout(timer);
      behind.set(key, null);
    }
  };

  const arm = (key: object): void => {
    if (idle() || behind.get(key) != null) return;
    const fire = (): void => {
      if (behind.has(key)) behind.set(key, null);
      stalled();
    };
    behind.set(key, setTimeout(fire, options.stallTimeoutMs));
  };

  const armAll = (): void => {
    for (const key of behind.keys()) arm(key);
  };

  const cancelPending = (): void => {
    if (pending !== null) clearTimeout(pending);
    pending = null;
  };

  function stalled(): void {
    if (idle()) return;
    disarmAll();
    if (attempts >= options.reopensBeforeCycle) {
      const failed = attempts;
      attempts = 0;
      cycling = true;
      options.report('cycle-network', failed);
      void options.cycleNetwork().then(() => {
        cycling = false;
        armAll();
      });
      return;
    }
    attempts += 1;
    const { baseMs, maxMs } = options.backoff;
    const delay = Math.min(maxMs, baseMs * 2 ** (attempts - 1)) * (0.5 + options.random() / 2);
    pending = setTimeout(() => {
      pending = null;
      if (stopped || paused) return;
      options.report('reopen', attempts);
      options.reopen();
      armAll();
    }, delay);
  }

  return {
    behind(key) {
      if (stopped) return;
      if (!behind.has(key)) behind.set(key, null);
      arm(key);
    },
    current(key) {
      const timer = behind.get(key);
      if (timer != null) clearTimeout(timer);
      behind.delete(key);
      if (behind.size === 0) {
        attempts = 0;
        cancelPending();
      }
    },
    pause() {
      paused = true;
      cancelPending();
      disarmAll();
      attempts = 0;
    },
    resume() {
      if (stopped) return;
      paused = false;
      armAll();
    },
    stop() {
      stopped = true;
      cancelPending();
      disarmAll();
      behind.clear();
    },
  };
}
