import { LocalfireError } from 'localfire';
import type { LiveQuery, Patch } from 'localfire';
import { users } from '../collections/users.js';
import type { UserEntity } from '../collections/users.js';
import { toUser } from '../domain/user.js';
import type { User } from '../domain/user.js';
import { createDomainCrud } from './domain-crud.js';
import type { DomainRepository } from './domain-crud.js';
import { resolveOptions } from './options.js';
import type { ChatRepositoryOptions } from './options.js';

/** A profile change: absent keys are unchanged; `profileImageUrl: null` removes the image. */
export interface ProfileUpdate {
  readonly displayName?: string;
  readonly profileImageUrl?: string | null;
}

/** Users (profiles and presence), read from and written to the local store only. */
export interface UserRepository extends DomainRepository<User, UserEntity> {
  /** The user, live; `undefined` while unknown locally. */
  observeUser(userId: string): LiveQuery<User | undefined>;
  /** Sets `isOnline` and `lastSeen` (now). The server owns presence: a pulled value wins. Throws `not-found`. */
  updatePresence(userId: string, isOnline: boolean): Promise<User>;
  /** Throws `not-found`, or `validation` for a blank display name (nothing written). */
  updateProfile(userId: string, update: ProfileUpdate): Promise<User>;
}

export function createUserRepository(options: ChatRepositoryOptions): UserRepository {
  const { store, clock } = resolveOptions(options);
  const crud = createDomainCrud(store, users, toUser);
  const { repo } = crud;
  return {
    ...crud,
    observeUser: (userId) => crud.observe(userId),
    updatePresence: async (userId, isOnline) => toUser(await repo.update(userId, { isOnline, lastSeen: new Date(clock()) })),
    async updateProfile(userId, update) {
      const patch: { -readonly [K in keyof Patch<UserEntity>]: Patch<UserEntity>[K] } = {};
      if (update.displayName !== undefined) {
        if (update.displayName.trim() === '') throw new LocalfireError('validation', 'a display name must not be blank');
        patch.displayName = update.displayName;
      }
      if (update.profileImageUrl !== undefined) patch.profileImageUrl = update.profileImageUrl ?? undefined;
      return toUser(await repo.update(userId, patch));
    },
  };
}
