// The store over a driver without the optional `values` fast path (as a minimal driver would be).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDriver } from '../../src/index.js';
import { todos } from '../fixtures/todo.js';
import { openStore, todoInput, type TestStore } from './helpers.js';

const withoutValues = (d: SqliteDriver): SqliteDriver => ({
  description: d.description,
  exec: (sql) => d.exec(sql),
  run: (sql, params) => d.run(sql, params),
  all: (sql, params) => d.all(sql, params),
  close: () => d.close(),
});

describe('store over a driver without values()', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openStore({ wrap: withoutValues });
  });
  afterEach(async () => {
    await t.store.close();
  });

  it('reads, queries and syncs the same', async () => {
    const repo = t.store.repo(todos);
    const a = await repo.create(todoInput({ id: 'a', dueAt: new Date(7), tags: ['x'] }));
    await repo.create(todoInput({ id: 'b', position: 2 }));
    expect(await repo.read('a')).toEqual(a);
    expect((await repo.query({ orderBy: [['position', 'desc']] })).map((r) => r.id)).toEqual(['b', 'a']);
    const raw = await t.store.sync.transaction((tx) => tx.readRow('todos', 'a'));
    expect(raw).toMatchObject({ id: 'a', syncStatus: 'pending', serverTime: null, deleted: false, data: { dueAt: new Date(7), tags: ['x'] } });
  });
});
