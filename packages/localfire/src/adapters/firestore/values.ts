/*
 * Firestore values <-> localfire's neutral form: Timestamps become Dates (and `updatedAt`
 * integer microseconds), the other way round for writes.
 */
import { Timestamp } from 'firebase/firestore';

/** A Firestore Timestamp as integer microseconds since the epoch (Firestore's precision). */
export function timestampToMicros(ts: Timestamp): number {
  return ts.seconds * 1_000_000 + Math.floor(ts.nanoseconds / 1_000);
}

/** Integer microseconds since the epoch as a Firestore Timestamp (exact). */
export function microsToTimestamp(micros: number): Timestamp {
  const seconds = Math.floor(micros / 1_000_000);
  return new Timestamp(seconds, (micros - seconds * 1_000_000) * 1_000);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Replaces every Timestamp (at any depth, in arrays and maps) by a Date. Other values are kept. */
export function timestampsToDates(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate();
  if (Array.isArray(value)) return value.map(timestampsToDates);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = timestampsToDates(v);
    return out;
  }
  return value;
}

/** A remote document's data in neutral form, `updatedAt` split off as micros (null when absent or not a Timestamp). */
export interface NeutralDocument {
  readonly data: Record<string, unknown>;
  readonly updatedAtMicros: number | null;
}

export function fromFirestoreData(raw: Readonly<Record<string, unknown>>): NeutralDocument {
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (k !== 'updatedAt') data[k] = timestampsToDates(v);
  return { data, updatedAtMicros: updatedAtMicros(raw) };
}

/** A document's `updatedAt` in µs (null when absent or not a Timestamp), without converting the rest. */
export function updatedAtMicros(raw: Readonly<Record<string, unknown>>): number | null {
  const v = raw['updatedAt'];
  return v instanceof Timestamp ? timestampToMicros(v) : null;
}
