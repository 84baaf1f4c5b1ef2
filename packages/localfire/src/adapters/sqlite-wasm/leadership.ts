import { LocalfireError } from '../../errors.js';
import { userDatabaseNames } from './names.js';

/**
 * A tab's role for one user's database. `leader`: this tab may open the database and run
 * the sync engine. `follower`: another tab of the same user leads; this one waits and takes
 * over when the leader's tab closes. `released`: this tab gave up (release was called).
 */
export type LeadershipState = 'leader' | 'follower' | 'released';

/**
 * Leadership over one user's database, elected with a Web Lock: at most one tab per origin
 * leads a user at any time, so two tabs never run two engines on one database.
 * An observable with an immutable snapshot (`current`) and `subscribe`, the shape
 * `useSyncStatus` and `useSyncExternalStore` consume.
 */
export interface Leadership {
  readonly userId: string;
  readonly current: LeadershipState;
  /** Hears every later change of `current`; returns the unsubscribe function. */
  subscribe(listener: (state: LeadershipState) => void): () => void;
  /** Resolves once this tab leads (at once if it does); rejects with `closed` if released first. */
  whenLeader(): Promise<void>;
  /** Gives the lock back (a waiting tab takes over) or stops waiting. Idempotent. */
  release(): void;
}

/** The subset of `navigator.locks` used here. */
export interface LockManagerLike {
  request(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => Promise<void> | void): Promise<unknown>;
}

export interface LeadershipOptions {
  readonly userId: string;
  /** Default `navigator.locks`. */
  readonly locks?: LockManagerLike;
}

/**
 * Tries to become the leader for `userId`; resolves with `leader` or `follower` as soon as
 * that is known. A follower queues for the lock and becomes leader when the lock is freed
 * (the leader released it or its tab closed).
 */
export async function acquireLeadership(options: LeadershipOptions): Promise<Leadership> {
  const locks = options.locks ?? (globalThis.navigator as unknown as { locks?: LockManagerLike } | undefined)?.locks;
  if (locks === undefined) throw new LocalfireError('internal', 'Web Locks (navigator.locks) are not available here');
  const { lockName } = userDatabaseNames(options.userId);
  const listeners = new Set<(state: LeadershipState) => void>();
  const abort = new AbortController();
  let current: LeadershipState = 'follower';
  let letGo: (() => void) | undefined;

  const set = (next: LeadershipState): void => {
    if (next === current) return;
    current = next;
    for (const listener of [...listeners]) listener(next);
  };

  const hold = async (): Promise<void> => {
    if (current === 'released') return;
    set('leader');
    await new Promise<void>((resolve) => { letGo = resolve; });
  };

  const leadsAtOnce = await new Promise<boolean>((resolve, reject) => {
    locks.request(lockName, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      return lock === null ? undefined : hold();
    }).catch(reject);
  });

  if (!leadsAtOnce) {
    locks.request(lockName, { signal: abort.signal }, hold).catch(() => {
      /* aborted by release(): nothing to do */
    });
  }

  const subscribe = (listener: (state: LeadershipState) => void): (() => void) => {
    listeners.add(listener);
    return () => { listeners.delete(listener); };
  };

  return {
    userId: options.userId,
    get current() { return current; },
    subscribe,
    whenLeader() {
      if (current === 'leader') return Promise.resolve();
      if (current === 'released') return Promise.reject(released());
      return new Promise<void>((resolve, reject) => {
        const stop = subscribe((state) => {
          if (state === 'follower') return;
          stop();
          if (state === 'leader') resolve();
          else reject(released());
        });
      });
    },
    release() {
      if (current === 'released') return;
      set('released');
      abort.abort();
      letGo?.();
    },
  };
}

function released(): LocalfireError {
  return new LocalfireError('closed', 'leadership was released');
}
