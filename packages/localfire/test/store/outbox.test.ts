import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { todos } from '../fixtures/todo.js';
import { openStore, todoInput, type TestStore } from './helpers.js';

describe('outbox entries per write kind', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openStore();
  });
  afterEach(async () => {
    await t.store.close();
  });

  const last = async () => {
    const entries = await t.store.sync.listOutbox();
    return entries[entries.length - 1]!;
  };

  it('create: every present field, unions for union sets, dates as Dates, at the document path', async () => {
    await t.store.repo(todos).create(todoInput({ id: 'a', dueAt: new Date(1234), tags: ['x'], notes: { k: [1] } }));
    const entry = await last();
    expect(entry).toEqual({
      seq: 1,
      mutationId: 'id-0001',
      collection: 'todos',
      docId: 'a',
      path: 'lists/l1/todos/a',
      op: 'set',
      fields: {
        listId: { op: 'set', value: 'l1' },
        title: { op: 'set', value: 'buy milk' },
        done: { op: 'set', value: false },
        position: { op: 'set', value: 1 },
        dueAt: { op: 'set', value: new Date(1234) },
        tags: { op: 'union', values: ['x'] },
        notes: { op: 'set', value: { k: [1] } },
      },
      createdAt: Date.UTC(2026, 0, 1),
      attempts: 0,
      lastAttemptAt: null,
      nextAttemptAt: Date.UTC(2026, 0, 1),
      state: 'pending',
      lastError: null,
    });
  });

  it('update: only the changed fields; a cleared optional field is set to undefined', async () => {
    const repo = t.store.repo(todos);
    await repo.create(todoInput({ id: 'a', dueAt: new Date(1) }));
    await repo.update('a', { title: 'new', dueAt: undefined, done: false });
    const entry = await last();
    expect(entry.op).toBe('set');
    expect(entry.fields).toEqual({ title: { op: 'set', value: 'new' }, dueAt: { op: 'set', value: undefined } });
  });

  it('update of a row whose write failed: the patched lww fields too, changed or not (to cover the failed write); no change, no entry', async () => {
    const repo = t.store.repo(todos);
    await repo.create(todoInput({ id: 'a' }));
    const first = await last();
    await t.store.sync.transaction((tx) => tx.recordFailure([first.seq], { kind: 'permission-denied', message: 'no', nextAttemptAt: null }));
    // The failed create wrote every field: `done` (named, unchanged) goes out too; `tags` is a union field.
    await repo.update('a', { title: 'new', done: false, tags: [] });
    expect((await last()).fields).toEqual({ title: { op: 'set', value: 'new' }, done: { op: 'set', value: false } });
    const count = (await t.store.sync.listOutbox()).length;
    await repo.update('a', { title: 'new', done: false });
    expect(await t.store.sync.listOutbox()).toHaveLength(count);
  });

  it('update of a row whose write failed: a named field the failed write did not change stays out', async () => {
    const repo = t.store.repo(todos);
    await repo.create(todoInput({ id: 'a' }));
    const created = (await last()).seq;
    await t.store.sync.transaction((tx) => tx.ack([{ seq: created, serverTime: 1 }]));
    await repo.update('a', { title: 'renamed' });
    const renamed = (await last()).seq;
    await t.store.sync.transaction((tx) => tx.recordFailure([renamed], { kind: 'permission-denied', message: 'no', nextAttemptAt: null }));
    await repo.update('a', { title: 'renamed', done: false, position: 2 });
    expect((await last()).fields).toEqual({ title: { op: 'set', value: 'renamed' }, position: { op: 'set', value: 2 } });
  });

  it('update of a union set: growth is a union of the additions, shrinking a removal, both a set', async () => {
    const repo = t.store.repo(todos);
    await repo.create(todoInput({ id: 'a', tags: ['x'] }));
    await repo.update('a', { tags: ['x', 'y'] });
    expect((await last()).fields).toEqual({ tags: { op: 'union', values: ['y'] } });
    await repo.update('a', { tags: ['y'] });
    expect((await last()).fields).toEqual({ tags: { op: 'remove', values: ['x'] } });
    await repo.update('a', { tags: ['z'] });
    expect((await last()).fields).toEqual({ tags: { op: 'set', value: ['z'] } });
  });

  it('addToSet: a union of the values actually added', async () => {
    const repo = t.store.repo(todos);
    await repo.create(todoInput({ id: 'a', tags: ['x'] }));
    await repo.addToSet('a', { tags: ['x', 'z'] });
    expect((await last()).fields).toEqual({ tags: { op: 'union', values: ['z'] } });
  });

  it('upsert replacing a row: the changed fields only', async () => {
    const repo = t.store.repo(todos);
    const a = await repo.upsert({ id: 'a', ...todoInput() });
    expect((await last()).fields.title).toEqual({ op: 'set', value: 'buy milk' });
    await repo.upsert({ id: 'a', listId: a.listId, title: 'other', done: a.done, position: a.position, tags: a.tags });
    expect((await last()).fields).toEqual({ title: { op: 'set', value: 'other' } });
  });

  it('delete: a delete entry with no fields; the row becomes a pending tombstone', async () => {
    const repo = t.store.repo(todos);
    await repo.create(todoInput({ id: 'a' }));
    await repo.delete('a');
    const entry = await last();
    expect(entry).toMatchObject({ op: 'delete', fields: {}, docId: 'a', path: 'lists/l1/todos/a' });
    const [row] = await repo.query({ includeDeleted: true });
    expect(row?.$meta).toMatchObject({ deleted: true, syncStatus: 'pending' });
  });

  it('entries keep write order (seq) and unique mutation ids', async () => {
    const repo = t.store.repo(todos);
    await repo.create(todoInput({ id: 'a' }));
    await repo.update('a', { done: true });
    await repo.create(todoInput({ id: 'b' }));
    const entries = await t.store.sync.listOutbox();
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(new Set(entries.map((e) => e.mutationId)).size).toBe(3);
  });
});
