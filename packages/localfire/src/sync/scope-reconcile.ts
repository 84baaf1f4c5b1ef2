/*
 * Documents that left a field-filtered scope while no listener could say so. A listener reports
 * a document leaving its query only while it holds it: a document that stopped matching while
 * the device was closed (a user removed from a group) is not in the resumed query at all, and
 * the SDK does not always report one after a reconnect. So whenever a subscription of such a
 * scope is current after a resume or a time behind, the engine compares:
 *
 *   local rows in the scope (synced ones: a pending write is never dropped)
 *     -- count on the server >= local count --> nothing left (joins arrived with the delta)
 *     -- fewer --> ask which local ids are still in the scope; the others are 'removed'
 *
 * One count (Firestore: one billed read per 1,000 documents) each time, and one read per
 * document still in scope only when something left.
 */
import { documentPath } from '../schema/collection.js';
import type { CollectionDef } from '../schema/collection.js';
import type { LocalStore } from '../store/local-store.js';
import type { RemoteChange, RemotePort, RemoteScope } from './remote.js';
import { hasFieldFilters } from './scope-match.js';

/** The 'removed' changes for local rows of `scope` that the server no longer has in it; none when the remote cannot tell. */
export async function reconcileScope(options: {
  readonly store: LocalStore;
  readonly remote: Pick<RemotePort, 'countInScope' | 'stillInScope'>;
  readonly def: CollectionDef;
  readonly scope: RemoteScope;
}): Promise<RemoteChange[]> {
  const { store, remote, def, scope } = options;
  if (!hasFieldFilters(scope) || remote.countInScope === undefined || remote.stillInScope === undefined) return [];
  const where: Record<string, unknown> = { ...(scope.parents ?? {}) };
  let ids: ReadonlySet<string> | null = null;
  for (const filter of scope.filters ?? []) {
    if (filter.op === '==') where[filter.field] = filter.value;
    else if (filter.op === 'array-contains') where[filter.field] = { contains: filter.value };
    else ids = new Set(filter.value);
  }
  const rows = (await store.repo(def).query({ where })) as readonly { readonly id: string; readonly $meta: { readonly syncStatus: string; readonly serverTimestamp: Date | null } }[];
  const local = rows.filter((r) => r.$meta.syncStatus === 'synced' && r.$meta.serverTimestamp !== null && (ids === null || ids.has(r.id))).map((r) => r.id);
  if (local.length === 0) return [];
  if ((await remote.countInScope(scope)) >= local.length) return [];
  const still = await remote.stillInScope(scope, local);
  return local
    .filter((id) => !still.has(id))
    .map((id) => ({ type: 'removed', collection: def.name, id, path: documentPath(def, { ...scope.parents, id }) }) satisfies RemoteChange);
}
