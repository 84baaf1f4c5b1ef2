import { checkFieldLimits, LocalfireError } from 'localfire';
import type { LiveQuery, Patch } from 'localfire';
import { privateProfiles, users } from '../collections/users.js';
import type { UserEntity } from '../collections/users.js';
import { toPrivateProfile, toUser } from '../domain/user.js';
import type { PrivateProfile, User } from '../domain/user.js';
import { createDomainCrud } from './domain-crud.js';
import type { DomainRepository } from './domain-crud.js';
import { mapLive } from './map-live.js';
import { resolveOptions } from './options.js';
import type { ChatRepositoryOptions } from './options.js';
import { checkActingAs } from './write-guards.js';

/** A profile change: absent keys are unchanged; `profileImageUrl: null` removes the image. */
export interface ProfileUpdate {
  readonly displayName?: string;
  readonly profileImageUrl?: string | null;
}

/**
 * Users' public profiles and presence (what everyone sees of a person), and the signed-in
 * user's private profile, read from and written to the local store only. A user writes only
 * their own profiles (`precondition` otherwise, with the `userId` option).
 */
export interface UserRepository extends DomainRepository<User, UserEntity> {
  /** The user, live; `undefined` while unknown locally. */
  observeUser(userId: string): LiveQuery<User | undefined>;
  /** Sets `isOnline` and `lastSeen` (now). The server owns presence: a pulled value wins. Throws `not-found`. */
  updatePresence(userId: string, isOnline: boolean): Promise<User>;
  /**
   * Renames the user or changes their image: every screen shows names from the profile, so
   * the user appears renamed everywhere. Throws `not-found`, or `validation` for a blank or too
   * long display name (nothing written).
   */
  updateProfile(userId: string, update: ProfileUpdate): Promise<User>;
  /** The user's private profile (email, settings), live; only the user's own device has it. */
  observePrivateProfile(userId: string): LiveQuery<PrivateProfile | undefined>;
  /** Replaces the user's settings (creating the private profile if needed). Throws `validation` past `CHAT_LIMITS.settings` keys. */
  updateSettings(userId: string, settings: Readonly<Record<string, unknown>>): Promise<PrivateProfile>;
}

export function createUserRepository(options: ChatRepositoryOptions): UserRepository {
  const { store, clock, userId: signedIn } = resolveOptions(options);
  const own = (u: { id: string }): void => checkActingAs(signedIn, u.id, 'write the profile');
  const crud = createDomainCrud(store, users, toUser, { create: own, update: own, delete: own });
  const { repo } = crud;
  return {
    ...crud,
    observeUser: (userId) => crud.observe(userId),
    updatePresence: async (userId, isOnline) => {
      checkActingAs(signedIn, userId, 'write the presence');
      return toUser(await repo.update(userId, { isOnline, lastSeen: new Date(clock()) }));
    },
    async updateProfile(userId, update) {
      checkActingAs(signedIn, userId, 'write the profile');
      const patch: { -readonly [K in keyof Patch<UserEntity>]: Patch<UserEntity>[K] } = {};
      if (update.displayName !== undefined) {
        if (update.displayName.trim() === '') throw new LocalfireError('validation', 'a display name must not be blank');
        patch.displayName = update.displayName;
      }
      if (update.profileImageUrl !== undefined) patch.profileImageUrl = update.profileImageUrl ?? undefined;
      checkFieldLimits(users, patch);
      return toUser(await repo.update(userId, patch));
    },
    observePrivateProfile: (userId) => mapLive(store.repo(privateProfiles).observe(userId), (row) => (row === undefined ? undefined : toPrivateProfile(row))),
    async updateSettings(userId, settings) {
      checkActingAs(signedIn, userId, 'write the settings');
      checkFieldLimits(privateProfiles, { settings });
      return store.transaction(async (tx) => {
        const r = tx.repo(privateProfiles);
        const existing = await r.read(userId);
        const row = existing === undefined ? await r.create({ id: userId, settings: { ...settings } }) : await r.update(userId, { settings: { ...settings } });
        return toPrivateProfile(row);
      });
    },
  };
}
