/*
 * Documents whose `updatedAt` is far from their commit time. Writers that use
 * `serverTimestamp()` stamp a document when the server starts the write, at most a few seconds
 * before it commits; a privileged writer (Admin SDK, a Cloud Function, a migration script) can
 * write a literal time instead. Such a document is still delivered and applied (remotes never
 * let it move a checkpoint past what the server committed), and it is reported: a future stamp
 * sorts it after everything written for as long as the skew lasts, and a past stamp may never
 * reach a device whose listeners started after it (the Firestore adapter's README, "Late
 * commits").
 */
import type { RemoteChange } from './remote.js';

/** Default bound of `SyncEngineOptions.suspectTimestampMs`: far beyond any commit lag, well under a clock's worth of error. */
export const DEFAULT_SUSPECT_TIMESTAMP_MS = 60_000;

/** One document whose `updatedAt` is more than the bound away from its commit time. */
export interface SuspectTimestamp {
  readonly collection: string;
  readonly id: string;
  readonly path: string;
  /** The document's `updatedAt`, local ms. */
  readonly updatedAt: number;
  /** Its commit time, local ms. */
  readonly committedAt: number;
  /** `updatedAt − committedAt` in ms: positive when stamped in the future. */
  readonly skewMs: number;
}

/** The delivered documents of `changes` whose `updatedAt` is more than `boundMs` from their commit. */
export function findSuspectTimestamps(changes: readonly RemoteChange[], boundMs: number): SuspectTimestamp[] {
  const found: SuspectTimestamp[] = [];
  for (const change of changes) {
    if (change.type !== 'added' && change.type !== 'modified') continue;
    const { doc } = change;
    if (doc.version <= 0 || doc.serverTime <= 0) continue;
    const skewMs = (doc.serverTime - doc.version) / 1000;
    if (Math.abs(skewMs) <= boundMs) continue;
    found.push({ collection: doc.collection, id: doc.id, path: doc.path, updatedAt: Math.floor(doc.serverTime / 1000), committedAt: Math.floor(doc.version / 1000), skewMs: Math.round(skewMs) });
  }
  return found;
}
