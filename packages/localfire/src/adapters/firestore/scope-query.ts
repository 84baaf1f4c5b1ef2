/*
 * RemoteScope -> Firestore queries. One scope is one collection under one parent path,
 * filtered by equality / array-contains / document id, ordered by (updatedAt, documentId)
 * and started at a bound on `updatedAt` (see scope-subscription.ts for how bounds are chosen). A document-id list longer than Firestore's `in` limit
 * becomes several queries (chunks); the subscription merges them.
 *
 * Production note: `where(x, '==', v)` + `orderBy('updatedAt')` needs a composite index
 * (x ASC, updatedAt ASC, __name__ ASC). The emulator does not check indexes; Firestore
 * answers `failed-precondition` (mapped to `invalid-data`) with a link that creates it.
 */
import type { Firestore, Query, QueryConstraint } from 'firebase/firestore';
import { collection, documentId, orderBy, query, startAt, where } from 'firebase/firestore';
import { LocalfireError } from '../../errors.js';
import type { CollectionDef } from '../../schema/collection.js';
import { collectionPath } from '../../schema/collection.js';
import type { RemoteScope, ScopeFilter } from '../../sync/remote.js';
import { microsToTimestamp } from './values.js';

/** Firestore's limit on the values of one `in` filter. */
export const MAX_IN_VALUES = 30;

export function chunk<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

function parentsOf(def: CollectionDef, scope: RemoteScope): Record<string, string> {
  const parents = scope.parents ?? {};
  for (const f of def.parentFields) {
    if (typeof parents[f] !== 'string') {
      throw new LocalfireError('invalid-query', `${def.name}: scope needs parent "${f}"`, { details: { collection: def.name } });
    }
  }
  return { ...parents };
}

/**
 * The queries that together cover the documents of `scope` with `updatedAt >= bound` (µs; every
 * document with an `updatedAt` when null). An `in` filter with an empty list yields no query at
 * all (the scope is empty); a list over 30 ids yields one query per chunk.
 */
export function buildScopeQueries(firestore: Firestore, def: CollectionDef, scope: RemoteScope, bound: number | null): Query[] {
  const ref = collection(firestore, collectionPath(def, parentsOf(def, scope)));
  const common: QueryConstraint[] = [];
  let idChunks: string[][] | null = null;
  for (const filter of scope.filters ?? []) {
    if (filter.op === 'in') idChunks = intersect(idChunks, chunk([...new Set(filter.value)], MAX_IN_VALUES));
    else common.push(fieldFilter(def, filter));
  }
  const ordering: QueryConstraint[] = [orderBy('updatedAt'), orderBy(documentId())];
  if (bound !== null) ordering.push(startAt(microsToTimestamp(Math.max(0, bound))));
  if (idChunks === null) return [query(ref, ...common, ...ordering)];
  return idChunks.map((ids) => query(ref, ...common, where(documentId(), 'in', ids), ...ordering));
}

function intersect(current: string[][] | null, next: string[][]): string[][] {
  if (current === null) return next;
  const keep = new Set(next.flat());
  return chunk(current.flat().filter((id) => keep.has(id)), MAX_IN_VALUES);
}

function fieldFilter(def: CollectionDef, filter: Exclude<ScopeFilter, { op: 'in' }>): QueryConstraint {
  if (filter.field !== 'deleted' && def.fields[filter.field] === undefined) {
    throw new LocalfireError('invalid-query', `${def.name}: scope filters on unknown field "${filter.field}"`, { details: { field: filter.field } });
  }
  return where(filter.field, filter.op, filter.value);
}
