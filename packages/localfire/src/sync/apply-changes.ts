/*
 * Applies one pulled batch to the local store inside the caller's transaction: every change
 * through the resolver, malformed documents quarantined, and the checkpoint moved in the
 * same transaction (so a crash either keeps both the rows and the checkpoint, or neither).
 */
import type { CollectionDef } from '../schema/collection.js';
import type { PendingChanges, SyncTransaction } from '../store/sync-store.js';
import type { Checkpoint, RemoteChange, RemoteDoc } from './remote.js';
import { resolveRemote, shouldPurgeOnRemoval } from './resolve.js';
import type { FieldConflict } from './resolve.js';

const NO_CHANGES: PendingChanges = { fields: new Set(), replaced: new Set() };

export interface AppliedBatch {
  readonly written: number;
  readonly purged: number;
  readonly conflicts: readonly FieldConflict[];
  readonly quarantined: readonly { readonly collection: string; readonly path: string; readonly reason: string }[];
}

export async function applyChanges(
  tx: SyncTransaction,
  defs: ReadonlyMap<string, CollectionDef>,
  changes: readonly RemoteChange[],
  checkpoint: { readonly metaKey: string; readonly value: Checkpoint | null },
  onResolved?: (doc: RemoteDoc) => void,
): Promise<AppliedBatch> {
  let written = 0;
  let purged = 0;
  const conflicts: FieldConflict[] = [];
  const quarantined: { collection: string; path: string; reason: string }[] = [];
  const quarantine = async (collection: string, path: string, reason: string, raw: unknown): Promise<void> => {
    await tx.quarantine({ collection, path, reason, raw });
    quarantined.push({ collection, path, reason });
  };

  for (const change of changes) {
    switch (change.type) {
      case 'added':
      case 'modified': {
        const { doc } = change;
        const def = defs.get(doc.collection);
        if (!def) {
          await quarantine(doc.collection, doc.path, `unknown collection "${doc.collection}"`, doc.data);
          break;
        }
        // A valid version ends the document's quarantine (deferred: no extra round trip).
        await tx.releaseQuarantine(doc.collection, doc.path);
        const local = await tx.readRow(def.name, doc.id);
        if (local === undefined && doc.deleted) break;
        // A synced row has no outbox entry (the store marks it synced only when none is left).
        const pending = local === undefined || local.syncStatus === 'synced' ? NO_CHANGES : await tx.pendingChanges(def.name, doc.id);
        const resolution = resolveRemote({ def, local, pendingFields: pending.fields, replacedFields: pending.replaced, remote: doc });
        // The row keeps its local edits; the server's version is kept beside it (for a discard).
        if (local !== undefined && local.syncStatus !== 'synced') await tx.recordServerVersion(def.name, doc);
        onResolved?.(doc);
        conflicts.push(...resolution.conflicts);
        if (resolution.changed) {
          await tx.writeRow(def.name, resolution.row);
          written++;
        }
        break;
      }
      case 'removed': {
        if (!defs.has(change.collection)) break;
        const local = await tx.readRow(change.collection, change.id);
        if (local === undefined) break;
        if (shouldPurgeOnRemoval(local, await tx.pendingFields(change.collection, change.id))) {
          await tx.purgeRow(change.collection, change.id);
          purged++;
        }
        break;
      }
      case 'invalid':
        await quarantine(change.collection, change.path, change.error.message, change.raw);
        break;
    }
  }
  if (checkpoint.value !== null) await tx.setMeta(checkpoint.metaKey, JSON.stringify(checkpoint.value));
  return { written, purged, conflicts, quarantined };
}

/** Reads a stored checkpoint; a missing or unreadable one means "from the start". */
export function parseCheckpoint(stored: string | undefined): Checkpoint | null {
  if (stored === undefined) return null;
  try {
    const v = JSON.parse(stored) as Partial<Checkpoint>;
    if (typeof v.serverTime !== 'number' || typeof v.id !== 'string') return null;
    return typeof v.version === 'number' ? { serverTime: v.serverTime, id: v.id, version: v.version } : { serverTime: v.serverTime, id: v.id };
  } catch {
    return null;
  }
}
