/*
 * The live queries of a store. After each committed transaction the store publishes its
 * change log; every subscription that may be affected is invalidated (and re-runs).
 */
import type { ChangeLog } from './change-log.js';

export interface LiveSubscription {
  /** Could this committed change alter the subscription's result? Conservative. */
  affectedBy(log: ChangeLog): boolean;
  /** Called right after COMMIT with what the transaction changed. */
  invalidate(log: ChangeLog): void;
  /** The store closed: stop for good. */
  stop(): void;
}

export interface LiveRegistry {
  register(subscription: LiveSubscription): () => void;
  publish(log: ChangeLog): void;
  stopAll(): void;
}

export function createLiveRegistry(): LiveRegistry {
  const subscriptions = new Set<LiveSubscription>();
  return {
    register(subscription) {
      subscriptions.add(subscription);
      return () => {
        subscriptions.delete(subscription);
      };
    },
    publish(log) {
      for (const s of [...subscriptions]) {
        try {
          if (s.affectedBy(log)) s.invalidate(log);
        } catch (e) {
          console.error('localfire: a live query failed to refresh', e);
        }
      }
    },
    stopAll() {
      const all = [...subscriptions];
      subscriptions.clear();
      for (const s of all) s.stop();
    },
  };
}
