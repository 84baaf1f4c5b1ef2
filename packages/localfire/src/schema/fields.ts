/**
 * Field specs: how one entity field is stored locally (a typed SQLite column), encoded
 * remotely, and merged during sync. Build them with {@link field}.
 */

/** Column kinds. `set` is an array of unique strings (stored as JSON, merged by union by default). */
export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'date' | 'json' | 'set';

/**
 * How sync merges a field when a remote document meets the local row.
 * - `lww`: last write wins by server timestamp; a pending local edit is never overwritten by an older snapshot.
 * - `server`: the server's value always wins on pull (presence, counters the backend owns). Local writes still push.
 * - `union`: set union of local and remote (receipts): concurrent additions are never lost.
 * - `immutable`: clients may not change it once written (local updates are refused with `precondition`);
 *   a change made on the server (server code, Admin SDK) is authoritative and reaches every device.
 */
export type MergePolicy = 'lww' | 'server' | 'union' | 'immutable';

/** The TypeScript type a kind holds. */
export interface KindType {
  string: string;
  number: number;
  integer: number;
  boolean: boolean;
  date: Date;
  json: unknown;
  set: readonly string[];
}

export interface FieldSpec<K extends FieldKind = FieldKind, O extends boolean = boolean> {
  readonly kind: K;
  readonly merge: MergePolicy;
  /** Optional fields may be absent (stored as NULL). Adding an optional field to an existing database needs no migration code. */
  readonly optional: O;
}

export interface FieldOptions<O extends boolean> {
  readonly merge?: MergePolicy;
  readonly optional?: O;
}

function make<K extends FieldKind>(kind: K, defaultMerge: MergePolicy) {
  return <O extends boolean = false>(options: FieldOptions<O> = {}): FieldSpec<K, O> => ({
    kind,
    merge: options.merge ?? defaultMerge,
    optional: (options.optional ?? false) as O,
  });
}

/** Field spec builders. Defaults: merge `lww` (`union` for sets), required. */
export const field = {
  string: make('string', 'lww'),
  number: make('number', 'lww'),
  integer: make('integer', 'lww'),
  boolean: make('boolean', 'lww'),
  date: make('date', 'lww'),
  json: make('json', 'lww'),
  set: make('set', 'union'),
} as const;

/** Which kinds may hold a value of type V. */
export type KindsFor<V> = [V] extends [Date]
  ? 'date'
  : [V] extends [string]
    ? 'string'
    : [V] extends [number]
      ? 'number' | 'integer'
      : [V] extends [boolean]
        ? 'boolean'
        : [V] extends [readonly string[]]
          ? 'set' | 'json'
          : 'json';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{} extends Pick<T, K>` is the idiom for "K is optional"
type IsOptional<T, K extends keyof T> = undefined extends T[K] ? true : {} extends Pick<T, K> ? true : false;

/**
 * The `fields` map a collection of entity type T must declare: every key of T but `id`,
 * each with a kind that fits its type and `optional` matching the schema.
 */
export type FieldsFor<T> = {
  readonly [K in Exclude<keyof T, 'id'>]-?: FieldSpec<KindsFor<NonNullable<T[K]>>, IsOptional<T, K>>;
};
