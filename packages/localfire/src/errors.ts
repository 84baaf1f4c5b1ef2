/**
 * Every error localfire throws or reports is a {@link LocalfireError}. Callers branch on
 * `kind` (never on the message), and on {@link isRetryable} for sync decisions.
 */
export type ErrorKind =
  /** A value failed its collection's schema; nothing was written. */
  | 'validation'
  /** A domain rule refused the operation (e.g. sender is not a participant); nothing was written. */
  | 'precondition'
  /** The addressed row does not exist (or is a tombstone). */
  | 'not-found'
  /** A row with that id already exists. */
  | 'conflict'
  /** A collection definition or query is malformed: a programming error. */
  | 'invalid-definition'
  | 'invalid-query'
  /** The database was written by a newer localfire / app schema; nothing was touched. */
  | 'schema-too-new'
  /** The store or engine is closed. */
  | 'closed'
  /** Remote errors, mapped from Firestore's codes in `adapters/firestore/errors.ts`. */
  | 'offline'
  | 'unauthenticated'
  | 'permission-denied'
  | 'invalid-data'
  | 'quota'
  | 'timeout'
  | 'aborted'
  | 'internal';

const RETRYABLE: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['offline', 'quota', 'timeout', 'aborted', 'internal']);

export interface LocalfireErrorOptions {
  readonly cause?: unknown;
  /** Overrides the default retryability of the kind. */
  readonly retryable?: boolean;
  /** Structured context for logs and the inspector (field names, ids, paths). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class LocalfireError extends Error {
  override readonly name = 'LocalfireError';
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(kind: ErrorKind, message: string, options: LocalfireErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.retryable = options.retryable ?? RETRYABLE.has(kind);
    this.details = options.details ?? {};
  }
}

export function isLocalfireError(e: unknown, kind?: ErrorKind): e is LocalfireError {
  return e instanceof LocalfireError && (kind === undefined || e.kind === kind);
}

/** True when repeating the same operation later may succeed. Unknown errors are retryable. */
export function isRetryable(e: unknown): boolean {
  return e instanceof LocalfireError ? e.retryable : true;
}

/** Wraps anything thrown into a LocalfireError, keeping the original as `cause`. */
export function toLocalfireError(e: unknown, fallback: ErrorKind = 'internal'): LocalfireError {
  if (e instanceof LocalfireError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new LocalfireError(fallback, message, { cause: e });
}

/** Exhaustiveness guard for discriminated unions. */
export function unreachable(value: never): never {
  throw new LocalfireError('internal', `unreachable: ${JSON.stringify(value)}`);
}
