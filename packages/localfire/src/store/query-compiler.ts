/*
 * Compiles typed queries to SQL. The SQL text depends only on the query's shape (fields,
 * operators, null-ness of cursor values), never on values, so the driver's statement
 * cache (keyed by SQL text) reuses one prepared statement per shape.
 */
import { LocalfireError } from '../errors.js';
import type { FieldKind } from '../schema/fields.js';
import type { EqualityFilter } from './change-log.js';
import { toSql } from './columns.js';
import type { SqlValue } from './driver.js';
import type { TableModel } from './table-model.js';
import type { Direction, Query } from './types.js';

const OPS = new Set(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'contains']);
const COMPARE: Readonly<Record<string, string>> = { lt: '<', lte: '<=', gt: '>', gte: '>=' };

interface Column {
  readonly field: string;
  readonly kind: FieldKind;
  readonly sql: string;
}

export interface CompiledWhere {
  readonly clauses: string[];
  readonly params: SqlValue[];
  readonly equalities: EqualityFilter[];
}

export interface CompiledQuery {
  readonly sql: string;
  readonly params: SqlValue[];
  readonly equalities: EqualityFilter[];
}

const fail = (model: TableModel, message: string): never => {
  throw new LocalfireError('invalid-query', `${model.name}: ${message}`);
};

function column(model: TableModel, field: string): Column {
  if (field === 'id') return { field: 'id', kind: 'string', sql: `${model.table}.id` };
  const c = model.byField.get(field);
  if (c === undefined) return fail(model, `unknown field "${field}"`);
  return { field, kind: c.kind, sql: `${model.table}.${c.sql}` };
}

function isFilter(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || value instanceof Date || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => OPS.has(k));
}

/** `where` (AND of field filters) plus the tombstone filter. */
export function compileWhere(model: TableModel, where: Readonly<Record<string, unknown>> | undefined, includeDeleted = false): CompiledWhere {
  const clauses: string[] = includeDeleted ? [] : [`${model.table}._deleted = 0`];
  const params: SqlValue[] = [];
  const equalities: EqualityFilter[] = [];
  for (const [field, spec] of Object.entries(where ?? {})) {
    if (spec === undefined) continue;
    const col = column(model, field);
    const filter = isFilter(spec) ? spec : { eq: spec };
    for (const [op, value] of Object.entries(filter)) {
      if (value === undefined && op !== 'eq' && op !== 'ne') continue;
      const sqlValue = op === 'in' || op === 'contains' ? null : toSql(col.kind, value);
      switch (op) {
        case 'eq':
          clauses.push(sqlValue === null ? `${col.sql} IS NULL` : `${col.sql} = ?`);
          if (sqlValue !== null) params.push(sqlValue);
          equalities.push({ field, kind: col.kind, values: new Set([sqlValue]) });
          break;
        case 'ne':
          clauses.push(sqlValue === null ? `${col.sql} IS NOT NULL` : `${col.sql} IS NOT ?`);
          if (sqlValue !== null) params.push(sqlValue);
          break;
        case 'lt':
        case 'lte':
        case 'gt':
        case 'gte':
          if (sqlValue === null) fail(model, `"${op}" on "${field}" needs a value`);
          clauses.push(`${col.sql} ${COMPARE[op]} ?`);
          params.push(sqlValue);
          break;
        case 'in': {
          if (!Array.isArray(value)) fail(model, `"in" on "${field}" needs an array`);
          const values = (value as unknown[]).map((v) => toSql(col.kind, v));
          clauses.push(`${col.sql} IN (SELECT value FROM json_each(?))`);
          params.push(JSON.stringify(values));
          equalities.push({ field, kind: col.kind, values: new Set(values) });
          break;
        }
        case 'contains':
          if (col.kind !== 'set') fail(model, `"contains" needs a set field; "${field}" is ${col.kind}`);
          if (typeof value !== 'string') fail(model, `"contains" on "${field}" needs a string`);
          clauses.push(`EXISTS (SELECT 1 FROM json_each(${col.sql}) AS j WHERE j.value = ?)`);
          params.push(value as string);
          break;
        default:
          fail(model, `unknown operator "${op}"`);
      }
    }
  }
  return { clauses, params, equalities };
}

const whereSql = (clauses: readonly string[]): string => (clauses.length > 0 ? ` WHERE ${clauses.join(' AND ')}` : '');

/** The query's order terms, closed by `id` so that the order is total. */
export function orderTerms(model: TableModel, query: Query<any>): (readonly [string, Direction])[] {
  const terms: (readonly [string, Direction])[] = (query.orderBy ?? []).map(([f, d]) => {
    if (d !== 'asc' && d !== 'desc') fail(model, `order direction must be asc or desc`);
    return [column(model, f).field, d] as const;
  });
  if (!terms.some(([f]) => f === 'id')) terms.push(['id', terms[terms.length - 1]?.[1] ?? 'asc']);
  return terms;
}

/**
 * @param cursor when paging, the entity values of the last row of the previous page (its
 *   order fields and id).
 */
export function compileQuery(model: TableModel, query: Query<any>, cursor?: Readonly<Record<string, unknown>>): CompiledQuery {
  const { clauses, params, equalities } = compileWhere(model, query.where as Record<string, unknown> | undefined, query.includeDeleted ?? false);
  const terms = orderTerms(model, query);
  if (cursor !== undefined) {
    const alternatives: string[] = [];
    for (let k = 0; k < terms.length; k++) {
      const parts: string[] = [];
      for (let i = 0; i <= k; i++) {
        const [field, direction] = terms[i]!;
        const col = column(model, field);
        const value = toSql(col.kind, cursor[field]);
        if (i < k) {
          parts.push(value === null ? `${col.sql} IS NULL` : `${col.sql} = ?`);
          if (value !== null) params.push(value);
        } else if (value === null) {
          parts.push(direction === 'asc' ? `${col.sql} IS NOT NULL` : '0');
        } else {
          parts.push(direction === 'asc' ? `${col.sql} > ?` : `(${col.sql} < ? OR ${col.sql} IS NULL)`);
          params.push(value);
        }
      }
      alternatives.push(`(${parts.join(' AND ')})`);
    }
    clauses.push(`(${alternatives.join(' OR ')})`);
  }
  const orderBy = terms.map(([f, d]) => `${column(model, f).sql} ${d === 'asc' ? 'ASC' : 'DESC'}`).join(', ');
  let sql = `SELECT ${model.selectList} FROM ${model.table}${whereSql(clauses)} ORDER BY ${orderBy}`;
  if (query.limit !== undefined) {
    if (!Number.isInteger(query.limit) || query.limit < 0) fail(model, 'limit must be a non-negative integer');
    sql += ' LIMIT ?';
    params.push(query.limit);
  }
  return { sql, params, equalities };
}

export function compileCount(model: TableModel, where: Readonly<Record<string, unknown>> | undefined): CompiledQuery {
  const w = compileWhere(model, where);
  return { sql: `SELECT count(*) AS n FROM ${model.table}${whereSql(w.clauses)}`, params: w.params, equalities: w.equalities };
}

export function compileCountBy(model: TableModel, field: string, where: Readonly<Record<string, unknown>> | undefined): CompiledQuery {
  const col = column(model, field);
  const w = compileWhere(model, where);
  return { sql: `SELECT ${col.sql} AS k, count(*) AS n FROM ${model.table}${whereSql(w.clauses)} GROUP BY ${col.sql}`, params: w.params, equalities: w.equalities };
}
