/*
 * A document snapshot's version: the time of the commit that produced this state of the
 * document (Firestore's `update_time`), in µs.
 *
 * Why not `updatedAt`: `serverTimestamp()` is evaluated when the server STARTS a write request,
 * while writes to one document are applied in commit order. Two devices writing the same
 * document at nearly the same time (one with a large batch) can leave it with the later
 * commit's data and the OLDER `updatedAt` (seen on the emulator about once in ten such races;
 * documented for production in googleapis/nodejs-firestore#1610). Ordering versions by
 * `updatedAt` then makes the device whose write was overtaken keep its own value for good.
 * The commit time only grows for a document, so it orders versions correctly.
 *
 * The modular SDK has no public accessor for it (the server sends it with every document).
 * In firebase 9 to 12, Node and browser builds alike, a snapshot holds it at
 * `_document.version.timestamp` (a SnapshotVersion around a Timestamp). The Firestore
 * adapter's emulator tests pin this: should an SDK upgrade move it, they fail, and until then
 * `null` here makes the adapter fall back to `updatedAt` (the pre-existing behaviour).
 */
import type { DocumentData } from 'firebase/firestore';
import { Timestamp } from 'firebase/firestore';
import type { ServerTime } from '../../store/sync-store.js';
import { timestampToMicros, updatedAtMicros } from './values.js';

/** The commit version of a document snapshot in µs; null when the SDK does not carry one (or it is unset). */
export function documentVersionMicros(snapshot: object): ServerTime | null {
  const timestamp = (snapshot as { _document?: { version?: { timestamp?: unknown } } | null })._document?.version?.timestamp;
  if (!(timestamp instanceof Timestamp)) return null;
  const micros = timestampToMicros(timestamp);
  // SnapshotVersion.min() (0) marks a document with no committed version (e.g. a local-only one).
  return micros > 0 ? micros : null;
}

/** What orders a snapshot's states: its version, else (an SDK without one) its `updatedAt`; null with neither. */
export function versionOrUpdatedAt(snapshot: object, data: DocumentData): ServerTime | null {
  return documentVersionMicros(snapshot) ?? updatedAtMicros(data);
}
