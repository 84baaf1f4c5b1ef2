import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLocalfireError } from '../../src/index.js';
import { todos } from '../fixtures/todo.js';
import { openStore, todoInput, type TestStore } from './helpers.js';

describe('repository writes and reads', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openStore();
  });
  afterEach(async () => {
    await t.store.close();
  });

  it('reads back what it wrote, with bookkeeping', async () => {
    const repo = t.store.repo(todos);
    const created = await repo.create(todoInput({ dueAt: new Date(5000), tags: ['a'], notes: { x: 1 } }));
    expect(created.id).toBe('id-0001');
    const read = await repo.read(created.id);
    expect(read).toEqual(created);
    expect(read?.dueAt).toEqual(new Date(5000));
    expect(read?.done).toBe(false);
    expect(read?.$meta.syncStatus).toBe('pending');
    expect(read?.$meta.deleted).toBe(false);
    expect(read?.$meta.createdAt).toEqual(new Date(Date.UTC(2026, 0, 1)));
    expect(read && 'dueAt' in read).toBe(true);
    const noDue = await repo.create(todoInput({ title: 'no due' }));
    expect('dueAt' in noDue).toBe(false);
    expect('dueAt' in ((await repo.read(noDue.id)) ?? {})).toBe(false);
  });

  it('refuses an existing id with conflict', async () => {
    const repo = t.store.repo(todos);
    await repo.create(todoInput({ id: 'a' }));
    await expect(repo.create(todoInput({ id: 'a' }))).rejects.toSatisfy((e) => isLocalfireError(e, 'conflict'));
  });

  it('rejects an invalid entity and writes nothing', async () => {
    const repo = t.store.repo(todos);
    await expect(repo.create(todoInput({ title: '' }))).rejects.toSatisfy((e) => isLocalfireError(e, 'validation'));
    expect(await repo.count()).toBe(0);
    expect(await t.store.sync.listOutbox()).toEqual([]);
  });
});
