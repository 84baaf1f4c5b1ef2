import type { Stored, SyncStatus } from 'localfire';
import type { UserEntity } from '../collections/users.js';
import type { ReadonlyEntity } from './readonly-entity.js';

/** A user as the app sees it: profile, presence (owned by the server) and the row's sync state. */
export interface User extends ReadonlyEntity<UserEntity> {
  readonly syncStatus: SyncStatus;
}

/** Maps a stored user row to the domain object. */
export function toUser(row: Stored<UserEntity>): User {
  const { $meta, ...fields } = row;
  return { ...fields, syncStatus: $meta.syncStatus };
}
