/*
 * Repository writes. Each validates the whole resulting entity with the collection's
 * schema before touching the database, then writes the row (`_sync_status = 'pending'`)
 * AND its `_lf_outbox` entry in the caller's transaction: both commit together or neither
 * does. Changed rows are recorded for live queries (published only after COMMIT).
 */
import { LocalfireError } from '../errors.js';
import { documentPath } from '../schema/collection.js';
import { firestoreLimitViolation } from '../schema/firestore-limits.js';
import { validateSync } from '../schema/standard-schema.js';
import { alreadyExists, isPrimaryKeyViolation, recorder, write, type OpContext } from './context.js';
import { deepEqual } from './deep-equal.js';
import { changesForCreate, changesForUpdate, insertOutboxEntry } from './outbox.js';
import type { CachedRow } from './row-cache.js';
import { selectRows } from './row-mapper.js';
import { snapshotServerRow } from './server-rows.js';
import { failedFieldNames, supersedeFailed } from './supersede.js';
import type { FieldChange } from './sync-store.js';
import type { TableModel } from './table-model.js';
import type { RowMeta, Stored } from './types.js';

type Data = Record<string, unknown>;

type Current = CachedRow;

/** The row by id, tombstones included; in a write transaction, without a SELECT when its rows know it (see row-cache.ts). */
export async function readCurrent(ctx: OpContext, model: TableModel, id: string): Promise<Current | undefined> {
  const cached = ctx.rows?.get(model.name, id);
  if (cached !== undefined) return cached;
  const rows = await selectRows(ctx.driver, model.sql.selectById, [id]);
  const row = rows[0];
  if (row === undefined) return undefined;
  const { $meta, ...data } = model.mapRow(row);
  const current: Current = { data, meta: $meta };
  ctx.rows?.set(model.name, id, current);
  return current;
}

async function readLive(ctx: OpContext, model: TableModel, id: string): Promise<Current> {
  const current = await readCurrent(ctx, model, id);
  if (current === undefined || current.meta.deleted) throw new LocalfireError('not-found', `${model.name} "${id}" does not exist`, { details: { collection: model.name, id } });
  return current;
}

function validate(model: TableModel, value: Data): Data {
  const entity = validateSync(model.def.schema, value, `${model.name} "${String(value.id)}"`) as Data;
  return entity;
}

/**
 * Refuses (`validation`, nothing written) an entity whose document Firestore would refuse:
 * checked on the document as it will be on the server after the merge, i.e. every field of
 * the local row plus `updatedAt` (a timestamp) and `deleted` (see schema/firestore-limits.ts).
 */
function checkFirestoreLimits(model: TableModel, entity: Data, path: string): void {
  const { id, ...fields } = entity;
  const violation = firestoreLimitViolation(path, { ...fields, updatedAt: SERVER_TIME_PLACEHOLDER, deleted: false });
  if (violation === null) return;
  throw new LocalfireError('validation', `${model.name} "${String(id)}": ${violation.message}`, { details: { collection: model.name, id, ...violation } });
}

const SERVER_TIME_PLACEHOLDER = new Date(0);

const intersect = (a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> => new Set([...a].filter((x) => b.has(x)));

function withoutMeta(input: Readonly<Data>): Data {
  const { $meta: _meta, ...rest } = input;
  return rest;
}

export async function createRow(ctx: OpContext, model: TableModel, input: Readonly<Data>): Promise<Stored<any>> {
  const changes = recorder(ctx);
  const id = typeof input.id === 'string' ? input.id : ctx.newId();
  const entity = validate(model, { ...withoutMeta(input), id });
  const path = documentPath(model.def, entity);
  checkFirestoreLimits(model, entity, path);
  const now = ctx.clock();
  // No SELECT for the id first (a round trip to a worker-backed driver): the primary key
  // refuses a taken id (a live row or a tombstone). A deferred INSERT's refusal surfaces with
  // the transaction's next statement, where the store reports it as this create's conflict.
  ctx.created?.push({ model, id });
  try {
    await write(ctx, model.sql.insert, [id, ...model.encodeFields(entity), 'pending', 0, null, null, now, now, 0]);
  } catch (e) {
    throw isPrimaryKeyViolation(e) ? alreadyExists(model, id, e) : e;
  }
  await insertOutboxEntry(ctx, model, { mutationId: ctx.newId(), collection: model.name, docId: id, path, op: 'set', fields: changesForCreate(model, entity), createdAt: now });
  const $meta: RowMeta = { syncStatus: 'pending', retryCount: 0, lastSyncAttempt: null, serverTimestamp: null, createdAt: new Date(now), updatedAt: new Date(now), deleted: false };
  const stored: Stored<Data> = { ...entity, $meta };
  changes.row(model.name, id, [entity], { ...entity, $meta: { ...$meta } });
  return stored;
}

/** Replaces the entity's fields with `next` (validated), writing only if something changed. */
async function replaceRow(ctx: OpContext, model: TableModel, current: Current, next: Data, unions?: Record<string, FieldChange>, named?: ReadonlySet<string>): Promise<Stored<any>> {
  const changes = recorder(ctx);
  const id = current.data.id as string;
  for (const c of model.columns) {
    const before = current.data[c.field];
    if (c.merge === 'immutable' && before !== undefined && !deepEqual(before, next[c.field])) {
      throw new LocalfireError('precondition', `${model.name} "${id}": field "${c.field}" is immutable`, { details: { collection: model.name, id, field: c.field } });
    }
  }
  const entity = validate(model, { ...next, id });
  // On a blocked row (an earlier write failed), the fields the patch names that the failed
  // write changed go out even when unchanged (the failed write would have pushed the same
  // values), so this write can cover it (supersede.ts). Elsewhere only changes go out: an
  // unchanged value must not overwrite a concurrent edit (e.g. a time that only moves forward).
  const carried = named !== undefined && current.meta.syncStatus === 'failed' ? intersect(named, await failedFieldNames(ctx, model.name, id)) : undefined;
  const fields = unions ?? changesForUpdate(model, current.data, entity, carried);
  if (Object.keys(fields).length === 0) return { ...current.data, $meta: current.meta } as Stored<any>;
  const path = documentPath(model.def, entity);
  checkFirestoreLimits(model, entity, path);
  const now = ctx.clock();
  await snapshotServerRow(ctx, model, id, current);
  await write(ctx, model.sql.updateFields, [...model.encodeFields(entity), now, id]);
  await insertOutboxEntry(ctx, model, { mutationId: ctx.newId(), collection: model.name, docId: id, path, op: 'set', fields, createdAt: now });
  const syncStatus = await statusAfterWrite(ctx, model, id, current);
  const $meta: RowMeta = { ...current.meta, syncStatus, updatedAt: new Date(now) };
  const stored: Stored<Data> = { ...entity, $meta };
  changes.row(model.name, id, [current.data, entity], { ...entity, $meta: { ...$meta } });
  return stored;
}

/**
 * The row's status after a local write: `pending`, unless it had a failed write that the new
 * one does not supersede (supersede.ts): then it stays `failed` (blocked).
 */
async function statusAfterWrite(ctx: OpContext, model: TableModel, id: string, current: Current): Promise<'pending' | 'failed'> {
  if (current.meta.syncStatus !== 'failed') return 'pending';
  const { blocked } = await supersedeFailed(ctx, model.name, id);
  if (!blocked) return 'pending';
  await write(ctx, `UPDATE ${model.table} SET _sync_status = 'failed' WHERE id = ?`, [id]);
  return 'failed';
}

export async function updateRow(ctx: OpContext, model: TableModel, id: string, patch: Readonly<Data>): Promise<Stored<any>> {
  const current = await readLive(ctx, model, id);
  const next: Data = { ...current.data };
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'id' || key === '$meta') continue;
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return replaceRow(ctx, model, current, next, undefined, new Set(Object.keys(patch)));
}

/** Creates, or fully replaces a live row. A tombstoned id is a `conflict`. */
export async function upsertRow(ctx: OpContext, model: TableModel, input: Readonly<Data>): Promise<Stored<any>> {
  const id = input.id;
  if (typeof id !== 'string') throw new LocalfireError('validation', `${model.name}: upsert needs an id`);
  const current = await readCurrent(ctx, model, id);
  if (current === undefined) return createRow(ctx, model, input);
  if (current.meta.deleted) throw new LocalfireError('conflict', `${model.name} "${id}" was deleted`, { details: { collection: model.name, id } });
  return replaceRow(ctx, model, current, withoutMeta(input));
}

export async function addToSetRow(ctx: OpContext, model: TableModel, id: string, additions: Readonly<Record<string, readonly string[] | undefined>>): Promise<Stored<any>> {
  const current = await readLive(ctx, model, id);
  const next: Data = { ...current.data };
  const unions: Record<string, FieldChange> = {};
  for (const [name, values] of Object.entries(additions)) {
    if (values === undefined) continue;
    if (model.byField.get(name)?.kind !== 'set') throw new LocalfireError('invalid-query', `${model.name}: addToSet needs a set field; "${name}" is not one`);
    const had = new Set((current.data[name] as string[] | undefined) ?? []);
    const added = [...new Set(values)].filter((v) => !had.has(v));
    if (added.length === 0) continue;
    next[name] = [...had, ...added];
    unions[name] = { op: 'union', values: added };
  }
  return replaceRow(ctx, model, current, next, unions);
}

/** Tombstones a live row; the outbox entry is a `delete`. */
export async function deleteRow(ctx: OpContext, model: TableModel, id: string): Promise<void> {
  const changes = recorder(ctx);
  const current = await readLive(ctx, model, id);
  const now = ctx.clock();
  await snapshotServerRow(ctx, model, id, current);
  await write(ctx, model.sql.tombstone, [now, id]);
  await insertOutboxEntry(ctx, model, { mutationId: ctx.newId(), collection: model.name, docId: id, path: documentPath(model.def, current.data), op: 'delete', fields: {}, createdAt: now });
  const syncStatus = await statusAfterWrite(ctx, model, id, current);
  changes.row(model.name, id, [current.data], { ...current.data, $meta: { ...current.meta, deleted: true, syncStatus, updatedAt: new Date(now) } });
}
