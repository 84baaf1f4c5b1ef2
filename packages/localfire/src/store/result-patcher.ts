/*
 * Incremental live results: after a commit whose changed rows are all known (the change
 * log carries each row as committed), a live query patches its previous result in memory
 * (remove, re-insert in order) instead of re-running SQL. The predicate and the order
 * mirror the SQL the query compiles to, on the same SQL values (NULLs first, numbers before
 * text, text by code point). Whenever a patch could be wrong (cursor queries, a page that
 * loses a row, unknown rows), it asks for a re-query.
 */
import type { ChangeLog } from './change-log.js';
import { toSql } from './columns.js';
import { deepEqual } from './deep-equal.js';
import type { SqlValue } from './driver.js';
import { orderTerms } from './query-compiler.js';
import type { TableModel } from './table-model.js';
import type { Query } from './types.js';

type Row = Readonly<Record<string, unknown>>;
export type PatchResult<R> = { readonly value: R } | 'requery' | 'same';

const SURROGATE = /[\uD800-\uDFFF]/;

function compareText(a: string, b: string): number {
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : 1;
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** SQLite's order for the values the store writes: NULL < numbers < text. */
export function compareSql(a: SqlValue, b: SqlValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const ta = typeof a === 'string' ? 1 : 0;
  const tb = typeof b === 'string' ? 1 : 0;
  if (ta !== tb) return ta - tb;
  if (ta === 1) return compareText(a as string, b as string);
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

type Test = (row: Row) => boolean;

function kindOf(model: TableModel, field: string) {
  if (field === 'id') return 'string' as const;
  const c = model.byField.get(field);
  if (c === undefined) throw new Error(`unknown field ${field}`);
  return c.kind;
}

function isFilter(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || value instanceof Date || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'contains'].includes(k));
}

function testFor(model: TableModel, field: string, op: string, value: unknown): Test {
  const kind = kindOf(model, field);
  const get = (row: Row): SqlValue => toSql(kind, row[field]);
  switch (op) {
    case 'eq': {
      const v = toSql(kind, value);
      return v === null ? (row) => get(row) === null : (row) => compareSql(get(row), v) === 0 && get(row) !== null;
    }
    case 'ne': {
      const v = toSql(kind, value);
      return (row) => {
        const x = get(row);
        return x === null || v === null ? x !== v : compareSql(x, v) !== 0;
      };
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const v = toSql(kind, value);
      const ok = { lt: (c: number) => c < 0, lte: (c: number) => c <= 0, gt: (c: number) => c > 0, gte: (c: number) => c >= 0 }[op];
      return (row) => {
        const x = get(row);
        return x !== null && v !== null && ok(compareSql(x, v));
      };
    }
    case 'in': {
      const values = (value as unknown[]).map((v) => toSql(kind, v));
      return (row) => {
        const x = get(row);
        return x !== null && values.some((v) => v !== null && compareSql(x, v) === 0);
      };
    }
    case 'contains':
      return (row) => Array.isArray(row[field]) && (row[field] as unknown[]).includes(value);
    default:
      throw new Error(`unknown operator ${op}`);
  }
}

function predicateFor(model: TableModel, query: Query<any>): Test {
  const tests: Test[] = [];
  if (query.includeDeleted !== true) tests.push((row) => (row.$meta as { deleted: boolean }).deleted !== true);
  for (const [field, spec] of Object.entries((query.where ?? {}) as Record<string, unknown>)) {
    if (spec === undefined) continue;
    for (const [op, value] of Object.entries(isFilter(spec) ? spec : { eq: spec })) {
      if (value === undefined && op !== 'eq' && op !== 'ne') continue;
      tests.push(testFor(model, field, op, value));
    }
  }
  return (row) => tests.every((t) => t(row));
}

function comparatorFor(model: TableModel, query: Query<any>): (a: Row, b: Row) => number {
  const terms = orderTerms(model, query).map(([field, dir]) => ({ field, kind: kindOf(model, field), sign: dir === 'asc' ? 1 : -1 }));
  return (a, b) => {
    for (const t of terms) {
      const c = compareSql(toSql(t.kind, a[t.field]), toSql(t.kind, b[t.field]));
      if (c !== 0) return c * t.sign;
    }
    return 0;
  };
}

/** A patcher for `query`'s live result, or null when the query cannot be patched (cursor, malformed). */
export function createListPatcher<S extends Row>(model: TableModel, query: Query<any>): ((prev: readonly S[], log: ChangeLog) => PatchResult<S[]>) | null {
  if (query.after !== undefined) return null;
  let matches: Test;
  let compare: (a: Row, b: Row) => number;
  try {
    matches = predicateFor(model, query);
    compare = comparatorFor(model, query);
  } catch {
    return null;
  }
  const limit = query.limit;
  const insertionIndex = (list: readonly Row[], row: Row): number => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(list[mid]!, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return (prev, log) => {
    const changes = log.get(model.name);
    if (changes === undefined) return 'same';
    if (changes === 'all') return 'requery';
    let next: S[] | null = null;
    let visible = false;
    for (const change of changes) {
      if (change.after === undefined) return 'requery';
      const list: readonly S[] = next ?? prev;
      const at = list.findIndex((r) => r.id === change.id);
      const after = change.after as S | null;
      const keep = after !== null && matches(after);
      if (at === -1 && !keep) continue;
      const full = limit !== undefined && list.length >= limit;
      next ??= prev.slice();
      if (at !== -1) {
        const [old] = next.splice(at, 1);
        if (!keep) {
          if (full) return 'requery';
          visible = true;
          continue;
        }
        const pos = insertionIndex(next, after);
        if (full && pos === next.length) return 'requery';
        next.splice(pos, 0, after);
        if (pos !== at || !deepEqual(old, after)) visible = true;
      } else {
        const pos = insertionIndex(next, after!);
        if (limit !== undefined && pos >= limit) continue;
        next.splice(pos, 0, after!);
        if (limit !== undefined && next.length > limit) next.pop();
        visible = true;
      }
    }
    return visible && next !== null ? { value: next } : 'same';
  };
}

/** A patcher for a single-row live query (`observe(id)`). */
export function createRowPatcher<S extends Row>(model: TableModel, id: string): (prev: S | undefined, log: ChangeLog) => PatchResult<S | undefined> {
  return (prev, log) => {
    const changes = log.get(model.name);
    if (changes === undefined) return 'same';
    if (changes === 'all') return 'requery';
    let found = false;
    let value: S | undefined;
    for (const change of changes) {
      if (change.id !== id) continue;
      if (change.after === undefined) return 'requery';
      found = true;
      const after = change.after as S | null;
      value = after === null || (after.$meta as { deleted: boolean }).deleted ? undefined : after;
    }
    return !found || deepEqual(prev, value) ? 'same' : { value };
  };
}
