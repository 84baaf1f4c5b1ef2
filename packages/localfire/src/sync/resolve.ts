/*
 * The conflict resolver: a pure function from (local row, pending local fields, remote
 * document) to the row to write. Field by field, per the collection's merge policies:
 *
 *   policy     field has a pending local edit        no pending local edit
 *   lww        local value (no flicker back)         newest server version
 *   server     newest server version                 newest server version
 *   union      sorted local ∪ remote (local value    newest server version
 *              when a pending `set` replaced it)
 *   immutable  local value (its first value, pending)  newest server version
 *
 * "Newest server version" compares the remote document's version (its commit time) with the
 * newest the row has seen (`local.serverTime`); on a tie the remote wins (it IS the server's
 * state). Not its `updatedAt`: that is stamped when a write starts, so of two concurrent writes
 * the one committed last can carry the older `updatedAt`.
 * Device clocks play no part. Hence a row with no pending fields ends exactly equal to the
 * newest server document it received, whatever the order or duplication of deliveries.
 * The tombstone flag follows the newest server version too, except that a pending local
 * edit keeps a remotely deleted row alive until that edit is acknowledged, and a pending
 * local delete keeps the row deleted.
 *
 * `immutable` means clients may not change the field (repositories refuse it, rules should
 * too); the server may (an Admin SDK moderation, a migration), and its change reaches every
 * device like any server version. A client's own first value is pending only until acknowledged.
 */
import type { CollectionDef } from '../schema/collection.js';
import type { MergePolicy } from '../schema/fields.js';
import type { RawRow, ServerTime } from '../store/sync-store.js';
import type { SyncStatus } from '../store/types.js';
import type { RemoteDoc } from './remote.js';
import { sameValue } from './values.js';

export interface ResolveInput {
  readonly def: CollectionDef;
  /** The local row, if any (tombstones included). */
  readonly local: RawRow | undefined;
  /** Fields with a local change the server has not acknowledged yet. */
  readonly pendingFields: ReadonlySet<string>;
  /**
   * Of `pendingFields`, those with a pending `set` (not only unions): a `union` field among
   * them keeps its local value, like `lww` (a local removal must not flicker back).
   */
  readonly replacedFields?: ReadonlySet<string>;
  readonly remote: RemoteDoc;
}

/** The row to store: every field of the collection (absent optional fields omitted). */
export interface ResolvedRow {
  readonly id: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly serverTime: ServerTime;
  readonly deleted: boolean;
  readonly syncStatus: SyncStatus;
}

/** How one field's disagreement between a pending local edit and the server was settled. */
export type ConflictResolution = 'kept-local' | 'took-remote' | 'merged';

export interface FieldConflict {
  readonly collection: string;
  readonly id: string;
  readonly field: string;
  readonly policy: MergePolicy;
  readonly resolution: ConflictResolution;
}

export interface Resolution {
  readonly row: ResolvedRow;
  /** Disagreements worth logging; empty when the remote simply updates the row. */
  readonly conflicts: readonly FieldConflict[];
  /** False when the row to write equals the local row (nothing to store). */
  readonly changed: boolean;
}

/** Resolves one remote document against the local row. Pure and idempotent. */
export function resolveRemote(input: ResolveInput): Resolution {
  const { def, local, pendingFields, remote } = input;
  const localPending = local !== undefined && (pendingFields.size > 0 || local.syncStatus === 'pending' || local.syncStatus === 'failed');
  const remoteIsNewest = local?.serverTime == null || remote.version >= local.serverTime;
  const conflicts: FieldConflict[] = [];
  const data: Record<string, unknown> = {};

  for (const field of def.fieldNames) {
    const policy = def.fields[field]?.merge ?? 'lww';
    const localValue = local?.data[field];
    // A tombstone may arrive with only the fields that still decode: required ones missing keep the local value.
    const lenient = remote.deleted && !(field in remote.data) && def.fields[field]?.optional === false;
    const remoteValue = lenient ? localValue : remote.data[field];
    const newest = remoteIsNewest ? remoteValue : localValue;
    let value: unknown;
    if (local === undefined) {
      value = remoteValue;
    } else if (!pendingFields.has(field)) {
      value = newest;
    } else {
      const effective = policy === 'union' && input.replacedFields?.has(field) === true ? 'lww' : policy;
      value = resolvePending(effective, localValue, remoteValue, newest);
      if (!sameValue(localValue, remoteValue)) {
        conflicts.push({ collection: def.name, id: remote.id, field, policy, resolution: resolutionOf(effective) });
      }
    }
    if (value !== undefined) data[field] = value;
  }

  const deleted = resolveDeleted(local, localPending, remoteIsNewest, remote.deleted);
  const serverTime = Math.max(local?.serverTime ?? remote.version, remote.version);
  const syncStatus: SyncStatus = !localPending || !local ? 'synced' : local.syncStatus === 'synced' ? 'pending' : local.syncStatus;
  const row: ResolvedRow = { id: remote.id, data, serverTime, deleted, syncStatus };
  return { row, conflicts, changed: !sameRow(def, local, row) };
}

function resolvePending(policy: MergePolicy, localValue: unknown, remoteValue: unknown, newest: unknown): unknown {
  switch (policy) {
    case 'lww':
    case 'immutable':
      return localValue;
    case 'server':
      return newest;
    case 'union':
      return unionSorted(localValue, remoteValue);
  }
}

function resolutionOf(policy: MergePolicy): ConflictResolution {
  switch (policy) {
    case 'lww':
    case 'immutable':
      return 'kept-local';
    case 'server':
      return 'took-remote';
    case 'union':
      return 'merged';
  }
}

function resolveDeleted(local: RawRow | undefined, localPending: boolean, remoteIsNewest: boolean, remoteDeleted: boolean): boolean {
  if (local === undefined) return remoteDeleted;
  if (localPending) return local.deleted;
  return remoteIsNewest ? remoteDeleted : local.deleted;
}

/** Set union, sorted by code unit: the same result whatever order the versions arrive in. */
export function unionSorted(a: unknown, b: unknown): string[] {
  const out = new Set<string>();
  for (const list of [a, b]) {
    if (Array.isArray(list)) for (const v of list) if (typeof v === 'string') out.add(v);
  }
  return [...out].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

/**
 * The resolved row stores nothing new. Field by field: a stored row's data also carries its
 * `id`, which the resolved data (the collection's fields) does not.
 */
function sameRow(def: CollectionDef, local: RawRow | undefined, row: ResolvedRow): boolean {
  return (
    local !== undefined &&
    local.deleted === row.deleted &&
    local.serverTime === row.serverTime &&
    local.syncStatus === row.syncStatus &&
    def.fieldNames.every((field) => sameValue(local.data[field], row.data[field]))
  );
}

/**
 * A `removed` change (the document left the subscription's scope or was hard-deleted):
 * the row is purged unless a local change is still waiting for the server.
 */
export function shouldPurgeOnRemoval(local: RawRow | undefined, pendingFields: ReadonlySet<string>): boolean {
  if (local === undefined) return false;
  return pendingFields.size === 0 && local.syncStatus !== 'pending' && local.syncStatus !== 'failed';
}
