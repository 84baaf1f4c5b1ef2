import { LocalfireError } from '../../errors.js';
import type { RunResult, SqliteDriver, SqlValue } from '../../store/driver.js';
import { userDatabaseNames } from './names.js';
import type { AheadStatement, OpenResult, RowsResult, WorkerError, WorkerRequest, WorkerResponse } from './protocol.js';

/** The part of `Worker` the driver uses; tests and apps may hand in their own. */
export interface DriverWorker {
  postMessage(message: WorkerRequest): void;
  onmessage: ((event: MessageEvent<WorkerResponse>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  terminate(): void;
}

export interface BrowserDatabaseOptions {
  /** The signed-in user: one database (and OPFS directory) per user on the device. */
  readonly userId: string;
  /** Wipe this user's database first (a fresh, empty one). Default false. */
  readonly reset?: boolean;
  /**
   * How long to wait for the files while a previous leader's worker still holds them
   * (a tab that just closed), in ms. Default 5000.
   */
  readonly acquireTimeoutMs?: number;
  /**
   * Starts the worker. The default loads this package's `worker` module, which bundlers
   * (Vite, webpack 5, Rollup) recognise as a module worker.
   */
  readonly createWorker?: () => DriverWorker;
}

/** The {@link SqliteDriver} of one user's database in the browser, plus lifecycle extras. */
export interface BrowserSqliteDriver extends SqliteDriver {
  readonly userId: string;
  /** The database file in the `opfs-sahpool` VFS. */
  readonly fileName: string;
  readonly sqliteVersion: string;
  /** Closes the connection and deletes this user's database file. */
  destroy(): Promise<void>;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Opens the signed-in user's SQLite database: the official SQLite WASM build in a Web
 * Worker, persisted in OPFS with the `opfs-sahpool` VFS (no cross-origin isolation needed).
 *
 * Only one tab may open a user's database at a time: hold the user's leadership
 * (`acquireLeadership`) before calling this. Every call is one message round trip to the
 * worker, carrying the statements deferred since the previous call; SQLite errors are rethrown as `Error`s with SQLite's message and a `code`
 * (e.g. `SQLITE_CONSTRAINT_PRIMARYKEY`). After `close`, calls reject with a `closed`
 * LocalfireError.
 */
export async function openBrowserDatabase(options: BrowserDatabaseOptions): Promise<BrowserSqliteDriver> {
  const names = userDatabaseNames(options.userId);
  const worker = (options.createWorker ?? defaultWorker)();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let state: 'open' | 'closing' | 'closed' = 'open';

  const failAll = (error: Error): void => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };

  worker.onmessage = (event) => {
    const response = event.data;
    const p = pending.get(response.id);
    if (p === undefined) return;
    pending.delete(response.id);
    if (response.ok) p.resolve(response.result);
    else p.reject(rebuild(response.error));
  };
  let broken: LocalfireError | undefined;
  worker.onerror = (event) => {
    // Requests never throw inside the worker, so this is fatal (e.g. the script failed to load).
    broken = new LocalfireError('internal', `SQLite worker failed: ${event.message}`);
    failAll(broken);
  };

  const call = <T>(request: DistributiveOmit<WorkerRequest, 'id'>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });

  /** Deferred statements, sent with the next request (`SqliteDriver.defer`). */
  let ahead: AheadStatement[] = [];
  const request = <T>(message: StatementRequest): Promise<T> => {
    if (state !== 'open') return Promise.reject(closedError());
    if (broken !== undefined) return Promise.reject(broken);
    if (ahead.length === 0) return call<T>(message);
    const statements = ahead;
    ahead = [];
    return call<T>({ ...message, ahead: statements });
  };

  const shutdown = async (op: 'close' | 'destroy'): Promise<void> => {
    if (state !== 'open') return;
    state = 'closing';
    ahead = [];
    try {
      await call(op === 'close' ? { op: 'close' } : { op: 'destroy' });
    } finally {
      state = 'closed';
      worker.terminate();
      failAll(closedError());
    }
  };

  let opened: OpenResult;
  try {
    opened = await call<OpenResult>({
      op: 'open',
      config: {
        directory: names.directory,
        fileName: names.fileName,
        reset: options.reset ?? false,
        acquireTimeoutMs: options.acquireTimeoutMs ?? 5000,
      },
    });
  } catch (e) {
    worker.terminate();
    throw new LocalfireError('internal', `could not open the database of user ${options.userId}: ${(e as Error).message}`, {
      cause: e,
      details: { userId: options.userId, fileName: names.fileName },
    });
  }

  return {
    description: `sqlite-wasm:${opened.vfs}:${names.fileName}`,
    userId: options.userId,
    fileName: names.fileName,
    sqliteVersion: opened.sqliteVersion,
    exec: (sql) => request<void>({ op: 'exec', sql }),
    run: (sql, params) => request<RunResult>({ op: 'run', sql, params: params ?? [] }),
    all: async <R>(sql: string, params?: readonly SqlValue[]) =>
      toObjects<R>(await request<RowsResult>({ op: 'all', sql, params: params ?? [] })),
    values: async (sql, params) => (await request<RowsResult>({ op: 'all', sql, params: params ?? [] })).rows as unknown[][],
    defer(sql, params) {
      if (state === 'open') ahead.push({ sql, params: params ?? [] });
    },
    close: () => shutdown('close'),
    destroy: () => shutdown('destroy'),
  };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** The requests that run SQL (and may carry deferred statements). */
type StatementRequest = DistributiveOmit<Extract<WorkerRequest, { op: 'exec' | 'run' | 'all' }>, 'id'>;

function defaultWorker(): DriverWorker {
  return new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'localfire-sqlite' });
}

function toObjects<R>({ columns, rows }: RowsResult): R[] {
  const out = new Array<R>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const values = rows[r] ?? [];
    const row: Record<string, unknown> = {};
    for (let c = 0; c < columns.length; c++) row[columns[c] ?? ''] = values[c];
    out[r] = row as R;
  }
  return out;
}

function rebuild(error: WorkerError): Error {
  if (error.closed === true) return closedError();
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name === 'SQLite3Error' ? 'SqliteError' : error.name;
  if (error.code !== undefined) Object.assign(rebuilt, { code: error.code });
  return rebuilt;
}

function closedError(): LocalfireError {
  return new LocalfireError('closed', 'the SQLite connection is closed');
}
