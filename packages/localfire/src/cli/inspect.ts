/*
 * `localfire inspect`: what a local database holds, read through the driver port only:
 * tables and row counts (by sync status for app tables), the outbox (pending and failed
 * entries), pull checkpoints and quarantined documents. Read-only.
 */
import type { SqliteDriver } from '../store/driver.js';

export interface TableReport {
  readonly name: string;
  readonly rows: number;
  /** App tables only: rows by `_sync_status`, and tombstones. */
  readonly byStatus?: Readonly<Record<string, number>>;
  readonly tombstones?: number;
}

export interface OutboxReportEntry {
  readonly seq: number;
  readonly path: string;
  readonly op: string;
  readonly state: string;
  readonly attempts: number;
  readonly createdAt: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  /** Names of the fields the write changes. */
  readonly fields: readonly string[];
}

export interface CheckpointReport {
  /** The scope key (collection, parents, filters). */
  readonly scope: string;
  readonly value: string;
}

export interface QuarantineReportEntry {
  readonly collection: string;
  readonly path: string;
  readonly reason: string;
  readonly at: number;
}

export interface InspectReport {
  /** The framework schema version (`_lf_meta.schemaVersion`), or null for a database localfire never opened. */
  readonly schemaVersion: number | null;
  readonly tables: readonly TableReport[];
  readonly outbox: { readonly pending: number; readonly failed: number; readonly entries: readonly OutboxReportEntry[] };
  readonly checkpoints: readonly CheckpointReport[];
  readonly quarantine: readonly QuarantineReportEntry[];
  /** Other `_lf_meta` entries (user id, …). */
  readonly meta: Readonly<Record<string, string>>;
}

const CHECKPOINT_PREFIX = 'checkpoint:';
const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Reads the report from an open database. `limit` bounds the outbox and quarantine listings (default 50). */
export async function inspectDatabase(driver: SqliteDriver, options: { readonly limit?: number } = {}): Promise<InspectReport> {
  const limit = options.limit ?? 50;
  const names = (await driver.all<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  )).map((r) => r.name);
  const has = (name: string): boolean => names.includes(name);

  const tables: TableReport[] = [];
  for (const name of names) {
    const rows = (await driver.all<{ n: number }>(`SELECT count(*) AS n FROM ${quote(name)}`))[0]?.n ?? 0;
    const columns = (await driver.all<{ name: string }>(`PRAGMA table_info(${quote(name)})`)).map((c) => c.name);
    if (!columns.includes('_sync_status')) {
      tables.push({ name, rows });
      continue;
    }
    const byStatus: Record<string, number> = {};
    for (const r of await driver.all<{ s: string; n: number }>(`SELECT _sync_status AS s, count(*) AS n FROM ${quote(name)} GROUP BY _sync_status ORDER BY _sync_status`)) {
      byStatus[r.s] = r.n;
    }
    const tombstones = columns.includes('_deleted')
      ? ((await driver.all<{ n: number }>(`SELECT count(*) AS n FROM ${quote(name)} WHERE _deleted = 1`))[0]?.n ?? 0)
      : 0;
    tables.push({ name, rows, byStatus, tombstones });
  }

  const meta: Record<string, string> = {};
  const checkpoints: CheckpointReport[] = [];
  let schemaVersion: number | null = null;
  if (has('_lf_meta')) {
    for (const { key, value } of await driver.all<{ key: string; value: string }>('SELECT key, value FROM _lf_meta ORDER BY key')) {
      if (key.startsWith(CHECKPOINT_PREFIX)) checkpoints.push({ scope: key.slice(CHECKPOINT_PREFIX.length), value });
      else if (key === 'schemaVersion') schemaVersion = Number(value);
      else meta[key] = value;
    }
  }

  let outbox: InspectReport['outbox'] = { pending: 0, failed: 0, entries: [] };
  if (has('_lf_outbox')) {
    const counts = await driver.all<{ state: string; n: number }>('SELECT state, count(*) AS n FROM _lf_outbox GROUP BY state');
    const count = (state: string): number => counts.find((c) => c.state === state)?.n ?? 0;
    const rows = await driver.all<{
      seq: number; path: string; op: string; state: string; attempts: number; created_at: number; next_attempt_at: number; last_error: string | null; fields: string;
    }>('SELECT seq, path, op, state, attempts, created_at, next_attempt_at, last_error, fields FROM _lf_outbox ORDER BY seq LIMIT ?', [limit]);
    outbox = {
      pending: count('pending'),
      failed: count('failed'),
      entries: rows.map((r) => ({
        seq: r.seq,
        path: r.path,
        op: r.op,
        state: r.state,
        attempts: r.attempts,
        createdAt: r.created_at,
        nextAttemptAt: r.next_attempt_at,
        lastError: describeError(r.last_error),
        fields: fieldNames(r.fields),
      })),
    };
  }

  const quarantine = has('_lf_quarantine')
    ? (await driver.all<QuarantineReportEntry>('SELECT collection, path, reason, at FROM _lf_quarantine ORDER BY at, id LIMIT ?', [limit]))
    : [];

  return { schemaVersion, tables, outbox, checkpoints, quarantine, meta };
}

function describeError(raw: string | null): string | null {
  if (raw === null) return null;
  try {
    const e = JSON.parse(raw) as { kind?: unknown; message?: unknown };
    return typeof e.kind === 'string' ? `${e.kind}: ${typeof e.message === 'string' ? e.message : ''}` : raw;
  } catch {
    return raw;
  }
}

function fieldNames(raw: string): string[] {
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed !== null && typeof parsed === 'object' ? Object.keys(parsed) : [];
  } catch {
    return [];
  }
}
