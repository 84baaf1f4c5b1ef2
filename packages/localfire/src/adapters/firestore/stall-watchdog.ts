/*
 * The stall watchdog of one scope subscription. Under load the SDK has been seen to leave a
 * listener open, with no error, that never reaches a server snapshot (it stays `fromCache`, or
 * hears nothing at all), and a watch stream that failed with RESOURCE_EXHAUSTED waits in the
 * SDK's maximum backoff (60 s) before it tries again: the scope then never delivers. Reopening
 * the listener does not cure either (three reopens 10 s apart changed nothing in the field
 * reports); restarting the SDK's streams does: `disableNetwork` + `enableNetwork` resets the
 * stream's backoff and re-sends every target. So the first action is the network cycle, and
 * reopening the scope's listeners is the second, for a target the server dropped:
 *
 *   listener behind (just opened, or fell back to cache) for stallTimeoutMs
 *     --> attempt 1: report 'cycle-network', cycleNetwork() at once
 *     --> attempt n > 1: wait a jittered backoff, then 'reopen' (even n) or 'cycle-network' (odd n)
 *   every listener current --> the episode ends (attempts back to 0, pending action cancelled)
 *
 * Silent while paused (the network disabled on purpose); `resume()` gives every listener that
 * is still behind a fresh timeout. `stop()` clears every timer.
 */

export type StallAction = 'reopen' | 'cycle-network';

export interface StallWatchdogOptions {
  /** How long a listener may stay behind the server before the subscription counts as stalled. */
  readonly stallTimeoutMs: number;
  /** The same for a listener that had been current and fell back to cache (at most stallTimeoutMs). */
  readonly fallbackGraceMs: number;
  /** Backoff before attempt n > 1: min(maxMs, baseMs * 2^(n-2)), scaled by [0.5, 1). */
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  /** [0, 1), for the jitter. */
  readonly random: () => number;
  /** Reopens every listener of the subscription (the subscription then reports them `behind`). */
  readonly reopen: () => void;
  /** Cycles the remote's network; never rejects. */
  readonly cycleNetwork: () => Promise<void>;
  /** Told before each action; `attempts` counts the actions of this episode, this one included. Must not throw. */
  readonly report: (action: StallAction, attempts: number) => void;
}

export interface StallWatchdog {
  /** Listener `key` is not current with the server (`fellBack`: it had been): arms its timer unless armed. */
  behind(key: object, fellBack?: boolean): void;
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

  /** Listeners that had been current when they fell behind: they get the shorter grace. */
  const fellBack = new Set<object>();

  const arm = (key: object): void => {
    if (idle() || behind.get(key) != null) return;
    const fire = (): void => {
      if (behind.has(key)) behind.set(key, null);
      stalled();
    };
    const ms = fellBack.has(key) ? Math.min(options.fallbackGraceMs, options.stallTimeoutMs) : options.stallTimeoutMs;
    behind.set(key, setTimeout(fire, ms));
  };

  const armAll = (): void => {
    for (const key of behind.keys()) arm(key);
  };

  const cancelPending = (): void => {
    if (pending !== null) clearTimeout(pending);
    pending = null;
  };

  function act(): void {
    if (stopped || paused) return;
    const action: StallAction = attempts % 2 === 1 ? 'cycle-network' : 'reopen';
    options.report(action, attempts);
    if (action === 'reopen') {
      options.reopen();
      armAll();
      return;
    }
    cycling = true;
    void options.cycleNetwork().then(() => {
      cycling = false;
      armAll();
    });
  }

  function stalled(): void {
    if (idle()) return;
    disarmAll();
    attempts += 1;
    if (attempts === 1) {
      act();
      return;
    }
    const { baseMs, maxMs } = options.backoff;
    const delay = Math.min(maxMs, baseMs * 2 ** (attempts - 2)) * (0.5 + options.random() / 2);
    pending = setTimeout(() => {
      pending = null;
      act();
    }, delay);
  }

  return {
    behind(key, hadBeenCurrent = false) {
      if (stopped) return;
      if (hadBeenCurrent) fellBack.add(key);
      if (!behind.has(key)) behind.set(key, null);
      arm(key);
    },
    current(key) {
      const timer = behind.get(key);
      if (timer != null) clearTimeout(timer);
      behind.delete(key);
      fellBack.delete(key);
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
      fellBack.clear();
    },
  };
}
