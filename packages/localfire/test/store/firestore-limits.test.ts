import { describe, expect, it } from 'vitest';
import {
  MAX_DOCUMENT_BYTES,
  MAX_FIELD_VALUE_BYTES,
  documentNameSize,
  documentSize,
  firestoreLimitViolation,
  utf8Length,
  valueSize,
} from '../../src/schema/firestore-limits.js';

describe("Firestore's size formula and limits", () => {
  it("computes the storage-size page's example: a 147-byte task document", () => {
    // https://firebase.google.com/docs/firestore/storage-size: users/jeff/tasks/my_task_id
    expect(documentNameSize('users/jeff/tasks/my_task_id')).toBe(44);
    const task = { type: 'Personal', done: false, priority: 1, description: 'Learn Cloud Firestore' };
    expect(documentSize('users/jeff/tasks/my_task_id', task)).toBe(147);
  });

  it('sizes strings in UTF-8 bytes + 1, numbers 8, booleans and null 1, timestamps 8, maps and arrays as their parts', () => {
    expect(utf8Length('aé€😀')).toBe(1 + 2 + 3 + 4);
    expect(valueSize('aé€😀')).toBe(11);
    expect(valueSize(3.5)).toBe(8);
    expect(valueSize(true)).toBe(1);
    expect(valueSize(null)).toBe(1);
    expect(valueSize(new Date(0))).toBe(8);
    expect(valueSize(['ab', 1])).toBe(3 + 8);
    expect(valueSize({ k: 'ab', skipped: undefined })).toBe(2 + 3);
  });

  it('accepts a document of exactly 1 MiB and refuses one byte more', () => {
    const path = 'docs/d1';
    const padding = (extra: number) => {
      const fixed = documentSize(path, { a: '', b: '' });
      const half = Math.floor((MAX_DOCUMENT_BYTES - fixed) / 2);
      return { a: 'x'.repeat(half), b: 'y'.repeat(MAX_DOCUMENT_BYTES - fixed - half + extra) };
    };
    expect(documentSize(path, padding(0))).toBe(MAX_DOCUMENT_BYTES);
    expect(firestoreLimitViolation(path, padding(0))).toBeNull();
    expect(firestoreLimitViolation(path, padding(1))).toMatchObject({ limit: 'document-size', actual: MAX_DOCUMENT_BYTES + 1, max: MAX_DOCUMENT_BYTES });
  });

  it('refuses a field value over 1,048,487 bytes even in a document that would fit otherwise', () => {
    expect(firestoreLimitViolation('d/1', { text: 'x'.repeat(MAX_FIELD_VALUE_BYTES - 1) })).toBeNull();
    expect(firestoreLimitViolation('d/1', { text: 'x'.repeat(MAX_FIELD_VALUE_BYTES) })).toMatchObject({ limit: 'field-value-size', field: 'text', actual: MAX_FIELD_VALUE_BYTES + 1 });
  });

  it('refuses nesting deeper than 20 (a top-level field is depth 1), arrays counted', () => {
    const nest = (depth: number): unknown => (depth === 1 ? 'leaf' : { n: nest(depth - 1) });
    expect(firestoreLimitViolation('d/1', { f: nest(20) })).toBeNull();
    expect(firestoreLimitViolation('d/1', { f: nest(21) })).toMatchObject({ limit: 'depth', actual: 21, max: 20 });
    const viaArray = { f: [nest(19)] };
    expect(firestoreLimitViolation('d/1', viaArray)).toBeNull();
    expect(firestoreLimitViolation('d/1', { f: [nest(20)] })).toMatchObject({ limit: 'depth' });
  });

  it('refuses empty, reserved (__x__) and over-long field names, map keys included', () => {
    expect(firestoreLimitViolation('d/1', { '': 1 })).toMatchObject({ limit: 'field-name' });
    expect(firestoreLimitViolation('d/1', { __name__: 1 })).toMatchObject({ limit: 'field-name', field: '__name__' });
    expect(firestoreLimitViolation('d/1', { m: { __x__: 1 } })).toMatchObject({ limit: 'field-name', field: 'm.__x__' });
    expect(firestoreLimitViolation('d/1', { m: { ['k'.repeat(1_501)]: 1 } })).toMatchObject({ limit: 'field-name', actual: 1_501 });
    expect(firestoreLimitViolation('d/1', { m: { ['k'.repeat(1_500)]: 1, _x_: 2, __: 3 } })).toBeNull();
  });
});
