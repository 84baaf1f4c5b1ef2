/*
 * The compiled form of a collection definition: its table's columns, the SQL the store
 * reuses for it (cached as prepared statements by the driver), and its row mappers.
 * See DESIGN.md "Tables".
 */
import type { CollectionDef } from '../schema/collection.js';
import type { FieldKind, MergePolicy } from '../schema/fields.js';
import { columnType, quote, toSql } from './columns.js';
import type { SqlValue } from './driver.js';
import { createRowMapper, META_COLUMNS, type RowMapper } from './row-mapper.js';

export interface ColumnModel {
  readonly field: string;
  readonly kind: FieldKind;
  readonly merge: MergePolicy;
  readonly optional: boolean;
  /** The quoted column name. */
  readonly sql: string;
}

export interface TableModel {
  readonly def: CollectionDef;
  readonly name: string;
  /** The quoted table name. */
  readonly table: string;
  readonly columns: readonly ColumnModel[];
  readonly byField: ReadonlyMap<string, ColumnModel>;
  /** `id`, every field column, every bookkeeping column. */
  readonly selectList: string;
  readonly mapRow: RowMapper<Record<string, unknown>>;
  readonly sql: {
    readonly selectById: string;
    readonly insert: string;
    readonly updateFields: string;
    readonly tombstone: string;
    readonly upsertRemote: string;
    readonly purge: string;
  };
  /** Field values of an entity as SQL parameters, in column order. */
  encodeFields(entity: Readonly<Record<string, unknown>>): SqlValue[];
}

export function createTableModel(def: CollectionDef<any>): TableModel {
  const columns: ColumnModel[] = def.fieldNames.map((name) => {
    const spec = def.fields[name]!;
    return { field: name, kind: spec.kind, merge: spec.merge, optional: spec.optional, sql: quote(name) };
  });
  const table = quote(def.name);
  const fieldList = columns.map((c) => c.sql);
  const allColumns = ['id', ...fieldList, ...META_COLUMNS];
  const selectList = allColumns.join(', ');
  const placeholders = allColumns.map(() => '?').join(', ');
  const insert = `INSERT INTO ${table} (${allColumns.join(', ')}) VALUES (${placeholders})`;
  const setFields = fieldList.map((c) => `${c} = ?`);
  const updateFields = `UPDATE ${table} SET ${[...setFields, `_sync_status = 'pending'`, '_updated_at = ?'].join(', ')} WHERE id = ?`;
  const remoteSet = [...fieldList, '_sync_status', '_server_time', '_updated_at', '_deleted'].map((c) => `${c} = excluded.${c}`);
  remoteSet.push(`_retry_count = CASE WHEN excluded._sync_status = 'synced' THEN 0 ELSE ${table}._retry_count END`);
  const upsertRemote = `${insert} ON CONFLICT(id) DO UPDATE SET ${remoteSet.join(', ')}`;
  const byField = new Map(columns.map((c) => [c.field, c]));
  const kinds = columns.map((c) => c.kind);
  const names = columns.map((c) => c.field);
  return {
    def: def as CollectionDef,
    name: def.name,
    table,
    columns,
    byField,
    selectList,
    mapRow: createRowMapper(columns),
    sql: {
      selectById: `SELECT ${selectList} FROM ${table} WHERE id = ?`,
      insert,
      updateFields,
      tombstone: `UPDATE ${table} SET _deleted = 1, _sync_status = 'pending', _updated_at = ? WHERE id = ?`,
      upsertRemote,
      purge: `DELETE FROM ${table} WHERE id = ?`,
    },
    encodeFields(entity) {
      const out = new Array<SqlValue>(names.length);
      for (let i = 0; i < names.length; i++) out[i] = toSql(kinds[i]!, entity[names[i]!]);
      return out;
    },
  };
}

/** Name of the SQLite index for a declared index (deterministic, so migrations can diff). */
export function indexName(table: string, fields: readonly string[]): string {
  return `ix_${table}_${fields.join('_')}`;
}

/** DDL for a fresh table and its declared indexes (`_deleted` leading, `id` closing, so orders are total). */
export function createTableSql(model: TableModel): string[] {
  const cols = [
    'id TEXT PRIMARY KEY NOT NULL',
    ...model.columns.map((c) => `${c.sql} ${columnType(c.kind)}`),
    `_sync_status TEXT NOT NULL DEFAULT 'pending'`,
    '_retry_count INTEGER NOT NULL DEFAULT 0',
    '_last_attempt INTEGER',
    '_server_time INTEGER',
    '_created_at INTEGER NOT NULL',
    '_updated_at INTEGER NOT NULL',
    '_deleted INTEGER NOT NULL DEFAULT 0',
  ];
  return [`CREATE TABLE ${model.table} (${cols.join(', ')})`, ...createIndexSql(model)];
}

export function createIndexSql(model: TableModel): string[] {
  return model.def.indexes.map((ix) => {
    const cols = ['_deleted', ...ix.map(quote), 'id'].join(', ');
    return `CREATE INDEX IF NOT EXISTS ${quote(indexName(model.name, ix))} ON ${model.table} (${cols})`;
  });
}
