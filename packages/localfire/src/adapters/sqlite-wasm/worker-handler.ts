import type { BindingSpec, Database, PreparedStatement, SAHPoolUtil, Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import type { OpenConfig, OpenResult, RowsResult, WorkerError, WorkerRequest, WorkerResponse } from './protocol.js';

/** What `installOpfsSAHPoolVfs` accepts beyond its typings (it exists in the shipped code). */
interface SahPoolOptions {
  readonly directory: string;
  readonly clearOnInit: boolean;
  readonly forceReinitIfPreviouslyFailed: boolean;
}

/** Handles one request; the worker entry answers with what this returns. */
export type RequestHandler = (request: WorkerRequest) => Promise<WorkerResponse>;

export interface RequestHandlerOptions {
  /**
   * Runs after each request, before its response exists: the worker writes out what the
   * write coalescer gathered (write-coalescing.ts), so an answered COMMIT is in the file.
   * If it throws, that request fails and the connection refuses every later request
   * (SQLite's view of the file may be ahead of the file; reopening recovers from the file).
   */
  readonly afterEach?: () => void;
}

/**
 * The worker side of the browser driver: one `opfs-sahpool` database per worker, prepared
 * statements cached by SQL text, rows returned column-wise with integers as numbers.
 * Requests are handled strictly one after another, in arrival order.
 */
export function createRequestHandler(loadSqlite: () => Promise<Sqlite3Static>, sleep = defaultSleep, options: RequestHandlerOptions = {}): RequestHandler {
  let sqlite3: Sqlite3Static | undefined;
  let pool: SAHPoolUtil | undefined;
  let db: Database | undefined;
  let fileName = '';
  let closed = false;
  const statements = new Map<string, PreparedStatement>();
  let broken: Error | undefined;

  const open = async (config: OpenConfig): Promise<OpenResult> => {
    if (db !== undefined) throw new Error('the database is already open');
    sqlite3 ??= await loadSqlite();
    pool = await installPool(sqlite3, config, sleep);
    fileName = config.fileName;
    db = new pool.OpfsSAHPoolDb(config.fileName);
    // Exclusive locking lets WAL run without shared memory (which this VFS lacks); the pool is
    // this worker's alone anyway. WAL + synchronous=NORMAL: a commit appends to the log without
    // a flush, so it survives a tab crash; after power loss the last commits may be rolled back,
    // never corrupted (the same trade as the Node driver).
    db.exec([
      'PRAGMA locking_mode = EXCLUSIVE', 'PRAGMA journal_mode = WAL', 'PRAGMA synchronous = NORMAL',
      'PRAGMA foreign_keys = ON', 'PRAGMA temp_store = MEMORY',
    ].join(';'));
    return { sqliteVersion: sqlite3.version.libVersion, vfs: pool.vfsName };
  };

  const database = (): Database => {
    if (broken !== undefined) throw broken;
    if (db === undefined || closed) throw Object.assign(new Error('the SQLite connection is closed'), { closed: true });
    return db;
  };

  const prepare = (sql: string): PreparedStatement => {
    const current = database();
    let stmt = statements.get(sql);
    if (stmt === undefined) {
      stmt = current.prepare(sql);
      statements.set(sql, stmt);
    }
    return stmt;
  };

  const withStatement = <T>(sql: string, params: readonly unknown[], use: (stmt: PreparedStatement) => T): T => {
    const stmt = prepare(sql);
    try {
      if (params.length > 0) stmt.bind(params as BindingSpec);
      return use(stmt);
    } finally {
      stmt.reset(true);
    }
  };

  const run = (sql: string, params: readonly unknown[]): { changes: number } =>
    withStatement(sql, params, (stmt) => {
      while (stmt.step()) { /* drain: RETURNING rows are ignored by run */ }
      return { changes: Number(database().changes()) };
    });

  const all = (sql: string, params: readonly unknown[]): RowsResult =>
    withStatement(sql, params, (stmt) => {
      const columns = stmt.getColumnNames();
      const width = columns.length;
      const rows: unknown[][] = [];
      while (stmt.step()) {
        const row = new Array<unknown>(width);
        for (let i = 0; i < width; i++) {
          const value = stmt.get(i);
          row[i] = typeof value === 'bigint' ? Number(value) : value;
        }
        rows.push(row);
      }
      return { columns, rows };
    });

  const close = (): void => {
    if (closed) return;
    closed = true;
    for (const stmt of statements.values()) stmt.finalize();
    statements.clear();
    db?.close();
    pool?.pauseVfs();
  };

  const destroy = async (): Promise<void> => {
    const target = pool;
    const name = fileName;
    if (!closed) {
      for (const stmt of statements.values()) stmt.finalize();
      statements.clear();
      db?.close();
      closed = true;
    } else if (target?.isPaused() === true) {
      await target.unpauseVfs();
    }
    if (target !== undefined && name !== '') target.unlink(name);
    target?.pauseVfs();
  };

  const handle = async (request: WorkerRequest): Promise<unknown> => {
    if ('ahead' in request && request.ahead !== undefined) for (const statement of request.ahead) run(statement.sql, statement.params);
    switch (request.op) {
      case 'open': return open(request.config);
      case 'exec': database().exec(request.sql); return null;
      case 'run': return run(request.sql, request.params);
      case 'all': return all(request.sql, request.params);
      case 'close': close(); return null;
      case 'destroy': await destroy(); return null;
    }
  };

  /** `handle`, then the after-each hook: its failure fails the request and breaks the connection. */
  const handleAndSettle = async (request: WorkerRequest): Promise<unknown> => {
    let result: unknown;
    let failure: { error: unknown } | undefined;
    try {
      result = await handle(request);
    } catch (e) {
      failure = { error: e };
    }
    try {
      options.afterEach?.();
    } catch (e) {
      broken ??= new Error(`writing to OPFS failed; the connection must be reopened: ${e instanceof Error ? e.message : String(e)}`);
      throw broken;
    }
    if (failure !== undefined) throw failure.error;
    return result;
  };

  let queue: Promise<unknown> = Promise.resolve();
  return (request) => {
    const response = queue.then(
      () => handleAndSettle(request).then(
        (result): WorkerResponse => ({ id: request.id, ok: true, result }),
        (e: unknown): WorkerResponse => ({ id: request.id, ok: false, error: flatten(e, sqlite3) }),
      ),
    );
    queue = response;
    return response;
  };
}

async function installPool(sqlite3: Sqlite3Static, config: OpenConfig, sleep: (ms: number) => Promise<void>): Promise<SAHPoolUtil> {
  // Another tab's worker may still hold the files for a moment after its lock was released.
  const deadline = Date.now() + config.acquireTimeoutMs;
  for (let delay = 25; ; delay = Math.min(delay * 2, 400)) {
    const options: SahPoolOptions = { directory: config.directory, clearOnInit: config.reset, forceReinitIfPreviouslyFailed: true };
    try {
      return await sqlite3.installOpfsSAHPoolVfs(options);
    } catch (e) {
      if (Date.now() + delay > deadline) throw e;
      await sleep(delay);
    }
  }
}

function flatten(e: unknown, sqlite3: Sqlite3Static | undefined): WorkerError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const resultCode = (e as { resultCode?: unknown }).resultCode;
  const code = typeof resultCode === 'number' && sqlite3 !== undefined ? sqlite3.capi.sqlite3_js_rc_str(resultCode) : undefined;
  const closed = (e as { closed?: unknown }).closed === true;
  return {
    name: e.name,
    message: e.message,
    ...(code === undefined ? {} : { code }),
    ...(closed ? { closed } : {}),
  };
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
