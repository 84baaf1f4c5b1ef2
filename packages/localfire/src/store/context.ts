/*
 * Internal wiring shared by repositories, live queries and the sync store. Not exported
 * from the package.
 */
import { LocalfireError } from '../errors.js';
import type { CollectionDef } from '../schema/collection.js';
import type { ChangeRecorder } from './change-log.js';
import type { SqliteDriver, SqlValue } from './driver.js';
import type { LiveRegistry } from './live-registry.js';
import type { TransactionRows } from './row-cache.js';
import type { TableModel } from './table-model.js';

/** What one operation runs against: the connection, and the transaction's bookkeeping. */
export interface OpContext {
  readonly driver: SqliteDriver;
  readonly clock: () => number;
  readonly newId: () => string;
  /** Changes of the open write transaction; null in a read-only scope. */
  readonly changes: ChangeRecorder | null;
  /** Collections read, for live queries that track what they touch; null when not tracking. */
  readonly reads: Set<string> | null;
  /**
   * Rows by id as this write transaction sees them (see row-cache.ts): those it read, and
   * the store's committed rows it has not changed. A read-then-update of a known row costs
   * no SELECT. Absent outside write transactions.
   */
  readonly rows?: TransactionRows;
  /**
   * Rows a write transaction inserted without looking for the id first (see `createRow`):
   * the primary key refuses a taken id, and a refusal that surfaces later (a deferred
   * INSERT fails with the next statement) is reported as the `conflict` of the create that
   * caused it. Absent outside write transactions.
   */
  readonly created?: { readonly model: TableModel; readonly id: string }[];
  /** Throws `closed` once the transaction (or the store) has ended. */
  assertOpen(): void;
}

/** How a repository runs its operations: directly in a transaction, or each in its own. */
export interface OpScope {
  read<R>(fn: (ctx: OpContext) => Promise<R>): Promise<R>;
  write<R>(fn: (ctx: OpContext) => Promise<R>): Promise<R>;
}

export interface StoreCore {
  readonly models: ReadonlyMap<string, TableModel>;
  readonly registry: LiveRegistry;
  /** Store-level scope: reads under the mutex, writes each in a BEGIN IMMEDIATE transaction. */
  readonly scope: OpScope;
  model(def: CollectionDef<any>): TableModel;
}

export function modelFor(models: ReadonlyMap<string, TableModel>, def: CollectionDef<any> | string): TableModel {
  const name = typeof def === 'string' ? def : def.name;
  const model = models.get(name);
  if (model === undefined) throw new LocalfireError('invalid-definition', `collection "${name}" is not part of this store`);
  return model;
}

/** SQLite refused a row because its primary key is taken (both drivers report the extended code). */
export function isPrimaryKeyViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** The `conflict` of a create whose id is taken. */
export function alreadyExists(model: TableModel, id: string, cause?: unknown): LocalfireError {
  return new LocalfireError('conflict', `${model.name} "${id}" already exists`, { details: { collection: model.name, id }, ...(cause === undefined ? {} : { cause }) });
}

/** A row's key in per-collection-and-id sets. */
export const rowKey = (collection: string, id: string): string => `${collection}\u0000${id}`;

/**
 * Runs a write whose result is not needed: deferred when the driver can (it then travels with
 * the transaction's next statement; a failure surfaces there, and the transaction rolls back),
 * otherwise awaited.
 */
export async function write(ctx: OpContext, sql: string, params: readonly SqlValue[]): Promise<void> {
  if (ctx.driver.defer === undefined) await ctx.driver.run(sql, params);
  else ctx.driver.defer(sql, params);
}

/** The changes recorder of a write scope; throws when called in a read-only scope (a live query's read). */
export function recorder(ctx: OpContext): ChangeRecorder {
  if (ctx.changes === null) throw new LocalfireError('invalid-query', 'writes are not allowed in a live query read');
  return ctx.changes;
}
