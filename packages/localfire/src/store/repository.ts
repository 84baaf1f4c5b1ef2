/*
 * The generic repository of one collection, bound to a scope: the store (each call its own
 * transaction, serialised) or an open transaction (calls join it).
 */
import { LocalfireError, toLocalfireError } from '../errors.js';
import type { CollectionDef } from '../schema/collection.js';
import type { ChangeLog, EqualityFilter } from './change-log.js';
import { mayAffect } from './change-log.js';
import type { OpContext, OpScope } from './context.js';
import { fromSql } from './columns.js';
import { createLiveQuery } from './live-query.js';
import { createListPatcher, createRowPatcher, type PatchResult } from './result-patcher.js';
import type { LiveRegistry } from './live-registry.js';
import { compileCount, compileCountBy, compileQuery } from './query-compiler.js';
import { addToSetRow, createRow, deleteRow, readCurrent, updateRow, upsertRow } from './repository-writes.js';
import { selectRows } from './row-mapper.js';
import type { TableModel } from './table-model.js';
import type { LiveQuery, Query, Repository, Stored, Where } from './types.js';

export interface RepositoryOptions {
  readonly model: TableModel;
  readonly scope: OpScope;
  /** Live queries always run at store level. */
  readonly liveScope: OpScope;
  readonly registry: LiveRegistry;
}

const wrap = (e: unknown): never => {
  throw toLocalfireError(e);
};

export function createRepository<T extends { id: string }>(options: RepositoryOptions): Repository<T> {
  const { model, scope } = options;
  const name = model.name;
  const read = <R>(fn: (ctx: OpContext) => Promise<R>): Promise<R> =>
    scope.read((ctx) => {
      ctx.reads?.add(name);
      return fn(ctx);
    }).catch(wrap);
  const write = <R>(fn: (ctx: OpContext) => Promise<R>): Promise<R> => scope.write(fn).catch(wrap);

  const readOne = async (ctx: OpContext, id: string): Promise<Stored<T> | undefined> => {
    ctx.reads?.add(name);
    if (ctx.rows !== undefined) {
      // In a write transaction: through its row cache, so a read-then-update reads once. A
      // copy: the caller may change what it gets, the cache must not change with it.
      const current = await readCurrent(ctx, model, id);
      return current === undefined || current.meta.deleted ? undefined : (structuredClone({ ...current.data, $meta: current.meta }) as Stored<T>);
    }
    const row = (await selectRows(ctx.driver, model.sql.selectById, [id]))[0];
    if (row === undefined) return undefined;
    const stored = model.mapRow(row) as Stored<T>;
    return stored.$meta.deleted ? undefined : stored;
  };

  const runQuery = async (ctx: OpContext, query: Query<T>): Promise<Stored<T>[]> => {
    ctx.reads?.add(name);
    let cursor: Readonly<Record<string, unknown>> | undefined;
    if (query.after !== undefined) {
      cursor = query.after;
      const needsRow = (query.orderBy ?? []).some(([f]) => !(f in cursor!));
      if (needsRow) {
        const current = await readCurrent(ctx, model, query.after.id);
        if (current === undefined) throw new LocalfireError('invalid-query', `${name}: cursor row "${query.after.id}" does not exist; pass its order fields`);
        cursor = { ...current.data, ...cursor };
      }
    }
    const compiled = compileQuery(model, query, cursor);
    const rows = await selectRows(ctx.driver, compiled.sql, compiled.params);
    const out = new Array<Stored<T>>(rows.length);
    const map = model.mapRow;
    for (let i = 0; i < rows.length; i++) out[i] = map(rows[i]!) as Stored<T>;
    return out;
  };

  const live = <R>(run: (ctx: OpContext) => Promise<R>, equalities: readonly EqualityFilter[], patch: ((prev: R, log: ChangeLog) => PatchResult<R>) | null): LiveQuery<R> =>
    createLiveQuery({
      registry: options.registry,
      scope: options.liveScope,
      run,
      affectedBy: (log: ChangeLog) => mayAffect(log, name, equalities),
      ...(patch === null ? {} : { patch }),
    });

  const equalitiesOf = (query: Query<T>): readonly EqualityFilter[] => {
    try {
      return compileQuery(model, query, query.after).equalities;
    } catch {
      return [];
    }
  };

  function observe(): LiveQuery<Stored<T>[]>;
  function observe(id: string): LiveQuery<Stored<T> | undefined>;
  function observe(id?: string): LiveQuery<Stored<T>[]> | LiveQuery<Stored<T> | undefined> {
    if (id === undefined) return live((ctx) => runQuery(ctx, {}), [], createListPatcher<Stored<T>>(model, {}));
    return live((ctx) => readOne(ctx, id), [{ field: 'id', kind: 'string', values: new Set([id]) }], createRowPatcher<Stored<T>>(model, id));
  }

  return {
    collection: model.def as unknown as CollectionDef<T>,
    create: (input) => write((ctx) => createRow(ctx, model, input as Record<string, unknown>)) as Promise<Stored<T>>,
    upsert: (entity) => write((ctx) => upsertRow(ctx, model, entity as Record<string, unknown>)) as Promise<Stored<T>>,
    read: (id) => read((ctx) => readOne(ctx, id)),
    readAll: () => read((ctx) => runQuery(ctx, {})),
    update: (id, patch) => write((ctx) => updateRow(ctx, model, id, patch as Record<string, unknown>)) as Promise<Stored<T>>,
    addToSet: (id, additions) => write((ctx) => addToSetRow(ctx, model, id, additions as Record<string, readonly string[] | undefined>)) as Promise<Stored<T>>,
    delete: (id) => write((ctx) => deleteRow(ctx, model, id)),
    query: (query) => read((ctx) => runQuery(ctx, query)),
    count: (where?: Where<T>) =>
      read(async (ctx) => {
        const compiled = compileCount(model, where);
        const rows = await ctx.driver.all<{ n: number }>(compiled.sql, compiled.params);
        return rows[0]?.n ?? 0;
      }),
    countBy: (field, where) =>
      read(async (ctx) => {
        const compiled = compileCountBy(model, field, where);
        const rows = await ctx.driver.all<{ k: unknown; n: number }>(compiled.sql, compiled.params);
        const kind = field === 'id' ? 'string' : (model.byField.get(field)?.kind ?? 'string');
        const out = new Map<string, number>();
        for (const r of rows) if (r.k !== null) out.set(countKey(fromSql(kind, r.k)), r.n);
        return out;
      }),
    observe,
    observeQuery: (query) => live((ctx) => runQuery(ctx, query), equalitiesOf(query), createListPatcher<Stored<T>>(model, query)),
  };
}

function countKey(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
