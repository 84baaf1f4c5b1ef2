/**
 * The SQLite driver port: the smallest async surface localfire needs from a SQLite
 * connection. `localfire/node` implements it on better-sqlite3; the browser driver on the
 * official SQLite WASM build in a worker. The store never imports a driver.
 *
 * Contract:
 * - One connection. Calls are issued one at a time by the store (it serialises them), so
 *   a driver need not queue.
 * - `run` and `all` take positional `?` parameters: string, number, bigint, null or
 *   Uint8Array. Drivers cache prepared statements by SQL text.
 * - `all` returns rows as plain objects keyed by column name; INTEGER columns come back as
 *   numbers (never bigint).
 * - Errors are thrown as-is (the store wraps them); a failed statement leaves an open
 *   transaction open, for the store to roll back.
 */
export type SqlValue = string | number | bigint | null | Uint8Array;

export interface RunResult {
  /** Rows changed by an INSERT, UPDATE or DELETE. */
  readonly changes: number;
}

export interface SqliteDriver {
  /** Runs one or more statements with no parameters and no results (DDL, pragmas, BEGIN/COMMIT). */
  exec(sql: string): Promise<void>;
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
  all<R = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
  /**
   * Optional fast path: like `all`, but each row is an array of its column values in select
   * order (no per-row object). The store uses it for entity reads when present and falls
   * back to `all` otherwise; same value rules as `all`.
   */
  values?(sql: string, params?: readonly SqlValue[]): Promise<unknown[][]>;
  /** Closes the connection; later calls reject. Idempotent. */
  close(): Promise<void>;
  /** A short label for logs and the inspector (e.g. `better-sqlite3:/path/app.db`). */
  readonly description: string;
}
