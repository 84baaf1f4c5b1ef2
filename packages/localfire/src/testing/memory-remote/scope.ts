import { LocalfireError } from '../../errors.js';
import type { CollectionDef } from '../../schema/collection.js';
import type { RemoteScope } from '../../sync/remote.js';
import { matchesScope } from '../../sync/scope-match.js';
import { isRecord } from './store.js';
import type { StoredDoc } from './store.js';

/** A subscription scope checked against stored documents. */
export interface ScopeMatcher {
  readonly def: CollectionDef;
  /** The collection path the rules see, e.g. `lists/l1/todos` (or `lists/{listId}/todos`). */
  readonly collectionPath: string;
  /** Same collection and parent path. */
  underParents(doc: StoredDoc): boolean;
  /** The filters hold (evaluated on the stored data, parent fields from the path). */
  matchesFilters(doc: StoredDoc): boolean;
}

/** Compiles a scope, or returns an `invalid-query` error for an unknown collection, parent or field. */
export function compileScope(defs: ReadonlyMap<string, CollectionDef>, scope: RemoteScope): ScopeMatcher | LocalfireError {
  const def = defs.get(scope.collection);
  if (!def) return new LocalfireError('invalid-query', `unknown collection "${scope.collection}"`);
  const parents = Object.entries(scope.parents ?? {});
  for (const [name, value] of parents) {
    if (!def.parentFields.includes(name) || typeof value !== 'string' || value === '') {
      return new LocalfireError('invalid-query', `${def.name}: "${name}" is not a parent of ${def.path}`);
    }
  }
  const filters = scope.filters ?? [];
  for (const filter of filters) {
    const known = filter.op === 'in' ? filter.field === 'id' : def.fieldNames.includes(filter.field);
    if (!known || !['==', 'array-contains', 'in'].includes(filter.op)) {
      return new LocalfireError('invalid-query', `${def.name}: unsupported filter on "${filter.field}"`);
    }
  }
  const collectionPath = def.pathSegments
    .slice(0, -1)
    .map((s) => (s.kind === 'literal' ? s.value : (scope.parents?.[s.field] ?? `{${s.field}}`)))
    .join('/');
  return {
    def,
    collectionPath,
    underParents: (doc) => doc.def === def && parents.every(([name, value]) => doc.parents[name] === value),
    // Parent fields come from the path, over whatever the stored data says.
    matchesFilters: (doc) => matchesScope({ collection: scope.collection, filters }, doc.id, { ...(isRecord(doc.data) ? doc.data : {}), ...doc.parents }),
  };
}

