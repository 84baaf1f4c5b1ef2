import { describe, expect, it } from 'vitest';
import { checkFieldLimits, isLocalfireError } from '../../src/index.js';
import { notes } from '../fixtures/limited-notes.js';

const refusal = (values: Record<string, unknown>): unknown => {
  try {
    checkFieldLimits(notes, values);
    return undefined;
  } catch (e) {
    return e;
  }
};

describe('checkFieldLimits', () => {
  it('accepts values at their limits, and fields without limits', () => {
    expect(refusal({ title: 'é'.repeat(10), tags: ['a', 'b', 'c'], meta: { a: 1, b: 2 }, stars: 1e9, views: 3, pinned: true })).toBeUndefined();
    expect(refusal({ title: undefined, oldTitle: undefined })).toBeUndefined();
  });

  it.each([
    ['a string over maxLength', { title: 'x'.repeat(11) }, { field: 'title', length: 11, maxLength: 10 }],
    ['an emoji counting two units', { title: '😀'.repeat(6) }, { field: 'title', length: 12 }],
    ['a set over maxItems', { tags: ['a', 'b', 'c', 'd'] }, { field: 'tags', items: 4, maxItems: 3 }],
    ['a json map over maxItems', { meta: { a: 1, b: 2, c: 3 } }, { field: 'meta', items: 3 }],
    ['a json list over maxItems', { meta: [1, 2, 3] }, { field: 'meta', items: 3 }],
    ['a legacy field', { oldTitle: 'old' }, { field: 'oldTitle' }],
  ])('refuses %s with a typed validation error', (_name, values, details) => {
    const e = refusal(values);
    expect(isLocalfireError(e, 'validation')).toBe(true);
    expect((e as { details: unknown }).details).toMatchObject({ collection: 'book_notes', ...details });
  });
});
