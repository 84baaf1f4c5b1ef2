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
  /**
   * WAL pages after which a commit runs an automatic checkpoint. SQLite's default (1000)
   * puts a checkpoint on about one small write in a hundred, right at the p99 of a write;
   * the default here (4000, ~16 MB of WAL) moves it below the 1 % tail. A TRUNCATE
   * checkpoint runs on close.
   */
  readonly walAutocheckpointPages?: number;
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
    db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(options.walAutocheckpointPages ?? 4000))}`);
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

  /** The failure of a deferred statement, for the next call to throw (better-sqlite3 is synchronous: deferred statements run at once). */
  let deferredFailure: Error | undefined;
  /** Runs `fn` unless a deferred statement failed: then rejects with that failure instead. */
  const call = <T>(fn: () => T): Promise<T> => {
    const failure = deferredFailure;
    if (failure !== undefined) {
      deferredFailure = undefined;
      return Promise.reject(failure);
    }
    return attempt(fn);
  };

  return {
    description: `better-sqlite3:${options.filename}`,
    exec: (sql) =>
      call(() => {
        assertOpen();
        db.exec(sql);
      }),
    run: (sql, params) => call(() => ({ changes: prepare(sql).run(...bind(params)).changes })),
    all: <R = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]) => call(() => prepare(sql).all(...bind(params)) as R[]),
    values: (sql, params) => call(() => prepareRaw(sql).all(...bind(params)) as unknown[][]),
    defer(sql, params) {
      if (deferredFailure !== undefined) return;
      try {
        prepare(sql).run(...bind(params));
      } catch (e) {
        deferredFailure = e instanceof Error ? e : new Error(String(e));
      }
    },
    close(): Promise<void> {
      deferredFailure = undefined;
      if (!closed) {
        closed = true;
        cache.clear();
        rawCache.clear();
        if (!readonly) db.pragma('wal_checkpoint(TRUNCATE)');
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
