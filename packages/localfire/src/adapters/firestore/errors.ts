/*
 * The ONE place where Firestore's error codes become localfire error kinds. Everything the
 * adapter rejects with or reports to `onError` goes through {@link mapFirestoreError}.
 */
import type { ErrorKind } from '../../errors.js';
import { LocalfireError } from '../../errors.js';

/** Firestore's error codes (`FirestoreErrorCode` in the SDK), spelled out so the table is exhaustive. */
export type FirestoreCode =
  | 'cancelled'
  | 'unknown'
  | 'invalid-argument'
  | 'deadline-exceeded'
  | 'not-found'
  | 'already-exists'
  | 'permission-denied'
  | 'resource-exhausted'
  | 'failed-precondition'
  | 'aborted'
  | 'out-of-range'
  | 'unimplemented'
  | 'internal'
  | 'unavailable'
  | 'data-loss'
  | 'unauthenticated';

export interface ErrorMapping {
  readonly kind: ErrorKind;
  readonly retryable: boolean;
}

/**
 * Code -> kind + retryable. Reasons for the less obvious rows:
 * - `not-found` / `already-exists`: our writes are unconditional merges, so these only arise
 *   from a missing database or a misconfigured path; repeating the same request cannot help.
 * - `failed-precondition`: in practice a query that needs a composite index (the message holds
 *   the link to create it): a deployment problem, not retryable.
 * - `cancelled` / `aborted`: the request was interrupted (contention, shutdown); try again.
 * - `unknown` / `internal`: server-side faults are usually transient; `data-loss` and
 *   `unimplemented` are not.
 * - `unauthenticated`: not retryable as is; the engine retries after the user signs in again.
 */
export const FIRESTORE_ERROR_TABLE: Readonly<Record<FirestoreCode, ErrorMapping>> = {
  'cancelled': { kind: 'aborted', retryable: true },
  'unknown': { kind: 'internal', retryable: true },
  'invalid-argument': { kind: 'invalid-data', retryable: false },
  'deadline-exceeded': { kind: 'timeout', retryable: true },
  'not-found': { kind: 'invalid-data', retryable: false },
  'already-exists': { kind: 'invalid-data', retryable: false },
  'permission-denied': { kind: 'permission-denied', retryable: false },
  'resource-exhausted': { kind: 'quota', retryable: true },
  'failed-precondition': { kind: 'invalid-data', retryable: false },
  'aborted': { kind: 'aborted', retryable: true },
  'out-of-range': { kind: 'invalid-data', retryable: false },
  'unimplemented': { kind: 'internal', retryable: false },
  'internal': { kind: 'internal', retryable: true },
  'unavailable': { kind: 'offline', retryable: true },
  'data-loss': { kind: 'internal', retryable: false },
  'unauthenticated': { kind: 'unauthenticated', retryable: false },
};

function firestoreCode(e: unknown): FirestoreCode | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  const code = (e).code;
  return typeof code === 'string' && Object.hasOwn(FIRESTORE_ERROR_TABLE, code) ? (code as FirestoreCode) : undefined;
}

/**
 * Maps anything the SDK throws (a `FirestoreError`, or any error carrying a Firestore `code`)
 * to a LocalfireError with the table's kind and retryability; `details.code` keeps the
 * original code. LocalfireErrors pass through; anything else becomes `internal` (retryable).
 */
export function mapFirestoreError(e: unknown, context?: string): LocalfireError {
  if (e instanceof LocalfireError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const full = context === undefined ? message : `${context}: ${message}`;
  const code = firestoreCode(e);
  if (code === undefined) return new LocalfireError('internal', full, { cause: e });
  const { kind, retryable } = FIRESTORE_ERROR_TABLE[code];
  return new LocalfireError(kind, full, { cause: e, retryable, details: { code } });
}
