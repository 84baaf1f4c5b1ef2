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
import { timestampToMicros } from '../../sync/codec.js';
import type { ServerTime } from '../../store/sync-store.js';

interface TimestampLike {
  readonly seconds: number;
  readonly nanoseconds: number;
}

const isTimestampLike = (value: unknown): value is TimestampLike =>
  typeof value === 'object' && value !== null && typeof (value as TimestampLike).seconds === 'number' && typeof (value as TimestampLike).nanoseconds === 'number';

/** The commit version of a document snapshot in µs; null when the SDK does not carry one (or it is unset). */
export function documentVersionMicros(snapshot: object): ServerTime | null {
  const document = (snapshot as { _document?: { version?: { timestamp?: unknown } } | null })._document;
  const timestamp = document?.version?.timestamp;
  if (!isTimestampLike(timestamp)) return null;
  const micros = timestampToMicros(timestamp.seconds, timestamp.nanoseconds);
  // SnapshotVersion.min() (0) marks a document with no committed version (e.g. a local-only one).
  return micros > 0 ? micros : null;
}
