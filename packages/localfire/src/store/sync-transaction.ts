/*
 * The sync engine's operations inside one local transaction (see SyncTransaction). Rows the
 * engine writes carry no outbox entry; every changed row is recorded for live queries.
 */
import { LocalfireError } from '../errors.js';
import { modelFor, recorder, write, type OpContext } from './context.js';
import { discardFailed, failedSeqs } from './failed-writes.js';
import { decodeOutboxRow, type OutboxRow } from './outbox.js';
import { selectRows } from './row-mapper.js';
import { applyAcked, deleteServerRow, recordServerVersion } from './server-rows.js';
import { supersedeFailed } from './supersede.js';
import type { PendingChanges, RawRow, SyncTransaction } from './sync-store.js';
import type { TableModel } from './table-model.js';

interface EntryRef {
  seq: number;
  collection: string;
  doc_id: string;
}

const jsonList = (values: readonly number[]): string => JSON.stringify(values);

export function createSyncTransaction(ctx: OpContext, models: ReadonlyMap<string, TableModel>): SyncTransaction {
  const { driver } = ctx;
  const changes = recorder(ctx);

  const readStored = async (model: TableModel, id: string): Promise<{ stored: Record<string, unknown>; raw: RawRow } | undefined> => {
    ctx.assertOpen();
    const row = (await selectRows(driver, model.sql.selectById, [id]))[0];
    if (row === undefined) return undefined;
    const stored = model.mapRow(row);
    const { $meta, ...data } = stored;
    return { stored, raw: { id, data, syncStatus: $meta.syncStatus, serverTime: row[model.columns.length + 4] as number | null, deleted: $meta.deleted } };
  };
  const readRaw = async (model: TableModel, id: string): Promise<RawRow | undefined> => (await readStored(model, id))?.raw;

  /** Re-reads rows after a bookkeeping change, recording them for live queries. */
  const touch = async (refs: Iterable<{ collection: string; docId: string }>): Promise<void> => {
    for (const { collection, docId } of refs) {
      const model = models.get(collection);
      if (model === undefined || !changes.tracks(collection)) continue;
      const row = await readStored(model, docId);
      changes.row(collection, docId, [row?.raw.data], row?.stored ?? null);
    }
  };

  const entriesFor = async (seqs: readonly number[]): Promise<EntryRef[]> =>
    driver.all<EntryRef>('SELECT seq, collection, doc_id FROM _lf_outbox WHERE seq IN (SELECT value FROM json_each(?))', [jsonList(seqs)]);

  const pendingChanges = async (collection: string, id: string): Promise<PendingChanges> => {
    ctx.assertOpen();
    const rows = await driver.all<{ fields: string }>('SELECT fields FROM _lf_outbox WHERE collection = ? AND doc_id = ?', [collection, id]);
    const fields = new Set<string>();
    const replaced = new Set<string>();
    for (const r of rows) {
      for (const [name, change] of Object.entries(JSON.parse(r.fields) as Record<string, { op: string }>)) {
        fields.add(name);
        if (change.op !== 'union') replaced.add(name);
      }
    }
    return { fields, replaced };
  };

  const docsOf = (entries: readonly EntryRef[]): { collection: string; docId: string }[] => {
    const seen = new Map<string, { collection: string; docId: string }>();
    for (const e of entries) seen.set(`${e.collection}\u0000${e.doc_id}`, { collection: e.collection, docId: e.doc_id });
    return [...seen.values()];
  };

  const tx: SyncTransaction = {
    readRow: (collection, id) => readRaw(modelFor(models, collection), id),

    pendingFields: async (collection, id) => (await pendingChanges(collection, id)).fields,
    pendingChanges,

    async writeRow(collection, row) {
      const model = modelFor(models, collection);
      const tracked = changes.tracks(collection);
      const before = tracked ? await readRaw(model, row.id) : undefined;
      const now = ctx.clock();
      await write(ctx, model.sql.upsertRemote, [row.id, ...model.encodeFields(row.data), row.syncStatus, 0, null, row.serverTime, now, now, row.deleted ? 1 : 0]);
      if (!tracked) return;
      const after = await readStored(model, row.id);
      changes.row(collection, row.id, [before?.data, after?.raw.data], after?.stored ?? null);
    },

    async purgeRow(collection, id) {
      const model = modelFor(models, collection);
      const before = await readRaw(model, id);
      if (before === undefined) return;
      await write(ctx, model.sql.purge, [id]);
      await deleteServerRow(ctx, collection, id);
      changes.row(collection, id, [before.data], null);
    },

    async ack(acks) {
      ctx.assertOpen();
      if (acks.length === 0) return;
      const entries = await driver.all<OutboxRow>('SELECT * FROM _lf_outbox WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq', [jsonList(acks.map((a) => a.seq))]);
      const timeBySeq = new Map(acks.map((a) => [a.seq, a.serverTime]));
      await write(ctx, 'DELETE FROM _lf_outbox WHERE seq IN (SELECT value FROM json_each(?))', [jsonList(acks.map((a) => a.seq))]);
      const docs = docsOf(entries);
      for (const { collection, docId } of docs) {
        const model = models.get(collection);
        if (model === undefined) continue;
        const serverTime = Math.max(...entries.filter((e) => e.collection === collection && e.doc_id === docId).map((e) => timeBySeq.get(e.seq) ?? 0));
        const left = (await driver.all<{ n: number }>('SELECT count(*) AS n FROM _lf_outbox WHERE collection = ? AND doc_id = ?', [collection, docId]))[0]?.n ?? 0;
        const sql =
          left === 0
            ? `UPDATE ${model.table} SET _sync_status = 'synced', _retry_count = 0, _server_time = max(coalesce(_server_time, 0), ?) WHERE id = ?`
            : `UPDATE ${model.table} SET _server_time = max(coalesce(_server_time, 0), ?) WHERE id = ?`;
        await write(ctx, sql, [serverTime, docId]);
        const acked = left === 0 ? [] : entries.filter((e) => e.collection === collection && e.doc_id === docId).map((e) => decodeOutboxRow(e, models));
        await applyAcked(ctx, model, docId, acked, serverTime, left > 0);
      }
      changes.outbox();
      await touch(docs);
    },

    async recordFailure(seqs, failure) {
      ctx.assertOpen();
      if (seqs.length === 0) return [];
      const now = ctx.clock();
      const error = JSON.stringify({ kind: failure.kind, message: failure.message });
      const list = jsonList(seqs);
      const entries = await entriesFor(seqs);
      if (entries.length === 0) return [];
      if (failure.nextAttemptAt === null) {
        await write(ctx, `UPDATE _lf_outbox SET attempts = attempts + 1, last_attempt_at = ?, last_error = ?, state = 'failed' WHERE seq IN (SELECT value FROM json_each(?))`, [now, error, list]);
      } else {
        await write(ctx, `UPDATE _lf_outbox SET attempts = attempts + 1, last_attempt_at = ?, last_error = ?, next_attempt_at = ? WHERE seq IN (SELECT value FROM json_each(?))`, [
          now,
          error,
          failure.nextAttemptAt,
          list,
        ]);
      }
      const gaveUp = failure.nextAttemptAt === null;
      const docs = docsOf(entries);
      const superseded: number[] = [];
      for (const { collection, docId } of docs) {
        const model = models.get(collection);
        if (model === undefined) continue;
        const { dropped, blocked } = gaveUp ? await supersedeFailed(ctx, collection, docId) : { dropped: [], blocked: false };
        superseded.push(...dropped);
        const status = gaveUp ? `, _sync_status = '${blocked ? 'failed' : 'pending'}'` : '';
        await write(ctx, `UPDATE ${model.table} SET _retry_count = _retry_count + 1, _last_attempt = ?${status} WHERE id = ?`, [now, docId]);
      }
      changes.outbox();
      await touch(docs);
      return superseded;
    },

    async retryFailed(seqs) {
      ctx.assertOpen();
      const now = ctx.clock();
      const filter = seqs === undefined ? '' : ' AND seq IN (SELECT value FROM json_each(?))';
      const params = seqs === undefined ? [] : [jsonList(seqs)];
      const entries = await driver.all<EntryRef>(`SELECT seq, collection, doc_id FROM _lf_outbox WHERE state = 'failed'${filter}`, params);
      if (entries.length === 0) return 0;
      await write(ctx, `UPDATE _lf_outbox SET state = 'pending', attempts = 0, next_attempt_at = ? WHERE state = 'failed'${filter}`, [now, ...params]);
      const docs = docsOf(entries);
      for (const { collection, docId } of docs) {
        const model = models.get(collection);
        if (model === undefined) continue;
        await write(ctx, `UPDATE ${model.table} SET _sync_status = 'pending', _retry_count = 0 WHERE id = ?`, [docId]);
      }
      changes.outbox();
      await touch(docs);
      return entries.length;
    },

    async retryDocument(ref) {
      ctx.assertOpen();
      return tx.retryFailed(await failedSeqs(ctx, models, ref));
    },

    async discardFailed(ref) {
      ctx.assertOpen();
      const result = await discardFailed(ctx, models, tx, ref);
      changes.outbox();
      return result;
    },

    async recordServerVersion(collection, doc) {
      ctx.assertOpen();
      await recordServerVersion(ctx, modelFor(models, collection), doc.id, doc);
    },

    async quarantine(entry) {
      ctx.assertOpen();
      await write(
        ctx,
        `INSERT INTO _lf_quarantine (collection, path, reason, raw, at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(collection, path) DO UPDATE SET reason = excluded.reason, raw = excluded.raw, at = excluded.at`,
        [entry.collection, entry.path, entry.reason, safeJson(entry.raw), ctx.clock()],
      );
    },

    async releaseQuarantine(collection, path) {
      ctx.assertOpen();
      await write(ctx, 'DELETE FROM _lf_quarantine WHERE collection = ? AND path = ?', [collection, path]);
    },

    async getMeta(key) {
      ctx.assertOpen();
      return (await driver.all<{ value: string }>('SELECT value FROM _lf_meta WHERE key = ?', [key]))[0]?.value;
    },

    async setMeta(key, value) {
      ctx.assertOpen();
      if (key === 'schemaVersion') throw new LocalfireError('precondition', '"schemaVersion" is owned by the migrations');
      await write(ctx, 'INSERT INTO _lf_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [key, value]);
    },
  };
  return tx;
}

/** JSON text of any value: Dates as ISO strings, bigints as strings, cycles and functions dropped. */
function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return (
      JSON.stringify(value, (_key, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        if (typeof v === 'function' || typeof v === 'symbol') return undefined;
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[circular]';
          seen.add(v);
        }
        return v;
      }) ?? 'null'
    );
  } catch {
    return JSON.stringify(String(value));
  }
}
