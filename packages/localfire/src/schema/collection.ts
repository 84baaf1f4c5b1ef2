import { LocalfireError } from '../errors.js';
import type { FieldKind, FieldSpec, FieldsFor, MergePolicy } from './fields.js';
import type { EntitySchema } from './standard-schema.js';

/** Names localfire keeps for its own bookkeeping, locally and in remote documents. */
export const RESERVED_FIELD_NAMES: ReadonlySet<string> = new Set(['id', 'updatedAt', 'deleted']);

/** Field names of T that can be indexed, filtered and ordered on. */
export type FieldName<T> = Exclude<keyof T, 'id'> & string;

export interface CollectionConfig<T extends { id: string }> {
  /** Local table name and the collection's key everywhere in localfire: `[a-z][a-z0-9_]*`. */
  readonly name: string;
  /**
   * The Firestore document path. Every `{placeholder}` but the last names a field of the
   * entity; the last is `{id}`. Example: `conversations/{conversationId}/messages/{id}`.
   */
  readonly path: string;
  /** Validates every local write and every remote document (any Standard Schema, synchronous). */
  readonly schema: EntitySchema<T>;
  /** Every field but `id`: its column kind, merge policy and optionality. */
  readonly fields: NoInfer<FieldsFor<T>>;
  /** Local composite indexes, each a list of fields. Queries may filter on any field; filters and orders on a declared index's leading fields use it. */
  readonly indexes?: readonly (readonly NoInfer<FieldName<T>>[])[];
  /**
   * May the cache cap evict synced rows of this collection? (Messages yes, users no.)
   * Default false.
   */
  readonly evictable?: boolean;
}

/** One segment of a parsed document path. */
export type PathSegment = { readonly kind: 'literal'; readonly value: string } | { readonly kind: 'param'; readonly field: string };

/** A validated, normalised collection definition. Create with {@link defineCollection}. */
export interface CollectionDef<T extends { id: string } = { id: string }> {
  readonly name: string;
  readonly path: string;
  readonly pathSegments: readonly PathSegment[];
  /** Fields named by path placeholders other than `{id}` (e.g. `conversationId`). */
  readonly parentFields: readonly string[];
  readonly schema: EntitySchema<T>;
  readonly fields: Readonly<Record<string, FieldSpec>>;
  readonly fieldNames: readonly string[];
  readonly indexes: readonly (readonly string[])[];
  readonly evictable: boolean;
  /** Phantom: the entity type, for inference only. */
  readonly __entity?: T;
}

/** The entity type of a collection definition. */
export type EntityOf<C> = C extends CollectionDef<infer T> ? T : never;

const NAME_RE = /^[a-z][a-z0-9_]*$/;
const FIELD_RE = /^[A-Za-z][A-Za-z0-9]*$/;
const KINDS: ReadonlySet<FieldKind> = new Set(['string', 'number', 'integer', 'boolean', 'date', 'json', 'set']);
const POLICIES: ReadonlySet<MergePolicy> = new Set(['lww', 'server', 'union', 'immutable']);

/**
 * Declares a collection: the framework derives its SQLite table, indexes, repository,
 * live queries and sync from this. Throws `invalid-definition` for a malformed config.
 */
export function defineCollection<T extends { id: string }>(config: CollectionConfig<T>): CollectionDef<T> {
  const fail = (message: string): never => {
    throw new LocalfireError('invalid-definition', `collection "${config.name}": ${message}`);
  };
  if (!NAME_RE.test(config.name) || config.name.startsWith('_lf')) fail('name must match [a-z][a-z0-9_]* and not start with _lf');
  const fields = config.fields as Readonly<Record<string, FieldSpec>>;
  const fieldNames = Object.keys(fields);
  for (const name of fieldNames) {
    const spec = fields[name];
    if (!FIELD_RE.test(name)) fail(`field "${name}" must match [A-Za-z][A-Za-z0-9]*`);
    if (RESERVED_FIELD_NAMES.has(name)) fail(`field "${name}" is reserved by localfire`);
    if (!spec || !KINDS.has(spec.kind)) fail(`field "${name}" has an unknown kind`);
    if (spec && !POLICIES.has(spec.merge)) fail(`field "${name}" has an unknown merge policy "${spec.merge}"`);
    if (spec?.merge === 'union' && spec.kind !== 'set') fail(`field "${name}": merge "union" needs kind "set"`);
  }
  const pathSegments = parsePath(config.path, fail);
  const params = pathSegments.flatMap((s) => (s.kind === 'param' ? [s.field] : []));
  if (params[params.length - 1] !== 'id' || pathSegments[pathSegments.length - 1]?.kind !== 'param') fail('path must end with {id}');
  if (pathSegments.length % 2 !== 0) fail('path must have an even number of segments (collection/doc pairs)');
  const parentFields = params.slice(0, -1);
  for (const p of parentFields) {
    if (!fieldNames.includes(p)) fail(`path placeholder {${p}} is not a field`);
    else if (fields[p]?.kind !== 'string' || fields[p]?.optional) fail(`path placeholder {${p}} must be a required string field`);
  }
  const indexes = (config.indexes ?? []).map((ix) => [...ix] as string[]);
  for (const ix of indexes) {
    if (ix.length === 0) fail('an index needs at least one field');
    for (const f of ix) if (!fieldNames.includes(f)) fail(`index field "${f}" is not a field`);
  }
  return Object.freeze({
    name: config.name,
    path: config.path,
    pathSegments,
    parentFields,
    schema: config.schema,
    fields,
    fieldNames,
    indexes,
    evictable: config.evictable ?? false,
  });
}

function parsePath(path: string, fail: (m: string) => never): PathSegment[] {
  const parts = path.split('/');
  return parts.map((part) => {
    const m = /^\{([A-Za-z][A-Za-z0-9]*)\}$/.exec(part);
    if (m?.[1]) return { kind: 'param', field: m[1] } as const;
    if (!/^[A-Za-z0-9_-]+$/.test(part)) fail(`path segment "${part}" is neither a literal nor a {placeholder}`);
    return { kind: 'literal', value: part } as const;
  });
}

/** The Firestore document path of an entity: placeholders filled from its fields. */
export function documentPath(def: CollectionDef, entity: Readonly<Record<string, unknown>>): string {
  return def.pathSegments
    .map((s) => {
      if (s.kind === 'literal') return s.value;
      const v = entity[s.field];
      if (typeof v !== 'string' || v === '' || v.includes('/')) {
        throw new LocalfireError('validation', `${def.name}: path field "${s.field}" must be a non-empty string without "/"`);
      }
      return v;
    })
    .join('/');
}

/** The Firestore collection path that holds a document of `def` under the given parent fields. */
export function collectionPath(def: CollectionDef, parents: Readonly<Record<string, string>>): string {
  return documentPath(def, { ...parents, id: 'x' }).split('/').slice(0, -1).join('/');
}
