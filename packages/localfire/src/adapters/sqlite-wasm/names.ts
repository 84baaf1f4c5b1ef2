/**
 * Names derived from a user id: the OPFS directory and database file, and the Web Lock that
 * elects the one tab allowed to open them. Ids are escaped to a safe alphabet so any id
 * (Firebase uids, emails) maps to one stable, distinct name.
 */
export interface UserDatabaseNames {
  /** The OPFS directory managed by this user's `opfs-sahpool` VFS. */
  readonly directory: string;
  /** The database file inside the pool. */
  readonly fileName: string;
  /** The Web Lock held by the leading tab. */
  readonly lockName: string;
}

export function userDatabaseNames(userId: string): UserDatabaseNames {
  if (userId === '') throw new TypeError('userId must not be empty');
  const safe = escapeId(userId);
  return {
    directory: `.localfire/${safe}`,
    fileName: `/localfire-${safe}.sqlite3`,
    lockName: `localfire:leader:${safe}`,
  };
}

/** `[A-Za-z0-9-]` stay as they are; every other UTF-16 unit becomes `_xxxx`. Injective. */
function escapeId(id: string): string {
  let out = '';
  for (let i = 0; i < id.length; i++) {
    const ch = id[i] ?? '';
    out += /[A-Za-z0-9-]/.test(ch) ? ch : `_${id.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return out;
}
