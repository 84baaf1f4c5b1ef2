/*
 * The network-monitor port: the platform's signal of whether there is a network at all,
 * which (with the app's switch, the remote's connection state) tells the engine when to
 * pause pushing and when to push at once. It is never a judgement of listener health.
 * `networkFromBrowser` follows the browser's online/offline events; `alwaysOnline` is the
 * default (Node, tests); `networkFromRemote` is the remote's switch as a monitor.
 */
import type { ConnectionState, RemotePort } from './remote.js';

export type NetworkState = ConnectionState;

export interface NetworkMonitor {
  readonly state: NetworkState;
  /** `listener` hears each change of `state` (not the current one). Returns unsubscribe. */
  subscribe(listener: (state: NetworkState) => void): () => void;
}

/** The platform signal of a platform without one: always online. */
export const alwaysOnline: NetworkMonitor = {
  state: 'online',
  subscribe: () => () => undefined,
};

/**
 * The remote's connection state as a monitor: `offline` only while the app disabled the
 * network on purpose (`setNetworkEnabled(false)`). The engine always follows it.
 */
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
