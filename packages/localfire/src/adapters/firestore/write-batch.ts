/*
 * One `write()` call = one Firestore WriteBatch of merges. Each document gets only its
 * changed fields and `updatedAt: serverTimestamp()` (a delete: `deleted: true`); unions are
 * `arrayUnion` and removals from a set `arrayRemove`, so replaying a batch changes nothing but `updatedAt`. A tombstone is final:
 * a set never writes `deleted`, so a stale edit merged after a delete leaves it deleted.
 */
import type { DocumentReference, DocumentSnapshot, Firestore } from 'firebase/firestore';
import { arrayRemove, arrayUnion, deleteField, doc, getDocFromCache, getDocFromServer, serverTimestamp, Timestamp, writeBatch } from 'firebase/firestore';
import { LocalfireError } from '../../errors.js';
import type { CollectionDef } from '../../schema/collection.js';
import type { EncodedField } from '../../sync/codec.js';
import { encodeWrite } from '../../sync/codec.js';
import type { RemoteWrite, WriteAck } from '../../sync/remote.js';
import { MAX_BATCH_WRITES } from '../../sync/remote.js';
import { versionOrUpdatedAt } from './document-version.js';
import { mapFirestoreError } from './errors.js';

function toFirestoreField(field: EncodedField): unknown {
  switch (field.op) {
    case 'set':
      return field.value instanceof Date ? Timestamp.fromDate(field.value) : field.value;
    case 'delete':
      return deleteField();
    case 'union':
      return arrayUnion(...field.values);
    case 'remove':
      return arrayRemove(...field.values);
  }
}

/**
 * The Firestore merge payload of one write: the codec validates and encodes it (throws
 * `invalid-data`), then dates become Timestamps, removals `deleteField()`, unions
 * `arrayUnion`, set removals `arrayRemove`, plus `updatedAt: serverTimestamp()`. A delete is a tombstone: only
 * `deleted: true` and `updatedAt`. A set leaves `deleted` alone (absent means live): writing
 * `deleted: false` would resurrect a document another device deleted meanwhile.
 */
export function toFirestoreWrite(collections: ReadonlyMap<string, CollectionDef>, write: RemoteWrite): Record<string, unknown> {
  const def = collections.get(write.collection);
  if (def === undefined) throw new LocalfireError('invalid-data', `unknown collection "${write.collection}"`, { details: { path: write.path } });
  const encoded = encodeWrite(def, write);
  const out: Record<string, unknown> = {};
  if (encoded.op === 'set') for (const [name, field] of Object.entries(encoded.fields)) out[name] = toFirestoreField(field);
  out['updatedAt'] = serverTimestamp();
  if (encoded.op === 'delete') out['deleted'] = true;
  return out;
}

function abortError(signal: AbortSignal): LocalfireError {
  return new LocalfireError('aborted', 'write aborted', { cause: signal.reason });
}

/** Settles with `promise`, or rejects `aborted` as soon as `signal` fires (the promise keeps running). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(mapFirestoreError(e, 'write')); },
    );
  });
}

/**
 * The version (see document-version.ts) of a document just written. The SDK stores the
 * commit's version and transform results (the server timestamp) in its cache when the write
 * is acknowledged, so a cache read right after `commit()` gives it with no round trip. Should
 * the document be gone from the memory cache, fall back to one server read. Without a version
 * from the SDK, the committed `updatedAt` stands in.
 */
async function committedVersion(ref: DocumentReference): Promise<number> {
  const fromCache = await getDocFromCache(ref).catch(() => null);
  const cached = fromCache === null ? null : versionOf(fromCache);
  if (cached !== null) return cached;
  const fromServer = versionOf(await getDocFromServer(ref));
  if (fromServer !== null) return fromServer;
  throw new LocalfireError('internal', `no server version of ${ref.path} after commit`, { details: { path: ref.path } });
}

function versionOf(snapshot: DocumentSnapshot): number | null {
  // Another write of this client to the document may still be pending (two batches in flight):
  // the snapshot then shows it on top of the last committed state, whose version it keeps, and
  // `previous` gives that state's updatedAt.
  const data = snapshot.data({ serverTimestamps: 'previous' });
  return data === undefined ? null : versionOrUpdatedAt(snapshot, data);
}

export interface CommitOptions {
  readonly firestore: Firestore;
  readonly collections: ReadonlyMap<string, CollectionDef>;
  readonly writes: readonly RemoteWrite[];
  readonly signal: AbortSignal | undefined;
  /**
   * The SDK commit that carries each mutation id whose ack the caller has not received yet
   * (an aborted write: the SDK keeps the batch and applies it later). Shared by every
   * `commitWrites` of one Firestore instance.
   */
  readonly sent: Map<string, Promise<void>>;
}

/**
 * Builds, commits and acknowledges one batch. Rejects with mapped LocalfireErrors only.
 *
 * A write already handed to the SDK (by an earlier call that was aborted) is not committed
 * again: the SDK still holds it, or has applied it, and this call waits for that commit. A
 * second commit would re-apply the write on top of whatever other clients changed since
 * (a group's invitations re-added after the invitee accepted), which is neither harmless nor,
 * under security rules, always allowed.
 */
export async function commitWrites(options: CommitOptions): Promise<WriteAck[]> {
  const { firestore, collections, writes, signal, sent } = options;
  if (writes.length > MAX_BATCH_WRITES) {
    throw new LocalfireError('invalid-data', `a batch holds at most ${MAX_BATCH_WRITES} writes (got ${writes.length})`, { details: { count: writes.length } });
  }
  if (writes.length === 0) return [];
  try {
    const held = [...new Set(writes.flatMap((w) => sent.get(w.mutationId) ?? []))];
    const fresh = writes.filter((w) => !sent.has(w.mutationId));
    const batch = writeBatch(firestore);
    const refs = new Map<string, DocumentReference>();
    for (const w of writes) refs.set(w.path, doc(firestore, w.path));
    for (const w of fresh) batch.set(refs.get(w.path)!, toFirestoreWrite(collections, w), { merge: true });
    const commit = fresh.length === 0 ? Promise.resolve() : batch.commit();
    for (const w of fresh) sent.set(w.mutationId, commit);
    // A refused commit applied nothing: its writes may be sent again.
    commit.catch(() => { for (const w of fresh) if (sent.get(w.mutationId) === commit) sent.delete(w.mutationId); });
    await raceAbort(Promise.all([...held, commit]), signal);
    for (const w of writes) sent.delete(w.mutationId);
    const times = new Map<string, number>();
    await raceAbort(
      Promise.all([...refs].map(async ([path, ref]) => { times.set(path, await committedVersion(ref)); })),
      signal,
    );
    return writes.map((w) => ({ path: w.path, version: times.get(w.path) ?? 0 }));
  } catch (e) {
    throw mapFirestoreError(e, 'write');
  }
}
