import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LocalfireError, defineCollection, field } from '../../src/index.js';
import type { FieldChange, RemoteChange, RemoteWrite } from '../../src/index.js';
import { applyEncodedWrite, compareCheckpoints, decodeRemoteDocument, encodeFields, encodeWrite, isAfterCheckpoint, parseDocumentPath, timestampToMicros } from '../../src/sync/codec.js';
import { fieldLimitViolation } from '../../src/schema/firestore-limits.js';
import { lists, todos } from '../fixtures/todo.js';

const set = (value: unknown): FieldChange => ({ op: 'set', value });
const encodeError = (fn: () => unknown): LocalfireError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof LocalfireError) return e;
    throw e;
  }
  throw new Error('expected encoding to fail');
};
const todoWrite = (fields: Record<string, FieldChange>, overrides: Partial<RemoteWrite> = {}): RemoteWrite => ({
  mutationId: 'm1',
  collection: 'todos',
  id: 't1',
  path: 'lists/l1/todos/t1',
  op: 'set',
  fields,
  ...overrides,
});
const hasNestedArray = (v: unknown): boolean =>
  Array.isArray(v) ? v.some((x) => Array.isArray(x) || hasNestedArray(x)) : typeof v === 'object' && v !== null && Object.values(v).some(hasNestedArray);
const validData = { listId: 'l1', title: 'Buy milk', done: false, position: 3, tags: ['a', 'b'] };
const decodeTodo = (data: unknown, extra: { updatedAtMicros?: number | null; versionMicros?: number | null; path?: string; id?: string; type?: 'added' | 'modified' } = {}) =>
  decodeRemoteDocument(todos, {
    id: extra.id ?? 't1',
    path: extra.path ?? 'lists/l1/todos/t1',
    data,
    updatedAtMicros: extra.updatedAtMicros === undefined ? 1_700_000_000_000_123 : extra.updatedAtMicros,
    ...(extra.versionMicros === undefined ? {} : { versionMicros: extra.versionMicros }),
    ...(extra.type ? { type: extra.type } : {}),
  });
const invalidOf = (change: RemoteChange) => {
  if (change.type !== 'invalid') throw new Error(`expected invalid, got ${change.type}`);
  return change;
};
const docOf = (change: RemoteChange) => {
  if (!('doc' in change)) throw new Error(`expected a document, got ${change.type}`);
  return change.doc;
};

describe('encodeFields / encodeWrite', () => {
  it('encodes every kind to neutral form (copies, Dates, unique sets, JSON)', () => {
    const due = new Date('2024-01-02T03:04:05.678Z');
    const notes = { a: [1, 'two', null, { deep: true }], skip: undefined };
    const out = encodeFields(todos, { listId: set('l1'), title: set('x'), done: set(true), position: set(7), dueAt: set(due), tags: set(['a', 'b', 'a']), notes: set(notes) });
    expect(out).toEqual({
      listId: { op: 'set', value: 'l1' },
      title: { op: 'set', value: 'x' },
      done: { op: 'set', value: true },
      position: { op: 'set', value: 7 },
      dueAt: { op: 'set', value: due },
      tags: { op: 'set', value: ['a', 'b'] },
      notes: { op: 'set', value: { a: [1, 'two', null, { deep: true }] } },
    });
    const dueOut = out['dueAt'];
    expect(dueOut?.op === 'set' && dueOut.value).not.toBe(due);
    expect(encodeFields(todos, { dueAt: set(due.getTime()) })).toEqual({ dueAt: { op: 'set', value: due } });
    const number = defineCollection({ name: 'n', path: 'n/{id}', schema: z.object({ id: z.string(), x: z.number() }), fields: { x: field.number() } });
    expect(encodeFields(number, { x: set(1.5) })).toEqual({ x: { op: 'set', value: 1.5 } });
  });

  it('removes optional fields on undefined or null, unions sets, and refuses removing required fields', () => {
    expect(encodeFields(todos, { dueAt: set(undefined), notes: set(null), tags: { op: 'union', values: ['x', 'x', 'y'] } })).toEqual({
      dueAt: { op: 'delete' },
      notes: { op: 'delete' },
      tags: { op: 'union', values: ['x', 'y'] },
    });
    expect(encodeError(() => encodeFields(todos, { title: set(undefined) }))).toMatchObject({ kind: 'invalid-data', retryable: false, details: { field: 'title' } });
  });

  it.each([
    ['title', 1],
    ['title', ['x']],
    ['position', 1.5],
    ['position', Number.NaN],
    ['done', 'true'],
    ['dueAt', '2024-01-01'],
    ['dueAt', new Date(Number.NaN)],
    ['tags', ['a', 1]],
    ['tags', 'a'],
    ['notes', { f: () => 1 }],
    ['notes', { when: new Date() }],
    ['notes', [undefined]],
    ['notes', { n: Number.POSITIVE_INFINITY }],
    ['notes', new Map()],
    ['notes', { matrix: [[1, 2]] }],
  ])('refuses %s = %o with invalid-data', (name, value) => {
    expect(encodeError(() => encodeFields(todos, { [name]: set(value) })).kind).toBe('invalid-data');
  });

  it('refuses unknown and reserved fields and unions on non-set fields', () => {
    for (const fields of [{ nope: set(1) }, { id: set('x') }, { updatedAt: set(1) }, { deleted: set(true) }, { title: { op: 'union', values: ['x'] } as FieldChange }, { tags: { op: 'union', values: [1] } as unknown as FieldChange }, { toString: set('x') }]) {
      expect(encodeError(() => encodeFields(todos, fields)).kind).toBe('invalid-data');
    }
  });

  it("refuses a field Firestore would refuse: a value over 1,048,487 bytes, nesting over 20, a reserved map key", () => {
    expect(encodeFields(todos, { notes: set({ text: 'x'.repeat(1_048_000) }) })).toMatchObject({ notes: { op: 'set' } });
    const nest = (depth: number): Record<string, unknown> => (depth === 1 ? {} : { n: nest(depth - 1) });
    for (const value of [{ text: 'x'.repeat(1_200_000) }, nest(21), { __name__: 1 }]) {
      expect(encodeError(() => encodeFields(todos, { notes: set(value) })).kind).toBe('invalid-data');
    }
  });

  it('applyEncodedWrite merges a write into a document as a backend does', () => {
    const before = { title: 'a', tags: ['x'], dueAt: new Date(1) };
    const write = encodeWrite(todos, todoWrite({ title: set('b'), tags: { op: 'union', values: ['x', 'y'] }, dueAt: set(undefined) }));
    expect(applyEncodedWrite(before, write)).toEqual({ title: 'b', tags: ['x', 'y'] });
    expect(before).toEqual({ title: 'a', tags: ['x'], dueAt: new Date(1) });
    expect(applyEncodedWrite(undefined, encodeWrite(todos, todoWrite({}, { op: 'delete' })))).toEqual({ deleted: true });
  });

  it('checks the path shape, id, collection and parent fields of a write', () => {
    expect(encodeWrite(todos, todoWrite({ listId: set('l1'), title: set('x') }))).toEqual({ path: 'lists/l1/todos/t1', op: 'set', fields: { listId: { op: 'set', value: 'l1' }, title: { op: 'set', value: 'x' } } });
    expect(encodeWrite(todos, todoWrite({}, { op: 'delete' }))).toEqual({ path: 'lists/l1/todos/t1', op: 'delete', fields: {} });
    const refused = [
      todoWrite({}, { path: 'lists/l1/todos' }),
      todoWrite({}, { path: 'lists/l1/items/t1' }),
      todoWrite({}, { path: 'lists//todos/t1' }),
      todoWrite({}, { id: 't2' }),
      todoWrite({}, { collection: 'lists' }),
      todoWrite({ listId: set('l2') }),
      todoWrite({}, { op: 'merge' as 'set' }),
    ];
    for (const write of refused) expect(encodeError(() => encodeWrite(todos, write)).kind).toBe('invalid-data');
  });

  it('parses document paths of a collection', () => {
    expect(parseDocumentPath(todos, 'lists/l1/todos/t1')).toEqual({ id: 't1', parents: { listId: 'l1' } });
    expect(parseDocumentPath(lists, 'lists/l1')).toEqual({ id: 'l1', parents: {} });
    expect(parseDocumentPath(lists, 'lists/l1/todos/t1')).toBeNull();
    expect(parseDocumentPath(todos, 'other/l1/todos/t1')).toBeNull();
  });
});

describe('decodeRemoteDocument', () => {
  it('decodes a valid document of every kind', () => {
    const dueAt = new Date('2024-01-02T03:04:05.678Z');
    const change = decodeTodo({ ...validData, dueAt, notes: { k: [1] }, deleted: false, extra: 'ignored' }, { type: 'added' });
    expect(change).toEqual({
      type: 'added',
      doc: { collection: 'todos', id: 't1', path: 'lists/l1/todos/t1', serverTime: 1_700_000_000_000_123, version: 1_700_000_000_000_123, deleted: false, data: { ...validData, dueAt, notes: { k: [1] } } },
    });
  });

  it('omits absent or null optional fields, dedupes sets, and reports modified by default', () => {
    const change = decodeTodo({ ...validData, tags: ['a', 'a'], dueAt: null });
    expect(change.type).toBe('modified');
    expect(docOf(change).data).toEqual({ ...validData, tags: ['a'] });
    expect(docOf(change).data).not.toHaveProperty('dueAt');
  });

  it('takes parent fields from the path when the data lacks them, refuses a contradiction', () => {
    const { listId: _omit, ...withoutParent } = validData;
    expect(docOf(decodeTodo(withoutParent)).data['listId']).toBe('l1');
    expect(invalidOf(decodeTodo({ ...validData, listId: 'l2' })).error.kind).toBe('invalid-data');
  });

  it('treats a missing updatedAt as server time 0 and refuses a broken one', () => {
    expect(docOf(decodeTodo(validData, { updatedAtMicros: null })).serverTime).toBe(0);
    expect(decodeTodo(validData, { updatedAtMicros: -1 }).type).toBe('invalid');
    expect(decodeTodo(validData, { updatedAtMicros: 1.5 }).type).toBe('invalid');
  });

  it('carries the document version apart from updatedAt (updatedAt when no version is known), and refuses a broken one', () => {
    expect(docOf(decodeTodo(validData, { updatedAtMicros: 10, versionMicros: 25 }))).toMatchObject({ serverTime: 10, version: 25 });
    expect(docOf(decodeTodo(validData, { updatedAtMicros: 10, versionMicros: null }))).toMatchObject({ serverTime: 10, version: 10 });
    expect(invalidOf(decodeTodo(validData, { versionMicros: -5 })).error.message).toMatch(/version/);
  });

  it.each([
    ['a field of the wrong kind', { ...validData, position: 'three' }],
    ['a missing required field', { ...validData, title: undefined }],
    ['a date that is not a Date', { ...validData, dueAt: '2024-01-01' }],
    ['a schema failure (empty title)', { ...validData, title: '' }],
    ['a non-boolean deleted', { ...validData, deleted: 'yes' }],
    ['null data', null],
    ['a number', 42],
    ['an array', [validData]],
    ['a string', 'doc'],
    ['undefined', undefined],
  ])('turns %s into an invalid change with the raw data', (_, data) => {
    const change = invalidOf(decodeTodo(data));
    expect(change).toMatchObject({ type: 'invalid', collection: 'todos', id: 't1', path: 'lists/l1/todos/t1' });
    expect(change.error).toBeInstanceOf(LocalfireError);
    expect(change.error.kind).toBe('invalid-data');
    expect(change.raw).toBe(data);
  });

  it('refuses a path that is not the collection’s or does not end with the id', () => {
    expect(decodeTodo(validData, { path: 'lists/l1' }).type).toBe('invalid');
    expect(decodeTodo(validData, { id: 'other' }).type).toBe('invalid');
  });

  it('delivers tombstones leniently: fields that decode, deleted true', () => {
    const change = decodeTodo({ title: '', position: 'x', deleted: true });
    expect(docOf(change)).toMatchObject({ deleted: true, data: { listId: 'l1', title: '' } });
    expect(docOf(decodeTodo({ ...validData, deleted: true })).data).toEqual(validData);
  });

  it('uses the schema output and never throws, even from a throwing or async schema', () => {
    const trimmed = defineCollection({ name: 'items', path: 'items/{id}', schema: z.object({ id: z.string(), name: z.string().transform((s) => s.trim()) }), fields: { name: field.string() } });
    expect(docOf(decodeRemoteDocument(trimmed, { id: 'i', path: 'items/i', data: { name: '  x ' }, updatedAtMicros: 1 })).data).toEqual({ name: 'x' });
    const throwing = { ...trimmed, schema: { '~standard': { version: 1, vendor: 'x', validate: () => { throw new Error('boom'); } } } } as unknown as typeof trimmed;
    const asynchronous = { ...trimmed, schema: { '~standard': { version: 1, vendor: 'x', validate: () => Promise.resolve({ value: {} }) } } } as unknown as typeof trimmed;
    for (const def of [throwing, asynchronous]) expect(decodeRemoteDocument(def, { id: 'i', path: 'items/i', data: { name: 'x' }, updatedAtMicros: 1 }).type).toBe('invalid');
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything({ withDate: true, withMap: true, withNullPrototype: true, withTypedArray: true }), fc.option(fc.integer()), (data, micros) => {
        const change = decodeTodo(data, { updatedAtMicros: micros });
        expect(['modified', 'invalid']).toContain(change.type);
      }),
    );
  });

  it('round-trips any valid todo through encode and decode', () => {
    const todoArb = fc.record(
      {
        title: fc.string({ minLength: 1, maxLength: 20 }),
        done: fc.boolean(),
        position: fc.integer(),
        tags: fc.uniqueArray(fc.string()),
        dueAt: fc.date({ noInvalidDate: true }),
        // zod's record drops __proto__ keys; Firestore refuses arrays inside arrays, empty and __x__ keys
        notes: fc
          .dictionary(fc.string().filter((k) => k !== '__proto__'), fc.jsonValue().filter((v) => !hasNestedArray(v)))
          .filter((notes) => fieldLimitViolation('notes', notes) === null),
      },
      { requiredKeys: ['title', 'done', 'position', 'tags'] },
    );
    fc.assert(
      fc.property(todoArb, (entity) => {
        const encoded = encodeFields(todos, Object.fromEntries(Object.entries({ listId: 'l1', ...entity }).map(([k, v]) => [k, set(v)])));
        const data = Object.fromEntries(Object.entries(encoded).map(([k, v]) => [k, v.op === 'set' ? v.value : undefined]));
        const decoded = docOf(decodeTodo(data)).data;
        expect(decoded).toEqual({ listId: 'l1', ...entity });
      }),
    );
  });
});

describe('checkpoint order', () => {
  it('orders by server time, then id', () => {
    expect(compareCheckpoints({ serverTime: 1, id: 'b' }, { serverTime: 2, id: 'a' })).toBeLessThan(0);
    expect(compareCheckpoints({ serverTime: 2, id: 'a' }, { serverTime: 2, id: 'b' })).toBeLessThan(0);
    expect(compareCheckpoints({ serverTime: 2, id: 'b' }, { serverTime: 2, id: 'b' })).toBe(0);
    expect(isAfterCheckpoint({ serverTime: 2, id: 'b' }, { serverTime: 2, id: 'a' })).toBe(true);
    expect(isAfterCheckpoint({ serverTime: 2, id: 'a' }, { serverTime: 2, id: 'a' })).toBe(false);
    expect(isAfterCheckpoint({ serverTime: 0, id: '' }, null)).toBe(true);
  });

  it('converts timestamps to µs', () => {
    expect(timestampToMicros(1_700_000_000, 123_456_789)).toBe(1_700_000_000_123_456);
  });
});
