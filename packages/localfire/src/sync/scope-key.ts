import type { RemoteScope, ScopeFilter } from './remote.js';

/**
 * A stable key for a scope: equal scopes (whatever the order of parents, filters or `in`
 * values) get the same key. It names the scope's checkpoint in the local meta table.
 */
export function scopeKey(scope: RemoteScope): string {
  const parents = Object.entries(scope.parents ?? {}).sort(([a], [b]) => compare(a, b));
  const filters = (scope.filters ?? []).map(canonicalFilter).sort(compare);
  return JSON.stringify([scope.collection, parents, filters]);
}

/** The meta key under which a scope's resume checkpoint is stored. */
export function checkpointMetaKey(key: string): string {
  return `checkpoint:${key}`;
}

function canonicalFilter(f: ScopeFilter): string {
  const value = Array.isArray(f.value) ? [...(f.value as readonly string[])].sort(compare) : f.value;
  return JSON.stringify([f.field, f.op, value]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
