/*
 * The server's version of a row while local writes of it are unacknowledged, kept so that
 * discarding a failed write can restore what the server holds (see failed-writes.ts).
 *
 * Invariant: a row with outbox entries has an `_lf_server_rows` entry exactly when the
 * server is known to hold its document, holding the newest server state known (its fields
 * in outbox JSON, its version, its tombstone flag). A row without outbox entries has none:
 * the row itself is the server's version. Maintained in the same transactions as the row:
 * - the first local write of a synced row snapshots it (`snapshotServerRow`);
 * - an acknowledgement applies the acknowledged changes, or drops the entry when no write
 *   of the document is left (`applyAcked`);
 * - a pulled version of a row with pending writes replaces it when newer (`recordServerVersion`);
 * - a purge drops it.
 */
import { fromOutboxJson, toOutboxJson } from './columns.js';
import { write, type OpContext } from './context.js';
import type { CachedRow } from './row-cache.js';
import type { FieldChange, ServerTime } from './sync-store.js';
import type { TableModel } from './table-model.js';

type Data = Readonly<Record<string, unknown>>;

/** The server's version of a row: fields in local representation. */
export interface ServerRow {
  readonly data: Data;
  readonly serverTime: ServerTime | null;
  readonly deleted: boolean;
}

const UPSERT_SQL = `INSERT INTO _lf_server_rows (collection, doc_id, data, server_time, deleted) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT(collection, doc_id) DO UPDATE SET data = excluded.data, server_time = excluded.server_time, deleted = excluded.deleted`;

function encode(model: TableModel, data: Data): string {
  const out: Record<string, unknown> = {};
  for (const c of model.columns) {
    const value = toOutboxJson(c.kind, data[c.field]);
    if (value !== undefined) out[c.field] = value;
  }
  return JSON.stringify(out);
}

function decode(model: TableModel, json: string): Record<string, unknown> {
  const raw = JSON.parse(json) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const c of model.columns) {
    const value = fromOutboxJson(c.kind, raw[c.field]);
    if (value !== undefined) out[c.field] = value;
  }
  return out;
}

export async function readServerRow(ctx: OpContext, model: TableModel, id: string): Promise<ServerRow | undefined> {
  const rows = await ctx.driver.all<{ data: string; server_time: number | null; deleted: number }>('SELECT data, server_time, deleted FROM _lf_server_rows WHERE collection = ? AND doc_id = ?', [model.name, id]);
  const row = rows[0];
  return row === undefined ? undefined : { data: decode(model, row.data), serverTime: row.server_time, deleted: row.deleted !== 0 };
}

export async function writeServerRow(ctx: OpContext, model: TableModel, id: string, row: ServerRow): Promise<void> {
  await write(ctx, UPSERT_SQL, [model.name, id, encode(model, row.data), row.serverTime, row.deleted ? 1 : 0]);
}

export async function deleteServerRow(ctx: OpContext, collection: string, id: string): Promise<void> {
  await write(ctx, 'DELETE FROM _lf_server_rows WHERE collection = ? AND doc_id = ?', [collection, id]);
}

/** Before the first local write of a synced row: the row as it stands is the server's version. */
export async function snapshotServerRow(ctx: OpContext, model: TableModel, id: string, current: CachedRow): Promise<void> {
  if (current.meta.syncStatus !== 'synced') return;
  const at = current.meta.serverTimestamp;
  await writeServerRow(ctx, model, id, { data: current.data, serverTime: at === null ? null : at.getTime() * 1000, deleted: current.meta.deleted });
}

/** One outbox entry's changes applied to a version of the row. */
export function applyEntry(data: Data, op: 'set' | 'delete', fields: Readonly<Record<string, FieldChange>>): { data: Record<string, unknown>; deleted: boolean | null } {
  const next: Record<string, unknown> = { ...data };
  for (const [name, change] of Object.entries(fields)) {
    if (change.op === 'union') {
      const had = Array.isArray(next[name]) ? (next[name] as string[]) : [];
      next[name] = [...had, ...change.values.filter((v) => !had.includes(v))];
    } else if (change.op === 'remove') {
      const had = Array.isArray(next[name]) ? (next[name] as string[]) : [];
      next[name] = had.filter((v) => !change.values.includes(v));
    } else if (change.value === undefined || change.value === null) {
      delete next[name];
    } else {
      next[name] = change.value;
    }
  }
  return { data: next, deleted: op === 'delete' ? true : null };
}

const NEWER_SQL = `INSERT INTO _lf_server_rows (collection, doc_id, data, server_time, deleted) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT(collection, doc_id) DO UPDATE SET data = excluded.data, server_time = excluded.server_time, deleted = excluded.deleted
  WHERE excluded.server_time >= coalesce(_lf_server_rows.server_time, 0)`;

/**
 * A pulled version of a row that has pending writes: it becomes the server's version unless
 * it is older than the one kept (versions only grow for a document). One deferred statement.
 */
export async function recordServerVersion(ctx: OpContext, model: TableModel, id: string, doc: { readonly data: Data; readonly version: ServerTime; readonly deleted: boolean }): Promise<void> {
  await write(ctx, NEWER_SQL, [model.name, id, encode(model, doc.data), doc.version, doc.deleted ? 1 : 0]);
}

/**
 * Acknowledged entries of one document, in seq order: with writes of it left, their changes
 * are applied to the server's version (a create's starts it); with none left, the row is the
 * server's version again and the kept one is dropped.
 */
export async function applyAcked(ctx: OpContext, model: TableModel, id: string, acked: readonly { readonly op: 'set' | 'delete'; readonly fields: Readonly<Record<string, FieldChange>> }[], serverTime: ServerTime, writesLeft: boolean): Promise<void> {
  if (!writesLeft) {
    await deleteServerRow(ctx, model.name, id);
    return;
  }
  const kept = await readServerRow(ctx, model, id);
  let data: Data = kept?.data ?? {};
  let deleted = kept?.deleted ?? false;
  for (const entry of acked) {
    const next = applyEntry(data, entry.op, entry.fields);
    data = next.data;
    if (next.deleted !== null) deleted = next.deleted;
  }
  await writeServerRow(ctx, model, id, { data, serverTime: Math.max(kept?.serverTime ?? 0, serverTime), deleted });
}
