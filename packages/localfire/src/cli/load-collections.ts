import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalfireError } from '../errors.js';
import type { CollectionDef } from '../schema/collection.js';

/** A collection definition made by `defineCollection` (structurally: what the generator reads). */
function isCollectionDef(value: unknown): value is CollectionDef {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<CollectionDef>;
  return typeof v.name === 'string' && typeof v.path === 'string' && Array.isArray(v.fieldNames) && typeof v.fields === 'object' && Array.isArray(v.parentFields);
}

/**
 * The collection definitions a module exports: with `exportName`, that export (one definition
 * or an array of them); otherwise every export that is a definition or an array of them, in
 * export order, each name once. A `.ts` module is loaded through tsx when it is installed.
 * Throws `invalid-definition` when the module exports none.
 */
export async function loadCollections(modulePath: string, exportName?: string): Promise<CollectionDef[]> {
  const url = pathToFileURL(resolve(modulePath)).href;
  const loaded = (/\.[cm]?tsx?$/.test(modulePath) ? await importTypeScript(url) : await import(url)) as Record<string, unknown>;
  const candidates = exportName === undefined ? Object.values(loaded) : [loaded[exportName]];
  const out = new Map<string, CollectionDef>();
  for (const value of candidates) {
    for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
      if (isCollectionDef(item) && !out.has(item.name)) out.set(item.name, item);
    }
  }
  if (out.size === 0) {
    const what = exportName === undefined ? 'no export' : `its export "${exportName}" is not`;
    throw new LocalfireError('invalid-definition', `${modulePath}: ${what} a collection definition or an array of them`);
  }
  return [...out.values()];
}

async function importTypeScript(url: string): Promise<unknown> {
  const { tsImport } = (await import('tsx/esm/api')) as { tsImport: (specifier: string, parent: string) => Promise<unknown> };
  return tsImport(url, import.meta.url);
}
