import type { LocalStore } from 'localfire';

/** What every chat repository factory takes. */
export interface ChatRepositoryOptions {
  /** The local store, opened with (at least) `chatCollections`. */
  readonly store: LocalStore;
  /**
   * The signed-in user. With it, every write the shipped security rules would refuse for this
   * user (writing as someone else, someone else's receipts, profile or message, removing
   * another member without owning the group...) is refused at once with a `precondition`
   * error and writes nothing. Without it (tests that play several users on one store), only
   * the checks that need no acting user apply.
   */
  readonly userId?: string;
  /** Milliseconds since the epoch: message timestamps, activity and presence times. Default `Date.now`. */
  readonly clock?: () => number;
  /** Client id generator for new messages and group conversations. Default `crypto.randomUUID`. */
  readonly newId?: () => string;
}

export interface ResolvedOptions {
  readonly store: LocalStore;
  readonly userId: string | undefined;
  readonly clock: () => number;
  readonly newId: () => string;
}

export function resolveOptions(options: ChatRepositoryOptions): ResolvedOptions {
  return {
    store: options.store,
    userId: options.userId,
    clock: options.clock ?? Date.now,
    newId: options.newId ?? (() => globalThis.crypto.randomUUID()),
  };
}
