/*
 * The SyncStore: the sync engine's view of the local store. Every method runs under the
 * store's mutex; writes run in a local transaction and notify live queries once per commit.
 */
import type { ChangeLog } from './change-log.js';
import { rowKey, type OpContext } from './context.js';
import { listFailedWrites } from './failed-writes.js';
import { decodeOutboxRow, type OutboxRow } from './outbox.js';
import type { FailedWrite, OutboxEntry, OutboxStats, QuarantineEntry, StatusCounts, SyncStore } from './sync-store.js';
import type { LiveQuery } from './types.js';
import { createSyncTransaction } from './sync-transaction.js';
import type { TableModel } from './table-model.js';

export interface SyncStoreOptions {
  readonly models: ReadonlyMap<string, TableModel>;
  readonly read: <R>(fn: (ctx: OpContext) => Promise<R>) => Promise<R>;
  readonly write: <R>(fn: (ctx: OpContext) => Promise<R>) => Promise<R>;
  readonly clock: () => number;
  readonly onOutboxChange: (listener: () => void) => () => void;
  /** A live query at store level, re-run after commits `affectedBy` says may change it. */
  readonly live: <R>(run: (ctx: OpContext) => Promise<R>, affectedBy: (log: ChangeLog) => boolean) => LiveQuery<R>;
}

const READY_SQL = `SELECT * FROM _lf_outbox AS o
  WHERE o.state = 'pending' AND o.next_attempt_at <= ?
    AND NOT EXISTS (SELECT 1 FROM _lf_outbox AS p WHERE p.collection = o.collection AND p.doc_id = o.doc_id AND p.seq < o.seq
      AND (p.state <> 'pending' OR p.next_attempt_at > ?))
  ORDER BY o.seq LIMIT ?`;

const OUTBOX_STATS_SQL = `SELECT sum(state = 'pending') AS pending, sum(state = 'failed') AS failed, min(created_at) AS oldest FROM _lf_outbox`;
const QUARANTINE_COUNT_SQL = 'SELECT count(*) AS n FROM _lf_quarantine';

interface OutboxStatsRow {
  readonly pending: number | null;
  readonly failed: number | null;
  readonly oldest: number | null;
}

const outboxStatsOf = (r: OutboxStatsRow | undefined): OutboxStats => ({ pending: r?.pending ?? 0, failed: r?.failed ?? 0, oldestAt: r?.oldest ?? null });

interface QuarantineRow {
  collection: string;
  path: string;
  reason: string;
  raw: string | null;
  at: number;
}

export function createSyncStore(options: SyncStoreOptions): SyncStore {
  const { models, read, write } = options;
  const decode = (rows: OutboxRow[]): OutboxEntry[] => rows.map((r) => decodeOutboxRow(r, models));

  const tables = [...models.values()];
  // The status reads every counter in one statement (one read, one driver round trip); the
  // outbox and quarantine counters alone stay cheap for callers that poll them.
  const rowsWith = (state: 'pending' | 'failed', name: string): string =>
    `(SELECT count(DISTINCT doc_id) FROM _lf_outbox WHERE state = '${state}' AND collection = '${name.replaceAll("'", "''")}')`;
  const countsSql = `SELECT o.pending, o.failed, o.oldest, (${QUARANTINE_COUNT_SQL}) AS quarantined,
    (SELECT page_count FROM pragma_page_count()) * (SELECT page_size FROM pragma_page_size()) AS bytes,
    (SELECT json_group_object(k, n) FROM (SELECT json_extract(last_error, '$.kind') AS k, count(DISTINCT collection || '/' || doc_id) AS n
      FROM _lf_outbox WHERE state = 'failed' AND last_error IS NOT NULL GROUP BY k)) AS failedByKind
    ${tables.map((model, i) => `, (SELECT count(*) FROM ${model.table} WHERE _deleted = 0) AS c${i}, ${rowsWith('pending', model.name)} AS p${i}, ${rowsWith('failed', model.name)} AS f${i}`).join('')}
    FROM (${OUTBOX_STATS_SQL}) AS o`;
  const statusCounts = (): Promise<StatusCounts> =>
    read(async (ctx) => {
      const r = (await ctx.driver.all<OutboxStatsRow & Record<string, number | string | null>>(countsSql))[0];
      const num = (key: string): number => Number(r?.[key] ?? 0);
      const rows: Record<string, number> = {};
      const pendingRows: Record<string, number> = {};
      const failedRows: Record<string, number> = {};
      tables.forEach((model, i) => {
        rows[model.name] = num(`c${i}`);
        pendingRows[model.name] = num(`p${i}`);
        failedRows[model.name] = num(`f${i}`);
      });
      const byKind = r?.['failedByKind'];
      const failedRowsByKind = typeof byKind === 'string' ? (JSON.parse(byKind) as StatusCounts['failedRowsByKind']) : {};
      return { outbox: outboxStatsOf(r), pendingRows, failedRows, failedRowsByKind, quarantined: num('quarantined'), cache: { rows, bytes: num('bytes') } };
    });

  // Every change that can alter the failed list records the rows involved: a failure, a
  // retry, a discard, a superseding write, an acknowledgement. So the list re-runs only after
  // a commit touching a row that is failed now or was listed once (never shrunk: failures are few).
  const everFailed = new Set<string>();
  const mayChangeFailed = (log: ChangeLog): boolean => {
    for (const [collection, changes] of log) {
      if (changes === 'all') return true;
      for (const change of changes) {
        if (everFailed.has(rowKey(collection, change.id))) return true;
        const after = change.after;
        if (after === undefined || (after !== null && (after['$meta'] as { syncStatus?: string } | undefined)?.syncStatus === 'failed')) return true;
      }
    }
    return false;
  };
  const readFailed = async (ctx: OpContext): Promise<FailedWrite[]> => {
    const list = await listFailedWrites(ctx, models);
    for (const f of list) everFailed.add(rowKey(f.collection, f.id));
    return list;
  };

  return {
    transaction: (fn) => write((ctx) => fn(createSyncTransaction(ctx, models))),
    listFailedWrites: () => read(readFailed),
    observeFailedWrites: () => options.live(readFailed, mayChangeFailed),
    readyWrites: (now, limit) => read(async (ctx) => decode(await ctx.driver.all<OutboxRow>(READY_SQL, [now, now, limit]))),
    listOutbox: () => read(async (ctx) => decode(await ctx.driver.all<OutboxRow>('SELECT * FROM _lf_outbox ORDER BY seq'))),
    outboxStats: () => read(async (ctx) => outboxStatsOf((await ctx.driver.all<OutboxStatsRow>(OUTBOX_STATS_SQL))[0])),
    listQuarantine: (limit = 100) =>
      read(async (ctx) => {
        const rows = await ctx.driver.all<QuarantineRow>('SELECT collection, path, reason, raw, at FROM _lf_quarantine ORDER BY at DESC, id DESC LIMIT ?', [limit]);
        return rows.map((r): QuarantineEntry => ({ collection: r.collection, path: r.path, reason: r.reason, raw: r.raw === null ? null : (JSON.parse(r.raw) as unknown), at: r.at }));
      }),
    quarantineCount: () => read(async (ctx) => (await ctx.driver.all<{ n: number }>(QUARANTINE_COUNT_SQL))[0]?.n ?? 0),
    cacheStats: async () => (await statusCounts()).cache,
    statusCounts,
    clearCache: () =>
      write(async (ctx) => {
        const removed: Record<string, number> = {};
        for (const model of models.values()) {
          if (!model.def.evictable) continue;
          const result = await ctx.driver.run(
            `DELETE FROM ${model.table} WHERE _sync_status = 'synced' AND NOT EXISTS (SELECT 1 FROM _lf_outbox AS o WHERE o.collection = ? AND o.doc_id = ${model.table}.id)`,
            [model.name],
          );
          removed[model.name] = result.changes;
          if (result.changes > 0) ctx.changes?.table(model.name);
        }
        return removed;
      }),
    onOutboxChange: options.onOutboxChange,
    nextWakeAt: (now) =>
      read(async (ctx) => (await ctx.driver.all<{ at: number | null }>(`SELECT min(next_attempt_at) AS at FROM _lf_outbox WHERE state = 'pending' AND next_attempt_at > ?`, [now]))[0]?.at ?? null),
  };
}
