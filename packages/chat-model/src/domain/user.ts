import type { Stored, SyncStatus } from 'localfire';
import type { PrivateProfileEntity, UserEntity } from '../collections/users.js';
import type { ReadonlyEntity } from './readonly-entity.js';

/** A user as others see them: public profile, presence (owned by the server) and the row's sync state. */
export interface User extends ReadonlyEntity<UserEntity> {
  readonly syncStatus: SyncStatus;
}

/** Maps a stored user row to the domain object. */
export function toUser(row: Stored<UserEntity>): User {
  const { $meta, ...fields } = row;
  return { ...fields, syncStatus: $meta.syncStatus };
}

/** What only the user themself reads: their email (from their sign-in) and settings. */
export interface PrivateProfile extends ReadonlyEntity<PrivateProfileEntity> {
  readonly syncStatus: SyncStatus;
}

export function toPrivateProfile(row: Stored<PrivateProfileEntity>): PrivateProfile {
  const { $meta, ...fields } = row;
  return { ...fields, syncStatus: $meta.syncStatus };
}
