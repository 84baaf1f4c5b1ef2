import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldChange } from '../../src/index.js';
import { applyEntry } from '../../src/store/server-rows.js';
import { covers } from '../../src/store/supersede.js';

type Entry = { readonly op: 'set' | 'delete'; readonly fields: Readonly<Record<string, FieldChange>> };

const letters = fc.constantFrom('a', 'b', 'c');
const change: fc.Arbitrary<FieldChange> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), value: fc.uniqueArray(letters, { maxLength: 3 }) }),
  fc.record({ op: fc.constant('union' as const), values: fc.uniqueArray(letters, { minLength: 1, maxLength: 3 }) }),
  fc.record({ op: fc.constant('remove' as const), values: fc.uniqueArray(letters, { minLength: 1, maxLength: 3 }) }),
);
const entry: fc.Arbitrary<Entry> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('set' as const), fields: fc.dictionary(fc.constantFrom('x', 'y', 'z'), change, { minKeys: 1, maxKeys: 3 }) }) },
  { weight: 1, arbitrary: fc.constant<Entry>({ op: 'delete', fields: {} }) },
);
const base = fc.dictionary(fc.constantFrom('x', 'y', 'z'), fc.uniqueArray(letters, { maxLength: 3 }));

function applyAll(start: Record<string, unknown>, entries: readonly Entry[]): { data: Record<string, unknown>; deleted: boolean } {
  let data = start;
  let deleted = false;
  for (const e of entries) {
    const next = applyEntry(data, e.op, e.fields);
    data = next.data;
    if (next.deleted !== null) deleted = next.deleted;
  }
  // Sets compare as sets: a union appends, the order of values carries no meaning.
  const sorted = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Array.isArray(v) ? [...(v as string[])].sort() : v]));
  return { data: sorted, deleted };
}

describe('supersede: a covered failed write loses nothing when dropped', () => {
  it('applying a covered failed entry before the later ones ends the same as the later ones alone', () => {
    fc.assert(
      fc.property(base, entry, fc.array(entry, { minLength: 1, maxLength: 4 }), (start, failed, later) => {
        fc.pre(covers(failed, later));
        expect(applyAll(start, [failed, ...later])).toEqual(applyAll(start, later));
      }),
      { numRuns: 2000 },
    );
  });

  it('set is covered by a later set only; union and remove by a later set or later unions and removals of the same values; delete by delete', () => {
    const set = (value: string[]): FieldChange => ({ op: 'set', value });
    const union = (...values: string[]): FieldChange => ({ op: 'union', values });
    const remove = (...values: string[]): FieldChange => ({ op: 'remove', values });
    expect(covers({ op: 'set', fields: { x: remove('a') } }, [{ op: 'set', fields: { x: union('a') } }])).toBe(true);
    expect(covers({ op: 'set', fields: { x: remove('a', 'b') } }, [{ op: 'set', fields: { x: remove('a') } }])).toBe(false);
    expect(covers({ op: 'set', fields: { x: union('a') } }, [{ op: 'set', fields: { x: remove('a') } }])).toBe(true);
    expect(covers({ op: 'set', fields: { x: set(['a']) } }, [{ op: 'set', fields: { x: remove('a') } }])).toBe(false);
    expect(covers({ op: 'set', fields: { x: set(['a']) } }, [{ op: 'set', fields: { x: set([]) } }])).toBe(true);
    expect(covers({ op: 'set', fields: { x: set(['a']) } }, [{ op: 'set', fields: { x: union('b') } }])).toBe(false);
    expect(covers({ op: 'set', fields: { x: union('a', 'b') } }, [{ op: 'set', fields: { x: union('a') } }, { op: 'set', fields: { x: union('b') } }])).toBe(true);
    expect(covers({ op: 'set', fields: { x: union('a', 'b') } }, [{ op: 'set', fields: { x: union('a') } }])).toBe(false);
    expect(covers({ op: 'set', fields: { x: set(['a']), y: set([]) } }, [{ op: 'set', fields: { x: set(['b']) } }])).toBe(false);
    expect(covers({ op: 'delete', fields: {} }, [{ op: 'set', fields: { x: set(['b']) } }])).toBe(false);
    expect(covers({ op: 'delete', fields: {} }, [{ op: 'delete', fields: {} }])).toBe(true);
    expect(covers({ op: 'set', fields: { x: set(['a']) } }, [{ op: 'delete', fields: {} }])).toBe(false);
    expect(covers({ op: 'set', fields: { x: set(['a']) } }, [])).toBe(false);
  });
});
