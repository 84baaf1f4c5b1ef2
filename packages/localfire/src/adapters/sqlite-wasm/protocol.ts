import type { SqlValue } from '../../store/driver.js';

/**
 * The messages between the main-thread driver and its worker. Plain structured-clone data,
 * nothing transferred. Every request carries an `id`; the worker answers each request
 * exactly once, in order, with a response of the same `id`.
 */
export type WorkerRequest =
  | { readonly id: number; readonly op: 'open'; readonly config: OpenConfig }
  | { readonly id: number; readonly op: 'exec'; readonly sql: string; readonly ahead?: readonly AheadStatement[] }
  | { readonly id: number; readonly op: 'run'; readonly sql: string; readonly params: readonly SqlValue[]; readonly ahead?: readonly AheadStatement[] }
  | { readonly id: number; readonly op: 'all'; readonly sql: string; readonly params: readonly SqlValue[]; readonly ahead?: readonly AheadStatement[] }
  | { readonly id: number; readonly op: 'close' }
  | { readonly id: number; readonly op: 'destroy' };

/**
 * Statements the driver deferred (`SqliteDriver.defer`), carried by the next request and run
 * before it, in order; the first failure fails the request, which then does not run.
 */
export interface AheadStatement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

/** Where the worker opens the database: one OPFS directory and file per user. */
export interface OpenConfig {
  /** OPFS directory the `opfs-sahpool` VFS manages (one per user, never shared). */
  readonly directory: string;
  /** The database file name inside the pool, e.g. `/localfire-alice.sqlite3`. */
  readonly fileName: string;
  /** Wipe the user's pool before opening (a fresh, empty database). */
  readonly reset: boolean;
  /** How long to keep retrying while another tab's worker still holds the files, ms. */
  readonly acquireTimeoutMs: number;
}

/** Rows travel column-wise (names once, values as arrays): cheaper to clone than objects. */
export interface RowsResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

export interface OpenResult {
  readonly sqliteVersion: string;
  readonly vfs: string;
}

export type WorkerResponse = (
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WorkerError }
) & {
  /**
   * When the worker received the request and when it answered, in ms since the epoch
   * (`performance.timeOrigin + performance.now()`, comparable across threads): tracing tools
   * split a round trip into the trip there, the worker's part (queue and work), and the trip back.
   */
  readonly timing?: readonly [start: number, end: number];
};

/** An Error flattened for postMessage; the driver rebuilds an Error from it. */
export interface WorkerError {
  readonly name: string;
  readonly message: string;
  /** SQLite's extended result code name when known, e.g. `SQLITE_CONSTRAINT_PRIMARYKEY`. */
  readonly code?: string;
  readonly closed?: boolean;
}
