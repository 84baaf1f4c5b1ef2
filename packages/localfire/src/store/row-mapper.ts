/*
 * Precompiled row mappers: one closure per collection over its column positions, so turning
 * a SQLite row into an entity does no per-row lookups of field specs. Rows are arrays in
 * select order: `id`, the field columns, then the bookkeeping columns.
 */
import type { FieldKind } from '../schema/fields.js';
import { sqlDecoder } from './columns.js';
import type { SqliteDriver, SqlValue } from './driver.js';
import type { RowMeta, Stored, SyncStatus } from './types.js';

/** The bookkeeping columns every entity table has, in select order after the fields. */
export const META_COLUMNS = ['_sync_status', '_retry_count', '_last_attempt', '_server_time', '_created_at', '_updated_at', '_deleted'] as const;

export interface MappedColumn {
  readonly field: string;
  readonly kind: FieldKind;
}

export type Row = readonly unknown[];
export type DataMapper = (row: Row) => Record<string, unknown>;
export type RowMapper<T> = (row: Row) => Stored<T>;

/** Rows of a query as arrays, through the driver's `values` fast path when it has one. */
export async function selectRows(driver: SqliteDriver, sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
  if (driver.values) return driver.values(sql, params);
  const rows = await driver.all(sql, params);
  return rows.map((r) => Object.values(r));
}

type Step = (entity: Record<string, unknown>, row: Row) => void;

function stepFor(column: MappedColumn, index: number): Step {
  const name = column.field;
  const decode = sqlDecoder(column.kind);
  if (decode === null) {
    return (entity, row) => {
      const v = row[index];
      if (v !== null) entity[name] = v;
    };
  }
  return (entity, row) => {
    const v = row[index];
    if (v !== null) entity[name] = decode(v);
  };
}

/** Maps `id` and the field columns of a row to an entity in local representation. */
export function createDataMapper(columns: readonly MappedColumn[]): DataMapper {
  const steps = columns.map((c, i) => stepFor(c, i + 1));
  const n = steps.length;
  return (row) => {
    const entity: Record<string, unknown> = { id: row[0] };
    for (let i = 0; i < n; i++) steps[i]!(entity, row);
    return entity;
  };
}

const dateOrNull = (v: unknown, divisor: number): Date | null => (v === null || v === undefined ? null : new Date((v as number) / divisor));

/** Bookkeeping of a row whose bookkeeping columns start at `at`. Server time is µs, local times ms. */
export function mapMeta(row: Row, at: number): RowMeta {
  return {
    syncStatus: row[at] as SyncStatus,
    retryCount: (row[at + 1] as number | null) ?? 0,
    lastSyncAttempt: dateOrNull(row[at + 2], 1),
    serverTimestamp: dateOrNull(row[at + 3], 1000),
    createdAt: new Date(row[at + 4] as number),
    updatedAt: new Date(row[at + 5] as number),
    deleted: row[at + 6] === 1,
  };
}

/** Maps a full row (fields and bookkeeping) to `Stored<T>`. */
export function createRowMapper<T>(columns: readonly MappedColumn[]): RowMapper<T> {
  const data = createDataMapper(columns);
  const metaAt = columns.length + 1;
  return (row) => {
    const entity = data(row);
    entity.$meta = mapMeta(row, metaAt);
    return entity as Stored<T>;
  };
}
