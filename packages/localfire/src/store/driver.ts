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
 *   transaction open, for the store to roll back. An error carries SQLite's extended result
 *   code name as `code`: the store reads `SQLITE_CONSTRAINT_PRIMARYKEY` as a taken id.
 * - `defer` (optional) queues a statement whose result nobody needs; the next call carries it.
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
  /**
   * Optional: runs a statement whose result is not needed (a write, BEGIN) without a round
   * trip of its own. Deferred statements run in call order, before the next `exec` / `run` /
   * `all` / `values` call; a worker-backed driver sends them with that call, in one message.
   * If one fails, the statements deferred after it and the next call do not run, and the next
   * call rejects with that failure (so a transaction's COMMIT never runs after a failed write).
   * The store defers only inside write transactions, whose COMMIT or ROLLBACK always follows.
   */
  defer?(sql: string, params?: readonly SqlValue[]): void;
  /** Closes the connection; later calls reject. Idempotent. */
  close(): Promise<void>;
  /** A short label for logs and the inspector (e.g. `better-sqlite3:/path/app.db`). */
  readonly description: string;
}
