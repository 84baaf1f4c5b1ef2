import type { LocalStore } from 'localfire';

/** What every chat repository factory takes. */
export interface ChatRepositoryOptions {
  /** The local store, opened with (at least) `chatCollections`. */
  readonly store: LocalStore;
  /** Milliseconds since the epoch: message timestamps, activity and presence times. Default `Date.now`. */
  readonly clock?: () => number;
  /** Client id generator for new messages and group conversations. Default `crypto.randomUUID`. */
  readonly newId?: () => string;
}

export interface ResolvedOptions {
  readonly store: LocalStore;
  readonly clock: () => number;
  readonly newId: () => string;
}

export function resolveOptions(options: ChatRepositoryOptions): ResolvedOptions {
  return {
    store: options.store,
    clock: options.clock ?? Date.now,
    newId: options.newId ?? (() => globalThis.crypto.randomUUID()),
  };
}
