/*
 * A document that leaves the device takes the documents under it along: when a conversation is
 * removed from a device (its user was taken out of it, it was deleted), the messages stored
 * under its path (`conversations/{conversationId}/messages/{id}`) are no longer readable and
 * would otherwise stay in SQLite for good. Children are found by the collections' paths: a
 * collection whose path continues another's document path is its child.
 */
import { parseDocumentPath } from './codec.js';
import { documentPath } from '../schema/collection.js';
import type { CollectionDef } from '../schema/collection.js';
import type { LocalStore } from '../store/local-store.js';
import type { RemoteChange } from './remote.js';

type Removed = Extract<RemoteChange, { type: 'removed' }>;

/** The collections stored right under a document of `parent` (one collection deeper), with the child's field for each of the parent path's placeholders. */
export function childCollections(defs: readonly CollectionDef[], parent: CollectionDef): { readonly def: CollectionDef; readonly fields: readonly (readonly [parentField: string, childField: string])[] }[] {
  const head = parent.pathSegments;
  return defs.flatMap((def) => {
    if (def.pathSegments.length !== head.length + 2) return [];
    const fields: (readonly [string, string])[] = [];
    for (const [i, segment] of head.entries()) {
      const other = def.pathSegments[i]!;
      if (segment.kind === 'literal') {
        if (other.kind !== 'literal' || other.value !== segment.value) return [];
      } else if (other.kind === 'param') fields.push([segment.field, other.field]);
      else return [];
    }
    return [{ def, fields }];
  });
}

/**
 * 'removed' changes for the local rows stored under each removed document (at any depth),
 * synced ones only: a row with a pending or failed write stays (the engine never drops an
 * unsent write). Read outside any transaction.
 */
export async function childRemovals(store: LocalStore, removed: readonly Removed[]): Promise<Removed[]> {
  const byName = new Map<string, CollectionDef>(store.collections.map((d) => [d.name, d]));
  const defs = [...byName.values()];
  const out: Removed[] = [];
  const queue = [...removed];
  for (let change = queue.shift(); change !== undefined; change = queue.shift()) {
    const parent = byName.get(change.collection);
    const located = parent === undefined ? null : parseDocumentPath(parent, change.path);
    if (parent === undefined || located === null) continue;
    const values: Record<string, string> = { ...located.parents, id: located.id };
    for (const child of childCollections(defs, parent)) {
      const where = Object.fromEntries(child.fields.map(([p, c]) => [c, values[p]]));
      const rows = await store.repo(child.def).query({ where });
      for (const row of rows) {
        if (row.$meta.syncStatus !== 'synced') continue;
        const next: Removed = { type: 'removed', collection: child.def.name, id: row.id, path: documentPath(child.def, { ...where, id: row.id }) };
        out.push(next);
        queue.push(next);
      }
    }
  }
  return out;
}
