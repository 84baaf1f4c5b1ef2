/*
 * The delivery buffer of one scope subscription: changes heard from listeners, verification
 * reads and confirmed removals, collected by document id and handed out as ordered,
 * deduplicated batches with the checkpoint after them.
 *
 *   put / putRemoved ──▶ buffer (one entry per id, the newest version wins)
 *   take() ──▶ decode + validate, drop a version already delivered,
 *              sort: removed first, then by (position, id) ──▶ { changes, checkpoint }
 *
 * A document's POSITION is its `updatedAt` clamped to its commit version. Writers that use
 * `serverTimestamp()` always stamp at or before the commit, so for them the position is the
 * `updatedAt`. A privileged writer (Admin SDK, a Cloud Function, a migration) can write a
 * literal time instead; clamped, an `updatedAt` an hour ahead still leaves the checkpoint at
 * what the server has committed, so listeners opened from it (minus the commit lag, see
 * scope-subscription.ts) go on hearing everything committed after it. The checkpoint also
 * carries the newest version delivered (`Checkpoint.version`): a document committed by then
 * was delivered before that checkpoint was stored, so when listeners opened from it hear such a
 * document again it is dropped here.
 */
import { LocalfireError } from '../../errors.js';
import type { CollectionDef } from '../../schema/collection.js';
import { compareCheckpoints, decodeRemoteDocument } from '../../sync/codec.js';
import type { Checkpoint, RemoteChange } from '../../sync/remote.js';
import type { DocumentData } from 'firebase/firestore';
import { fromFirestoreData } from './values.js';

/** A document heard from the server. `version`: its commit time in µs (see document-version.ts); null when unknown. */
export interface BufferedDoc {
  readonly id: string;
  readonly path: string;
  readonly raw: DocumentData;
  readonly version: number | null;
}

type Buffered = ({ readonly kind: 'doc' } & BufferedDoc) | { readonly kind: 'removed'; readonly id: string; readonly path: string };

/** One batch to hand to `onChanges`. */
export interface DeliveryBatch {
  readonly changes: readonly RemoteChange[];
  readonly checkpoint: Checkpoint | null;
  /** The positions (µs) of the documents in the batch, for the listener window's accounting. */
  readonly positions: readonly number[];
}

export interface DeliveryBuffer {
  /** Buffers a document unless the buffer already holds a newer version of it. */
  put(doc: BufferedDoc): void;
  /** Buffers the removal of `id` (it left the scope, or was hard-deleted). */
  putRemoved(id: string, path: string): void;
  /** Forgets what is buffered for `id` (e.g. a document with pending local writes). */
  drop(id: string): void;
  has(id: string): boolean;
  /** The version of `id` delivered last, if any. */
  deliveredVersion(id: string): number | undefined;
  readonly size: number;
  /** Everything buffered as one batch (null when nothing is new), and moves the checkpoint. */
  take(): DeliveryBatch | null;
  /** The checkpoint after the last batch taken (or the one the subscription started from). */
  readonly checkpoint: Checkpoint | null;
  /** The newest commit version delivered (or known from the start checkpoint), in µs; 0 when none. */
  readonly newestVersion: number;
  clear(): void;
}

/** A document's position: its `updatedAt` (µs), never after its commit version. */
function positionOf(updatedAt: number, version: number | null): number {
  return version !== null && version > 0 && version < updatedAt ? version : updatedAt;
}

export function createDeliveryBuffer(def: CollectionDef, from: Checkpoint | null): DeliveryBuffer {
  const buffer = new Map<string, Buffered>();
  const delivered = new Map<string, number>();
  let checkpoint = from;
  let newestVersion = from === null ? 0 : (from.version ?? from.serverTime);

  /**
   * Delivered before the start checkpoint was stored (listeners from a lagging bound hear it
   * again): committed by its newest version; for a checkpoint without one, at or before its position.
   */
  const coveredByStart = (at: Checkpoint, version: number): boolean =>
    from !== null && (from.version !== undefined ? version <= from.version : compareCheckpoints(at, from) <= 0);

  const toChange = (entry: Buffered): { change: RemoteChange; at: Checkpoint | null } | null => {
    if (entry.kind === 'removed') {
      delivered.delete(entry.id);
      return { change: { type: 'removed', collection: def.name, id: entry.id, path: entry.path }, at: null };
    }
    const { data, updatedAtMicros: stamped } = fromFirestoreData(entry.raw);
    const version = entry.version ?? stamped ?? 0;
    if (delivered.get(entry.id) === version) return null;
    const at = { serverTime: positionOf(stamped ?? 0, entry.version), id: entry.id };
    if (!delivered.has(entry.id) && stamped !== null && coveredByStart(at, version)) return null;
    const isNew = !delivered.has(entry.id);
    delivered.set(entry.id, version);
    if (entry.raw['updatedAt'] !== undefined && stamped === null) {
      const error = new LocalfireError('invalid-data', `${entry.path}: updatedAt is not a timestamp`, { details: { path: entry.path } });
      return { change: { type: 'invalid', collection: def.name, id: entry.id, path: entry.path, error, raw: entry.raw }, at };
    }
    const change = decodeRemoteDocument(def, { id: entry.id, path: entry.path, data, updatedAtMicros: stamped, versionMicros: version, type: isNew ? 'added' : 'modified' });
    return { change, at };
  };

  return {
    put(doc) {
      const held = buffer.get(doc.id);
      if (held?.kind === 'doc' && (held.version ?? 0) > (doc.version ?? 0)) return;
      buffer.set(doc.id, { kind: 'doc', ...doc });
    },
    putRemoved(id, path) {
      buffer.set(id, { kind: 'removed', id, path });
    },
    drop(id) {
      buffer.delete(id);
    },
    has: (id) => buffer.has(id),
    deliveredVersion: (id) => delivered.get(id),
    get size() {
      return buffer.size;
    },
    get checkpoint() {
      return checkpoint;
    },
    get newestVersion() {
      return newestVersion;
    },
    take() {
      if (buffer.size === 0) return null;
      const converted = [...buffer.values()].flatMap((e) => toChange(e) ?? []);
      buffer.clear();
      if (converted.length === 0) return null;
      converted.sort((x, y) => (x.at === null ? (y.at === null ? 0 : -1) : y.at === null ? 1 : compareCheckpoints(x.at, y.at)));
      for (const { change } of converted) if ('doc' in change) newestVersion = Math.max(newestVersion, change.doc.version);
      for (const { at } of converted) if (at !== null && (checkpoint === null || compareCheckpoints(at, checkpoint) > 0)) checkpoint = at;
      if (checkpoint !== null) checkpoint = { serverTime: checkpoint.serverTime, id: checkpoint.id, version: newestVersion };
      return { changes: converted.map((c) => c.change), checkpoint, positions: converted.flatMap((c) => (c.at === null ? [] : [c.at.serverTime])) };
    },
    clear() {
      buffer.clear();
    },
  };
}
