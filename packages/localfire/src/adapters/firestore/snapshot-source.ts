/*
 * The part of `onSnapshot` a scope subscription uses, as a small structural port so tests can
 * drive a subscription with scripted snapshots (and fake timers) instead of the SDK.
 */
import type { DocumentData, Query } from 'firebase/firestore';
import { onSnapshot } from 'firebase/firestore';

/** One change of a query snapshot (the subset of the SDK's `DocumentChange` used). */
export interface SnapshotChangeLike {
  readonly type: 'added' | 'modified' | 'removed';
  readonly doc: {
    readonly id: string;
    readonly ref: { readonly path: string };
    readonly metadata: { readonly hasPendingWrites: boolean };
    data(): DocumentData;
  };
}

/** A query snapshot (the subset of the SDK's `QuerySnapshot` used). */
export interface SnapshotLike {
  readonly metadata: { readonly fromCache: boolean };
  docChanges(options: { readonly includeMetadataChanges: boolean }): readonly SnapshotChangeLike[];
}

/**
 * Opens a listener on `query` with metadata changes included; returns its unsubscribe.
 * `onError` ends the listener (nothing is heard after it).
 */
export type SnapshotSource<Q> = (query: Q, onNext: (snapshot: SnapshotLike) => void, onError: (error: unknown) => void) => () => void;

/** The SDK's `onSnapshot`. */
export const sdkSnapshotSource: SnapshotSource<Query> = (query, onNext, onError) =>
  onSnapshot(query, { includeMetadataChanges: true }, { next: onNext, error: onError });
