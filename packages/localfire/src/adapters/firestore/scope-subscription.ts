/*
 * One RemoteScope kept in step by one or more `onSnapshot` listeners (several when an `in`
 * filter is chunked). Snapshot changes are collected into a buffer keyed by document id and
 * flushed to the handlers only when every listener's latest snapshot came from the server
 * (`!fromCache`): a cache snapshot can hold a partial, out-of-order view that must not move
 * the checkpoint. Documents with pending local writes are skipped (their server `updatedAt`
 * is not known yet; they come again once committed).
 *
 *   buffer --(all listeners current)--> sort by (serverTime, id), removed first
 *          --> dedupe (id, serverTime) already delivered --> handlers.onChanges (serialised)
 *
 * 'added' vs 'modified' is decided at delivery: 'added' the first time this subscription
 * delivers an id (or after it was removed), 'modified' afterwards.
 */
import type { DocumentData, Query, QuerySnapshot } from 'firebase/firestore';
import { onSnapshot } from 'firebase/firestore';
import { LocalfireError } from '../../errors.js';
import type { CollectionDef } from '../../schema/collection.js';
import { compareCheckpoints, decodeRemoteDocument } from '../../sync/codec.js';
import type { Checkpoint, RemoteChange, SubscriptionHandlers } from '../../sync/remote.js';
import { mapFirestoreError } from './errors.js';
import { fromFirestoreData } from './values.js';

type Buffered =
  | { readonly kind: 'doc'; readonly id: string; readonly path: string; readonly raw: DocumentData }
  | { readonly kind: 'removed'; readonly id: string; readonly path: string };

export interface ScopeSubscriptionOptions {
  readonly def: CollectionDef;
  readonly queries: readonly Query[];
  readonly from: Checkpoint | null;
  readonly handlers: SubscriptionHandlers;
  /** Connection hint per listener (keyed by an object): after its first server snapshot, whether the latest came from the server. Called with true on close. */
  readonly reportReachability: (listenerKey: object, reachable: boolean) => void;
}

export interface ScopeSubscription {
  close(): void;
}

export function startScopeSubscription(options: ScopeSubscriptionOptions): ScopeSubscription {
  const { def, queries, handlers, reportReachability } = options;
  const keys = queries.map(() => ({}));
  const buffer = new Map<string, Buffered>();
  const fromCache = queries.map(() => true);
  const wasCurrent = queries.map(() => false);
  const delivered = new Map<string, number>();
  let checkpoint = options.from;
  let closed = false;
  let flushScheduled = false;
  let chain: Promise<void> = Promise.resolve();

  const fail = (error: LocalfireError): void => {
    if (closed) return;
    close();
    try {
      handlers.onError(error);
    } catch {
      // a throwing handler must not break the SDK's listener loop
    }
  };

  const toChange = (entry: Buffered): { change: RemoteChange; at: Checkpoint | null } | null => {
    if (entry.kind === 'removed') {
      delivered.delete(entry.id);
      return { change: { type: 'removed', collection: def.name, id: entry.id, path: entry.path }, at: null };
    }
    const { data, updatedAtMicros } = fromFirestoreData(entry.raw);
    const serverTime = updatedAtMicros ?? 0;
    if (delivered.get(entry.id) === serverTime) return null;
    const isNew = !delivered.has(entry.id);
    delivered.set(entry.id, serverTime);
    const at = { serverTime, id: entry.id };
    if (entry.raw['updatedAt'] !== undefined && updatedAtMicros === null) {
      const error = new LocalfireError('invalid-data', `${entry.path}: updatedAt is not a timestamp`, { details: { path: entry.path } });
      return { change: { type: 'invalid', collection: def.name, id: entry.id, path: entry.path, error, raw: entry.raw }, at };
    }
    const change = decodeRemoteDocument(def, { id: entry.id, path: entry.path, data, updatedAtMicros, type: isNew ? 'added' : 'modified' });
    return { change, at };
  };

  const flush = (): void => {
    flushScheduled = false;
    if (closed || fromCache.some(Boolean) || buffer.size === 0) return;
    const entries = [...buffer.values()];
    buffer.clear();
    const converted = entries.flatMap((e) => {
      const c = toChange(e);
      return c === null ? [] : [c];
    });
    converted.sort((x, y) => (x.at === null ? (y.at === null ? 0 : -1) : y.at === null ? 1 : compareCheckpoints(x.at, y.at)));
    for (const { at } of converted) if (at !== null && (checkpoint === null || compareCheckpoints(at, checkpoint) > 0)) checkpoint = at;
    if (converted.length === 0) return;
    const changes = converted.map((c) => c.change);
    const batchCheckpoint = checkpoint;
    chain = chain
      .then(async () => {
        if (!closed) await handlers.onChanges(changes, batchCheckpoint);
      })
      .catch((e: unknown) => fail(mapFirestoreError(e, 'onChanges')));
  };

  const onNext = (index: number, snap: QuerySnapshot): void => {
    if (closed) return;
    try {
      for (const change of snap.docChanges({ includeMetadataChanges: true })) {
        const { id, ref } = change.doc;
        if (change.type === 'removed') buffer.set(id, { kind: 'removed', id, path: ref.path });
        else if (change.doc.metadata.hasPendingWrites) buffer.delete(id);
        else buffer.set(id, { kind: 'doc', id, path: ref.path, raw: change.doc.data() });
      }
      fromCache[index] = snap.metadata.fromCache;
      if (!snap.metadata.fromCache) wasCurrent[index] = true;
      if (wasCurrent[index]) reportReachability(keys[index] ?? keys, !snap.metadata.fromCache);
      if (!flushScheduled) {
        flushScheduled = true;
        queueMicrotask(flush);
      }
    } catch (e) {
      fail(mapFirestoreError(e, 'snapshot'));
    }
  };

  const unsubscribes = queries.map((q, index) =>
    onSnapshot(q, { includeMetadataChanges: true }, {
      next: (snap) => onNext(index, snap),
      error: (e) => fail(mapFirestoreError(e, `subscription to ${def.name}`)),
    }),
  );

  function close(): void {
    if (closed) return;
    closed = true;
    buffer.clear();
    for (const key of keys) reportReachability(key, true);
    for (const unsubscribe of unsubscribes) unsubscribe();
  }

  return { close };
}
