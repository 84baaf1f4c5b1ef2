/*
 * The SDK has no public connection-state API, so the adapter derives one:
 *   offline  when the network was disabled through the adapter (`setNetworkEnabled(false)`:
 *            the engine's network monitor or the app's offline switch), or when a listener
 *            that had been current with the server stays on cache (`fromCache`) for longer
 *            than `offlineHintMs`: the SDK falls back to cache once its watch stream cannot
 *            reach the backend, but also briefly while it resolves "limbo" documents, hence
 *            the delay;
 *   online   otherwise (optimistically, also before the first snapshot).
 * Listeners hear each change of the derived state, never the current one.
 */
import type { ConnectionState } from '../../sync/remote.js';

export interface ConnectionTracker {
  readonly state: ConnectionState;
  setNetworkEnabled(enabled: boolean): void;
  /** A listener (keyed by any object) reports whether its latest snapshot came from the server. */
  reportReachability(key: object, reachable: boolean): void;
  subscribe(listener: (state: ConnectionState) => void): () => void;
}

export interface ConnectionTrackerOptions {
  /** How long a listener must stay on cache before it counts as offline. */
  readonly offlineHintMs: number;
}

export function createConnectionTracker(options: ConnectionTrackerOptions): ConnectionTracker {
  let enabled = true;
  const unreachable = new Set<object>();
  const timers = new Map<object, ReturnType<typeof setTimeout>>();
  const listeners = new Set<(state: ConnectionState) => void>();
  const derive = (): ConnectionState => (enabled && unreachable.size === 0 ? 'online' : 'offline');
  let state = derive();
  const update = (): void => {
    const next = derive();
    if (next === state) return;
    state = next;
    for (const listener of [...listeners]) {
      try {
        listener(next);
      } catch {
        // one failing listener must not starve the others
      }
    }
  };
  return {
    get state() {
      return state;
    },
    setNetworkEnabled(value) {
      enabled = value;
      if (value) {
        unreachable.clear();
        for (const timer of timers.values()) clearTimeout(timer);
        timers.clear();
      }
      update();
    },
    reportReachability(key, reachable) {
      const timer = timers.get(key);
      if (reachable) {
        if (timer !== undefined) clearTimeout(timer);
        timers.delete(key);
        unreachable.delete(key);
        update();
      } else if (timer === undefined && !unreachable.has(key)) {
        const onTimeout = (): void => {
          timers.delete(key);
          unreachable.add(key);
          update();
        };
        timers.set(key, setTimeout(onTimeout, options.offlineHintMs));
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
