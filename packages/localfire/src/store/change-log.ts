/*
 * What one transaction changed, per collection, published to live queries after COMMIT
 * (never on rollback). Row versions (before/after, in local representation) let a live
 * query skip re-running when no changed row can match its equality filters.
 */
import type { FieldKind } from '../schema/fields.js';
import { toSql } from './columns.js';
import type { SqlValue } from './driver.js';

type Data = Readonly<Record<string, unknown>>;

export interface RowChange {
  readonly id: string;
  /** Known versions of the row's fields (before and/or after); null when unknown. */
  readonly versions: readonly Data[] | null;
  /**
   * The row as committed (fields and `$meta`, as repositories return it), null when it was
   * removed for good, undefined when unknown. Lets live queries patch their result.
   */
  readonly after?: Readonly<Record<string, unknown>> | null;
}

/** Per collection: the changed rows, or 'all' when too many or unknown. */
export type ChangeLog = ReadonlyMap<string, readonly RowChange[] | 'all'>;

export interface ChangeRecorder {
  row(collection: string, id: string, versions: readonly (Data | undefined)[], after?: Data | null): void;
  /** The rows changed are unknown (bulk delete, eviction). */
  table(collection: string): void;
  /** False once the collection's rows are no longer tracked one by one ('all'): callers may skip reading them. */
  tracks(collection: string): boolean;
  /** The outbox changed (an entry added, settled or retried). */
  outbox(): void;
  readonly log: ChangeLog;
  readonly outboxChanged: boolean;
}

const MAX_ROWS_PER_TABLE = 256;

/**
 * `onChange` hears each recorded change as it is recorded: a row (`id`) or a whole collection
 * (`id` undefined). The store uses it to drop rows a transaction cached (see OpContext.rows).
 */
export function createChangeRecorder(onChange?: (collection: string, id?: string) => void): ChangeRecorder {
  const log = new Map<string, RowChange[] | 'all'>();
  let outboxChanged = false;
  return {
    log,
    get outboxChanged() {
      return outboxChanged;
    },
    outbox() {
      outboxChanged = true;
    },
    tracks: (collection) => log.get(collection) !== 'all',
    row(collection, id, versions, after) {
      onChange?.(collection, id);
      const current = log.get(collection);
      if (current === 'all') return;
      const known = versions.filter((v): v is Data => v !== undefined);
      const change: RowChange = after === undefined ? { id, versions: known.length > 0 ? known : null } : { id, versions: known.length > 0 ? known : null, after };
      if (current === undefined) log.set(collection, [change]);
      else if (current.length >= MAX_ROWS_PER_TABLE) log.set(collection, 'all');
      else current.push(change);
    },
    table(collection) {
      onChange?.(collection);
      log.set(collection, 'all');
    },
  };
}

/** An equality filter a live query holds: the field's value must be one of `values` (SQL form). */
export interface EqualityFilter {
  readonly field: string;
  readonly kind: FieldKind;
  readonly values: ReadonlySet<SqlValue>;
}

/** Could this change alter a query over `collection` restricted by `filters`? Conservative. */
export function mayAffect(log: ChangeLog, collection: string, filters: readonly EqualityFilter[]): boolean {
  const changes = log.get(collection);
  if (changes === undefined) return false;
  if (changes === 'all' || filters.length === 0) return true;
  return changes.some((change) => changeMayMatch(change, filters));
}

function changeMayMatch(change: RowChange, filters: readonly EqualityFilter[]): boolean {
  const idFilter = filters.find((f) => f.field === 'id');
  if (idFilter && !idFilter.values.has(change.id)) return false;
  if (change.versions === null) return true;
  return change.versions.some((data) => filters.every((f) => f.field === 'id' || f.values.has(toSql(f.kind, data[f.field]))));
}
