/*
 * Failed writes, per document: the list apps show (a failed message with Retry and
 * Discard), and discarding one. A document with a failed outbox entry is blocked: its later
 * entries wait (per-document order) until the failed ones are retried, discarded or
 * superseded (supersede.ts). Runs inside the caller's transaction.
 */
import { LocalfireError } from '../errors.js';
import { modelFor, write, type OpContext } from './context.js';
import { decodeOutboxRow, type OutboxRow } from './outbox.js';
import { selectRows } from './row-mapper.js';
import { applyEntry, deleteServerRow, readServerRow } from './server-rows.js';
import type { DiscardResult, FailedWrite, SyncTransaction, WriteRef } from './sync-store.js';
import type { TableModel } from './table-model.js';

const BLOCKED_SQL = `SELECT * FROM _lf_outbox WHERE (collection, doc_id) IN (SELECT collection, doc_id FROM _lf_outbox WHERE state = 'failed') ORDER BY seq`;

/** Every document with a failed entry, in the order of its first failed entry. */
export async function listFailedWrites(ctx: OpContext, models: ReadonlyMap<string, TableModel>): Promise<FailedWrite[]> {
  const rows = await ctx.driver.all<OutboxRow>(BLOCKED_SQL);
  const byDoc = new Map<string, OutboxRow[]>();
  for (const r of rows) {
    const key = `${r.collection}\u0000${r.doc_id}`;
    const list = byDoc.get(key);
    if (list === undefined) byDoc.set(key, [r]);
    else list.push(r);
  }
  const out: FailedWrite[] = [];
  for (const entries of byDoc.values()) {
    const failed = entries.filter((e) => e.state === 'failed');
    const first = failed[0];
    if (first === undefined) continue;
    const model = models.get(first.collection);
    const decoded = decodeOutboxRow(first, models);
    const row = model === undefined ? undefined : (await selectRows(ctx.driver, model.sql.selectById, [first.doc_id]))[0];
    const stored = row === undefined || model === undefined ? null : model.mapRow(row);
    const { $meta, ...data } = stored ?? { $meta: null };
    const isCreate = model !== undefined && (await readServerRow(ctx, model, first.doc_id)) === undefined && (row?.[model.columns.length + 4] ?? null) === null;
    out.push({
      collection: first.collection,
      id: first.doc_id,
      path: first.path,
      error: decoded.lastError ?? { kind: 'internal', message: 'unknown failure' },
      mutationIds: failed.map((e) => e.mutation_id),
      waiting: entries.length - failed.length,
      isCreate,
      failedAt: Math.max(...failed.map((e) => e.last_attempt_at ?? 0)) || null,
      row: stored === null || ($meta as { deleted?: boolean } | null)?.deleted === true ? null : data,
    });
  }
  return out;
}

async function entriesOf(ctx: OpContext, ref: WriteRef): Promise<OutboxRow[]> {
  return ctx.driver.all<OutboxRow>('SELECT * FROM _lf_outbox WHERE collection = ? AND doc_id = ? ORDER BY seq', [ref.collection, ref.id]);
}

function noFailedWrite(ref: WriteRef): LocalfireError {
  return new LocalfireError('not-found', `${ref.collection} "${ref.id}" has no failed write`, { details: { collection: ref.collection, id: ref.id } });
}

/** The seqs of a document's failed entries; throws `not-found` when there are none. */
export async function failedSeqs(ctx: OpContext, models: ReadonlyMap<string, TableModel>, ref: WriteRef): Promise<number[]> {
  modelFor(models, ref.collection);
  const seqs = (await entriesOf(ctx, ref)).filter((e) => e.state === 'failed').map((e) => e.seq);
  if (seqs.length === 0) throw noFailedWrite(ref);
  return seqs;
}

/** See {@link SyncTransaction.discardFailed}. `tx` writes the row (recorded for live queries). */
export async function discardFailed(ctx: OpContext, models: ReadonlyMap<string, TableModel>, tx: SyncTransaction, ref: WriteRef): Promise<DiscardResult> {
  const model = modelFor(models, ref.collection);
  const entries = await entriesOf(ctx, ref);
  const failed = entries.filter((e) => e.state === 'failed');
  if (failed.length === 0) throw noFailedWrite(ref);
  const local = await tx.readRow(model.name, ref.id);
  const server = await readServerRow(ctx, model, ref.id);
  if (server === undefined && (local?.serverTime ?? null) === null) {
    // The server has never held the document: its create failed. Later writes of it would
    // create a partial document, so they go too.
    await write(ctx, 'DELETE FROM _lf_outbox WHERE collection = ? AND doc_id = ?', [ref.collection, ref.id]);
    await tx.purgeRow(model.name, ref.id);
    return { discarded: failed.length, row: 'removed' };
  }
  const remaining = entries.filter((e) => e.state !== 'failed').map((e) => decodeOutboxRow(e, models));
  await write(ctx, `DELETE FROM _lf_outbox WHERE collection = ? AND doc_id = ? AND state = 'failed'`, [ref.collection, ref.id]);
  // A database from before server rows were kept has no server version: keep the local data,
  // and let any version the server delivers replace it (server time 0).
  let data: Readonly<Record<string, unknown>> = server?.data ?? stripId(local?.data ?? {});
  let deleted = server?.deleted ?? local?.deleted ?? false;
  for (const entry of remaining) {
    const next = applyEntry(data, entry.op, entry.fields);
    data = next.data;
    if (next.deleted !== null) deleted = next.deleted;
  }
  if (remaining.length === 0) await deleteServerRow(ctx, model.name, ref.id);
  await tx.writeRow(model.name, { id: ref.id, data, serverTime: server === undefined ? 0 : (local?.serverTime ?? server.serverTime ?? 0), deleted, syncStatus: remaining.length > 0 ? 'pending' : 'synced' });
  return { discarded: failed.length, row: 'restored' };
}

function stripId(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { id: _id, ...rest } = data;
  return rest;
}
