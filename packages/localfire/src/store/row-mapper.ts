/*
 * Precompiled row mappers: one closure per collection over its column list, so turning a
 * SQLite row into an entity does no per-row lookups of field specs.
 */
import type { FieldKind } from '../schema/fields.js';
import { sqlDecoder } from './columns.js';
import type { RowMeta, Stored, SyncStatus } from './types.js';

/** The bookkeeping columns every entity table has, in select order after the fields. */
export const META_COLUMNS = ['_sync_status', '_retry_count', '_last_attempt', '_server_time', '_created_at', '_updated_at', '_deleted'] as const;

export interface MappedColumn {
  readonly field: string;
  readonly kind: FieldKind;
}

export type RowObject = Record<string, unknown>;
export type DataMapper = (row: RowObject) => Record<string, unknown>;
export type RowMapper<T> = (row: RowObject) => Stored<T>;

type Step = (entity: Record<string, unknown>, row: RowObject) => void;

function stepFor(column: MappedColumn): Step {
  const name = column.field;
  const decode = sqlDecoder(column.kind);
  if (decode === null) {
    return (entity, row) => {
      const v = row[name];
      if (v !== null) entity[name] = v;
    };
  }
  return (entity, row) => {
    const v = row[name];
    if (v !== null) entity[name] = decode(v);
  };
}

/** Maps the field columns of a row (plus `id`) to an entity in local representation. */
export function createDataMapper(columns: readonly MappedColumn[]): DataMapper {
  const steps = columns.map(stepFor);
  const n = steps.length;
  return (row) => {
    const entity: Record<string, unknown> = { id: row.id };
    for (let i = 0; i < n; i++) steps[i]!(entity, row);
    return entity;
  };
}

/** `ms` or µs column value to a Date, NULL to null. */
const dateOrNull = (v: unknown, divisor: number): Date | null => (v === null || v === undefined ? null : new Date((v as number) / divisor));

/** Bookkeeping of a row. Server time is stored in µs, local times in ms. */
export function mapMeta(row: RowObject): RowMeta {
  return {
    syncStatus: row._sync_status as SyncStatus,
    retryCount: (row._retry_count as number | null) ?? 0,
    lastSyncAttempt: dateOrNull(row._last_attempt, 1),
    serverTimestamp: dateOrNull(row._server_time, 1000),
    createdAt: new Date(row._created_at as number),
    updatedAt: new Date(row._updated_at as number),
    deleted: row._deleted === 1,
  };
}

/** Maps a full row (fields and bookkeeping) to `Stored<T>`. */
export function createRowMapper<T>(columns: readonly MappedColumn[]): RowMapper<T> {
  const data = createDataMapper(columns);
  return (row) => {
    const entity = data(row);
    entity.$meta = mapMeta(row);
    return entity as Stored<T>;
  };
}
