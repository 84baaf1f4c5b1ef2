import fc from 'fast-check';
import { Timestamp } from 'firebase/firestore';
import { describe, expect, it } from 'vitest';
import { FIRESTORE_ERROR_TABLE, mapFirestoreError, microsToTimestamp, timestampToMicros } from '../../src/adapters/firestore/index.js';
import type { FirestoreCode } from '../../src/adapters/firestore/index.js';
import { fromFirestoreData } from '../../src/adapters/firestore/values.js';
import { LocalfireError } from '../../src/index.js';
import type { ErrorKind } from '../../src/index.js';

const expected: Record<FirestoreCode, [ErrorKind, boolean]> = {
  'cancelled': ['aborted', true],
  'unknown': ['internal', true],
  'invalid-argument': ['invalid-data', false],
  'deadline-exceeded': ['timeout', true],
  'not-found': ['invalid-data', false],
  'already-exists': ['invalid-data', false],
  'permission-denied': ['permission-denied', false],
  'resource-exhausted': ['quota', true],
  'failed-precondition': ['invalid-data', false],
  'aborted': ['aborted', true],
  'out-of-range': ['invalid-data', false],
  'unimplemented': ['internal', false],
  'internal': ['internal', true],
  'unavailable': ['offline', true],
  'data-loss': ['internal', false],
  'unauthenticated': ['unauthenticated', false],
};

describe('mapFirestoreError', () => {
  it.each(Object.entries(expected))('maps %s to %j', (code, [kind, retryable]) => {
    // FirestoreError's constructor is private; the SDK's errors are FirebaseErrors with a `code`.
    const original = Object.assign(new Error(`boom ${code}`), { name: 'FirebaseError', code });
    const mapped = mapFirestoreError(original, 'write');
    expect(mapped).toBeInstanceOf(LocalfireError);
    expect(mapped).toMatchObject({ kind, retryable, details: { code } });
    expect(mapped.cause).toBe(original);
    expect(mapped.message).toBe(`write: boom ${code}`);
  });

  it('covers every Firestore code in the table', () => {
    expect(Object.keys(FIRESTORE_ERROR_TABLE).sort()).toEqual(Object.keys(expected).sort());
  });

  it('passes LocalfireErrors through and turns anything else into retryable internal errors', () => {
    const own = new LocalfireError('invalid-data', 'bad');
    expect(mapFirestoreError(own)).toBe(own);
    expect(mapFirestoreError(new TypeError('oops'))).toMatchObject({ kind: 'internal', retryable: true, message: 'oops' });
    expect(mapFirestoreError({ code: 'no-such-code' })).toMatchObject({ kind: 'internal', retryable: true });
    expect(mapFirestoreError('text')).toMatchObject({ kind: 'internal', message: 'text' });
  });
});

describe('Firestore values', () => {
  it('converts microseconds to Timestamps and back exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (micros) => {
        const ts = microsToTimestamp(micros);
        expect(ts.nanoseconds % 1000).toBe(0);
        expect(timestampToMicros(ts)).toBe(micros);
      }),
    );
    expect(timestampToMicros(new Timestamp(1_700_000_000, 123_456_789))).toBe(1_700_000_000_123_456);
  });

  it('turns Timestamps into Dates at any depth and splits off updatedAt as micros', () => {
    const at = new Timestamp(1_700_000_000, 5_000_000);
    const out = fromFirestoreData({ title: 't', dueAt: at, notes: { when: [at] }, updatedAt: new Timestamp(1, 2_000), deleted: false });
    expect(out.updatedAtMicros).toBe(1_000_002);
    expect(out.data).toEqual({ title: 't', dueAt: new Date(1_700_000_000_005), notes: { when: [new Date(1_700_000_000_005)] }, deleted: false });
    expect(fromFirestoreData({ title: 't' }).updatedAtMicros).toBeNull();
    expect(fromFirestoreData({ updatedAt: 'yesterday' }).updatedAtMicros).toBeNull();
  });
});
