/*
 * App tables follow the declared collections: a new collection gets its table and indexes,
 * a new optional field a new column. A new required field on a non-empty table is refused
 * (`invalid-definition`): existing rows would not satisfy the schema.
 */
import { LocalfireError } from '../errors.js';
import { columnType, quote } from './columns.js';
import type { SqliteDriver } from './driver.js';
import { createIndexSql, createTableSql, type TableModel } from './table-model.js';

/** Runs inside the caller's transaction. */
export async function migrateAppTables(driver: SqliteDriver, models: readonly TableModel[]): Promise<void> {
  const tables = new Set((await driver.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)).map((r) => r.name));
  for (const model of models) {
    if (!tables.has(model.name)) {
      for (const sql of createTableSql(model)) await driver.exec(sql);
      continue;
    }
    const existing = new Set((await driver.all<{ name: string }>(`PRAGMA table_info(${model.table})`)).map((r) => r.name));
    const missing = model.columns.filter((c) => !existing.has(c.field));
    const required = missing.filter((c) => !c.optional);
    if (required.length > 0) {
      const rows = await driver.all<{ n: number }>(`SELECT count(*) AS n FROM ${model.table}`);
      if ((rows[0]?.n ?? 0) > 0) {
        const names = required.map((c) => c.field).join(', ');
        throw new LocalfireError('invalid-definition', `collection "${model.name}": new required field(s) ${names} cannot be added to a table that has rows; declare them optional`, {
          details: { collection: model.name, fields: required.map((c) => c.field) },
        });
      }
    }
    for (const c of missing) await driver.exec(`ALTER TABLE ${model.table} ADD COLUMN ${quote(c.field)} ${columnType(c.kind)}`);
    for (const sql of createIndexSql(model)) await driver.exec(sql);
  }
}
