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
  /**
   * `string` fields: the most characters a write may store, in UTF-16 code units (JavaScript's `length`, what the rules' `string.size()` counts). Checked by
   * {@link checkFieldLimits} before a write and by the rules `generateRulesValidation` prints.
   */
  readonly maxLength?: number;
  /** `set` and `json` fields: the most items (set elements, list items or map keys) a write may store; checked like `maxLength`. */
  readonly maxItems?: number;
  /**
   * `date` fields: how far past the server's time (`request.time`) a written value may lie, in
   * ms. Only the generated rules check it (a device does not know the server's time).
   */
  readonly maxFutureMs?: number;
  /**
   * Read from documents earlier versions of the app wrote, never written by this one: the
   * generated rules refuse a write that sets it, and {@link checkFieldLimits} refuses it locally.
   * A legacy field must be optional.
   */
  readonly legacy?: boolean;
}

/** Options every field builder takes. */
export interface FieldOptions<O extends boolean> {
  readonly merge?: MergePolicy;
  readonly optional?: O;
  /** See {@link FieldSpec.legacy}. */
  readonly legacy?: boolean;
}

type AnyFieldOptions<O extends boolean> = FieldOptions<O> & Pick<FieldSpec, 'maxLength' | 'maxItems' | 'maxFutureMs'>;

function make<K extends FieldKind, Opts extends object = object>(kind: K, defaultMerge: MergePolicy) {
  return <O extends boolean = false>(options: FieldOptions<O> & Opts = {} as FieldOptions<O> & Opts): FieldSpec<K, O> => {
    const o = options as AnyFieldOptions<O>;
    return {
      kind,
      merge: o.merge ?? defaultMerge,
      optional: (o.optional ?? false) as O,
      ...(o.maxLength === undefined ? {} : { maxLength: o.maxLength }),
      ...(o.maxItems === undefined ? {} : { maxItems: o.maxItems }),
      ...(o.maxFutureMs === undefined ? {} : { maxFutureMs: o.maxFutureMs }),
      ...(o.legacy === undefined ? {} : { legacy: o.legacy }),
    };
  };
}

/** Field spec builders. Defaults: merge `lww` (`union` for sets), required. */
export const field = {
  string: make<'string', { readonly maxLength?: number }>('string', 'lww'),
  number: make('number', 'lww'),
  integer: make('integer', 'lww'),
  boolean: make('boolean', 'lww'),
  date: make<'date', { readonly maxFutureMs?: number }>('date', 'lww'),
  json: make<'json', { readonly maxItems?: number }>('json', 'lww'),
  set: make<'set', { readonly maxItems?: number }>('set', 'union'),
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
