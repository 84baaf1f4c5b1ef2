/*
 * Whether a document's fields put it in a scope: the scope's parents and filters evaluated on
 * its data, the same way Firestore evaluates the scope's query (`==`, `array-contains`,
 * `documentId() in`). Used where the engine or an adapter must judge membership itself.
 */
import type { RemoteScope } from './remote.js';

/** True when `data` (a document's fields, parent fields included) and `id` satisfy `scope`'s parents and filters. */
export function matchesScope(scope: RemoteScope, id: string, data: Readonly<Record<string, unknown>>): boolean {
  for (const [field, value] of Object.entries(scope.parents ?? {})) if (data[field] !== value) return false;
  return (scope.filters ?? []).every((f) => {
    if (f.op === 'in') return f.value.includes(id);
    const value = data[f.field];
    return f.op === '==' ? value === f.value : Array.isArray(value) && value.includes(f.value);
  });
}

/** Whether documents can leave `scope` by a change of their own fields (a filter other than `documentId() in`). */
export function hasFieldFilters(scope: RemoteScope): boolean {
  return (scope.filters ?? []).some((f) => f.op !== 'in');
}
