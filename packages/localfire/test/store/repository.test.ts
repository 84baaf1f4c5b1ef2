import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLocalfireError } from '../../src/index.js';
import type { ErrorKind } from '../../src/index.js';
import { defineCollection, field } from '../../src/index.js';
import { z } from 'zod';
import { lists, todos } from '../fixtures/todo.js';
import { openStore, todoInput, type TestStore } from './helpers.js';

const isKind = (kind: ErrorKind) => (e: unknown) => isLocalfireError(e, kind);

describe('repository writes and reads', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openStore();
  });
  afterEach(async () => {
    await t.store.close();
  });

  it('reads back what it wrote, in local representation, with bookkeeping', async () => {
    const repo = t.store.repo(todos);
    const created = await repo.create(todoInput({ dueAt: new Date(5000), tags: ['a'], notes: { x: 1, y: [true] } }));
    expect(created.id).toBe('id-0001');
    const read = await repo.read(created.id);
    expect(read).toEqual(created);
    expect(read?.dueAt).toEqual(new Date(5000));
    expect(read?.done).toBe(false);
    expect(read?.notes).toEqual({ x: 1, y: [true] });
    expect(read?.$meta).toEqual({
      syncStatus: 'pending',
      retryCount: 0,
      lastSyncAttempt: null,
      serverTimestamp: null,
      createdAt: new Date(Date.UTC(2026, 0, 1)),
      updatedAt: new Date(Date.UTC(2026, 0, 1)),
      deleted: false,
    });
    const noDue = await repo.create(todoInput({ title: 'no due', done: true }));
    const again = await repo.read(noDue.id);
    expect(again && 'dueAt' in again).toBe(false);
    expect(again?.done).toBe(true);
  });

  it('uses a given id, and refuses an existing one with conflict', async () => {
    const repo = t.store.repo(todos);
    await repo.create(todoInput({ id: 'a' }));
    await expect(repo.create(todoInput({ id: 'a', title: 'other' }))).rejects.toSatisfy(isKind('conflict'));
    expect((await repo.read('a'))?.title).toBe('buy milk');
  });

  it('rejects an invalid entity and writes nothing', async () => {
    const repo = t.store.repo(todos);
    await expect(repo.create(todoInput({ title: '' }))).rejects.toSatisfy(isKind('validation'));
    await expect(repo.create({ ...todoInput(), position: 1.5 })).rejects.toSatisfy(isKind('validation'));
    expect(await repo.count()).toBe(0);
    expect(await t.store.sync.listOutbox()).toEqual([]);
  });

  it('rejects an invalid update and leaves the row as it was', async () => {
    const repo = t.store.repo(todos);
    const a = await repo.create(todoInput());
    await expect(repo.update(a.id, { title: 'x'.repeat(201) })).rejects.toSatisfy(isKind('validation'));
    expect(await repo.read(a.id)).toEqual(a);
    expect(await t.store.sync.listOutbox()).toHaveLength(1);
  });

  it('updates fields, clears optional ones with undefined, and keeps the rest', async () => {
    const repo = t.store.repo(todos);
    const a = await repo.create(todoInput({ dueAt: new Date(1) }));
    const updated = await repo.update(a.id, { done: true, dueAt: undefined });
    expect(updated.done).toBe(true);
    expect('dueAt' in updated).toBe(false);
    expect(updated.$meta.updatedAt.getTime()).toBeGreaterThan(a.$meta.updatedAt.getTime());
    expect(updated.$meta.createdAt).toEqual(a.$meta.createdAt);
    expect(await repo.read(a.id)).toEqual(updated);
  });

  it('an update that changes nothing writes nothing', async () => {
    const repo = t.store.repo(todos);
    const a = await repo.create(todoInput());
    const same = await repo.update(a.id, { title: a.title });
    expect(same).toEqual(a);
    expect(await t.store.sync.listOutbox()).toHaveLength(1);
  });

  it('refuses to change an immutable field (precondition), nothing written', async () => {
    const repo = t.store.repo(todos);
    const a = await repo.create(todoInput());
    await expect(repo.update(a.id, { listId: 'l2' })).rejects.toSatisfy(isKind('precondition'));
    await expect(repo.upsert({ ...a, listId: 'l2' })).rejects.toSatisfy(isKind('precondition'));
    expect((await repo.read(a.id))?.listId).toBe('l1');
    expect(await t.store.sync.listOutbox()).toHaveLength(1);
  });

  it('update, addToSet and delete of a missing or deleted row are not-found', async () => {
    const repo = t.store.repo(todos);
    await expect(repo.update('nope', { done: true })).rejects.toSatisfy(isKind('not-found'));
    await expect(repo.addToSet('nope', { tags: ['x'] })).rejects.toSatisfy(isKind('not-found'));
    await expect(repo.delete('nope')).rejects.toSatisfy(isKind('not-found'));
    const a = await repo.create(todoInput());
    await repo.delete(a.id);
    await expect(repo.update(a.id, { done: true })).rejects.toSatisfy(isKind('not-found'));
    await expect(repo.delete(a.id)).rejects.toSatisfy(isKind('not-found'));
  });

  it('upsert creates, then fully replaces, and refuses a tombstoned id', async () => {
    const repo = t.store.repo(todos);
    const created = await repo.upsert({ id: 'u', ...todoInput({ dueAt: new Date(9) }) });
    expect(created.$meta.syncStatus).toBe('pending');
    const replaced = await repo.upsert({ id: 'u', ...todoInput({ title: 'replaced' }) });
    expect(replaced.title).toBe('replaced');
    expect('dueAt' in replaced).toBe(false);
    expect(await repo.read('u')).toEqual(replaced);
    await repo.delete('u');
    await expect(repo.upsert({ id: 'u', ...todoInput() })).rejects.toSatisfy(isKind('conflict'));
  });

  it('addToSet adds only new values, in order', async () => {
    const repo = t.store.repo(todos);
    const a = await repo.create(todoInput({ tags: ['a'] }));
    const b = await repo.addToSet(a.id, { tags: ['b', 'a', 'b', 'c'] });
    expect(b.tags).toEqual(['a', 'b', 'c']);
    expect((await repo.read(a.id))?.tags).toEqual(['a', 'b', 'c']);
    const same = await repo.addToSet(a.id, { tags: ['a'] });
    expect(same).toEqual(b);
    await expect(repo.addToSet(a.id, { title: ['x'] })).rejects.toSatisfy(isKind('invalid-query'));
  });

  it('delete tombstones: hidden from read, readAll and count, kept with includeDeleted', async () => {
    const repo = t.store.repo(todos);
    const a = await repo.create(todoInput());
    await repo.create(todoInput({ title: 'second' }));
    await repo.delete(a.id);
    expect(await repo.read(a.id)).toBeUndefined();
    expect((await repo.readAll()).map((r) => r.title)).toEqual(['second']);
    expect(await repo.count()).toBe(1);
    const all = await repo.query({ includeDeleted: true });
    expect(all).toHaveLength(2);
    const tomb = all.find((r) => r.id === a.id);
    expect(tomb?.$meta.deleted).toBe(true);
    expect(tomb?.$meta.syncStatus).toBe('pending');
  });

  it('refuses a collection that is not part of the store', () => {
    const other = defineCollection({
      name: 'other',
      path: 'other/{id}',
      schema: z.object({ id: z.string(), n: z.number() }),
      fields: { n: field.number() },
    });
    expect(() => t.store.repo(other)).toThrow(expect.objectContaining({ kind: 'invalid-definition' }) as Error);
  });

  it('rejects a path field that cannot form a document path', async () => {
    const repo = t.store.repo(lists);
    await repo.create({ id: 'l1', name: 'groceries', ownerId: 'u1' });
    await expect(t.store.repo(todos).create(todoInput({ listId: 'a/b' }))).rejects.toSatisfy(isKind('validation'));
    expect(await t.store.repo(todos).count()).toBe(0);
  });

  it('the same repository object is returned for a collection', () => {
    expect(t.store.repo(todos)).toBe(t.store.repo(todos));
    expect(t.store.repo(todos).collection.name).toBe('todos');
  });

  it('after close, calls reject with closed', async () => {
    const repo = t.store.repo(todos);
    await t.store.close();
    await t.store.close();
    await expect(repo.readAll()).rejects.toSatisfy(isKind('closed'));
    await expect(repo.create(todoInput())).rejects.toSatisfy(isKind('closed'));
  });
});
