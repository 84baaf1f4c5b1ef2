/*
 * The network-monitor port: tells the engine when to pause and when to push at once.
 * `networkFromRemote` follows the remote's own connection state (Node, tests);
 * `networkFromBrowser` follows the browser's online/offline events.
 */
import type { ConnectionState, RemotePort } from './remote.js';

export type NetworkState = ConnectionState;

export interface NetworkMonitor {
  readonly state: NetworkState;
  /** `listener` hears each change of `state` (not the current one). Returns unsubscribe. */
  subscribe(listener: (state: NetworkState) => void): () => void;
}

/** The remote's connection state as the network. */
export function networkFromRemote(remote: Pick<RemotePort, 'connectionState' | 'onConnectionChange'>): NetworkMonitor {
  return {
    get state() {
      return remote.connectionState;
    },
    subscribe: (listener) => remote.onConnectionChange(listener),
  };
}

/** The part of `window` the browser monitor needs (no DOM types in the core). */
export interface BrowserWindowLike {
  readonly navigator: { readonly onLine: boolean };
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

/** The browser's online/offline events as the network. */
export function networkFromBrowser(window: BrowserWindowLike): NetworkMonitor {
  return {
    get state() {
      return window.navigator.onLine ? 'online' : 'offline';
    },
    subscribe(listener) {
      const online = (): void => listener('online');
      const offline = (): void => listener('offline');
      window.addEventListener('online', online);
      window.addEventListener('offline', offline);
      return () => {
        window.removeEventListener('online', online);
        window.removeEventListener('offline', offline);
      };
    },
  };
}

/**
 * Online only when every monitor says so (e.g. the browser's events AND the remote's
 * connection). Listeners hear the combined state when it changes.
 */
export function combineNetworks(...monitors: readonly NetworkMonitor[]): NetworkMonitor {
  const combined = (): NetworkState => (monitors.every((m) => m.state === 'online') ? 'online' : 'offline');
  return {
    get state() {
      return combined();
    },
    subscribe(listener) {
      let last = combined();
      const offs = monitors.map((m) =>
        m.subscribe(() => {
          const next = combined();
          if (next !== last) {
            last = next;
            listener(next);
          }
        }),
      );
      return () => offs.forEach((off) => off());
    },
  };
}
