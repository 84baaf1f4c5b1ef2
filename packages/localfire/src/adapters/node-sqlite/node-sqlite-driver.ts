import Database from 'better-sqlite3';
import { LocalfireError } from '../../errors.js';
import type { SqliteDriver, SqlValue } from '../../store/driver.js';

export interface NodeSqliteDriverOptions {
  /** A file path, or `':memory:'` for a private in-memory database. */
  readonly filename: string;
  /** Open read-only (no pragmas that write). Default false. */
  readonly readonly?: boolean;
  /** How long a statement waits for another connection's lock, in ms. Default 5000. */
  readonly busyTimeoutMs?: number;
}

type Statement = Database.Statement<unknown[], unknown>;

/**
 * The {@link SqliteDriver} port on better-sqlite3 (synchronous underneath, async at the port).
 * Opens with WAL, `synchronous=NORMAL`, `foreign_keys=ON` and a busy timeout; prepared
 * statements are cached by SQL text; integers come back as numbers.
 */
export function createNodeSqliteDriver(options: NodeSqliteDriverOptions): SqliteDriver {
  const readonly = options.readonly ?? false;
  const db = new Database(options.filename, { readonly, fileMustExist: readonly });
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  db.pragma('temp_store = MEMORY');

  const cache = new Map<string, Statement>();
  let closed = false;

  const prepare = (sql: string): Statement => {
    assertOpen();
    let stmt = cache.get(sql);
    if (stmt === undefined) {
      stmt = db.prepare(sql);
      stmt.safeIntegers(false);
      cache.set(sql, stmt);
    }
    return stmt;
  };

  const rawCache = new Map<string, Statement>();
  const prepareRaw = (sql: string): Statement => {
    assertOpen();
    let stmt = rawCache.get(sql);
    if (stmt === undefined) {
      stmt = db.prepare(sql);
      stmt.safeIntegers(false);
      stmt.raw(true);
      rawCache.set(sql, stmt);
    }
    return stmt;
  };

  const assertOpen = (): void => {
    if (closed) throw new LocalfireError('closed', 'the SQLite connection is closed');
  };

  return {
    description: `better-sqlite3:${options.filename}`,
    exec: (sql) =>
      attempt(() => {
        assertOpen();
        db.exec(sql);
      }),
    run: (sql, params) => attempt(() => ({ changes: prepare(sql).run(...bind(params)).changes })),
    all: <R = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]) => attempt(() => prepare(sql).all(...bind(params)) as R[]),
    values: (sql, params) => attempt(() => prepareRaw(sql).all(...bind(params)) as unknown[][]),
    close(): Promise<void> {
      if (!closed) {
        closed = true;
        cache.clear();
        rawCache.clear();
        db.close();
      }
      return Promise.resolve();
    },
  };
}

/** Runs a synchronous call, turning a throw into a rejection. */
function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

const EMPTY: unknown[] = [];

function bind(params: readonly SqlValue[] | undefined): unknown[] {
  if (params === undefined || params.length === 0) return EMPTY;
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p instanceof Uint8Array && !Buffer.isBuffer(p)) {
      out ??= params.slice();
      out[i] = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    }
  }
  return out ?? (params as unknown[]);
}
