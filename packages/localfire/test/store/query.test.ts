import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLocalfireError } from '../../src/index.js';
import type { Query, Stored } from '../../src/index.js';
import { todos, type Todo } from '../fixtures/todo.js';
import { openStore, todoInput, type TestStore } from './helpers.js';

describe('typed queries', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openStore();
    const repo = t.store.repo(todos);
    await t.store.transaction(async (tx) => {
      const r = tx.repo(todos);
      await r.create(todoInput({ id: 'a', listId: 'l1', title: 'alpha', position: 1, done: false, tags: ['home', 'urgent'], dueAt: new Date(100) }));
      await r.create(todoInput({ id: 'b', listId: 'l1', title: 'beta', position: 2, done: true, tags: ['work'] }));
      await r.create(todoInput({ id: 'c', listId: 'l1', title: 'gamma', position: 3, done: false, tags: ['home'], dueAt: new Date(300) }));
      await r.create(todoInput({ id: 'd', listId: 'l2', title: 'delta', position: 1, done: false, tags: [] }));
      await r.create(todoInput({ id: 'e', listId: 'l2', title: 'eps', position: 2, done: true, tags: ['urgent'], dueAt: new Date(200) }));
    });
    await repo.create(todoInput({ id: 'z', listId: 'l1', title: 'gone', position: 0 }));
    await repo.delete('z');
  });
  afterEach(async () => {
    await t.store.close();
  });

  const ids = (rows: readonly Stored<Todo>[]) => rows.map((r) => r.id);
  const q = (query: Query<Todo>) => t.store.repo(todos).query(query);

  it('filters with eq (bare value or operator) and ne', async () => {
    expect(ids(await q({ where: { listId: 'l1' } }))).toEqual(['a', 'b', 'c']);
    expect(ids(await q({ where: { listId: { eq: 'l2' } } }))).toEqual(['d', 'e']);
    expect(ids(await q({ where: { done: true } }))).toEqual(['b', 'e']);
    expect(ids(await q({ where: { listId: { ne: 'l1' } } }))).toEqual(['d', 'e']);
    expect(ids(await q({ where: { id: 'c' } }))).toEqual(['c']);
  });

  it('compares with lt, lte, gt, gte (dates too) and combines with AND', async () => {
    expect(ids(await q({ where: { position: { gt: 1 } } }))).toEqual(['b', 'c', 'e']);
    expect(ids(await q({ where: { position: { gte: 2, lt: 3 } } }))).toEqual(['b', 'e']);
    expect(ids(await q({ where: { position: { lte: 1 }, listId: 'l2' } }))).toEqual(['d']);
    expect(ids(await q({ where: { dueAt: { gte: new Date(200) } } }))).toEqual(['c', 'e']);
  });

  it('matches missing optional values with eq undefined and excludes them with ne undefined', async () => {
    expect(ids(await q({ where: { dueAt: { eq: undefined } } }))).toEqual(['b', 'd']);
    expect(ids(await q({ where: { dueAt: { ne: undefined } } }))).toEqual(['a', 'c', 'e']);
    expect(ids(await q({ where: { dueAt: { ne: new Date(100) } } }))).toEqual(['b', 'c', 'd', 'e']);
  });

  it('in matches any listed value; an empty list matches nothing', async () => {
    expect(ids(await q({ where: { id: { in: ['e', 'a', 'x'] } } }))).toEqual(['a', 'e']);
    expect(ids(await q({ where: { position: { in: [2, 3] } } }))).toEqual(['b', 'c', 'e']);
    expect(ids(await q({ where: { done: { in: [true] } } }))).toEqual(['b', 'e']);
    expect(await q({ where: { id: { in: [] } } })).toEqual([]);
  });

  it('contains matches set membership', async () => {
    expect(ids(await q({ where: { tags: { contains: 'urgent' } } }))).toEqual(['a', 'e']);
    expect(ids(await q({ where: { tags: { contains: 'home' }, listId: 'l1' } }))).toEqual(['a', 'c']);
  });

  it('orders by fields then id, with limit', async () => {
    expect(ids(await q({ orderBy: [['position', 'desc']] }))).toEqual(['c', 'e', 'b', 'd', 'a']);
    expect(ids(await q({ orderBy: [['position', 'asc']], limit: 3 }))).toEqual(['a', 'd', 'b']);
    expect(ids(await q({ orderBy: [['done', 'asc'], ['position', 'desc']] }))).toEqual(['c', 'd', 'a', 'e', 'b']);
    expect(await q({ limit: 0 })).toEqual([]);
  });

  it('hides tombstones unless includeDeleted', async () => {
    expect(ids(await q({ where: { listId: 'l1' }, orderBy: [['position', 'asc']] }))).toEqual(['a', 'b', 'c']);
    expect(ids(await q({ where: { listId: 'l1' }, orderBy: [['position', 'asc']], includeDeleted: true }))).toEqual(['z', 'a', 'b', 'c']);
  });

  it('count and countBy honour filters and tombstones', async () => {
    const repo = t.store.repo(todos);
    expect(await repo.count()).toBe(5);
    expect(await repo.count({ listId: 'l1' })).toBe(3);
    expect(await repo.countBy('listId')).toEqual(new Map([['l1', 3], ['l2', 2]]));
    expect(await repo.countBy('listId', { done: false })).toEqual(new Map([['l1', 2], ['l2', 1]]));
    expect(await repo.countBy('done')).toEqual(new Map([['false', 3], ['true', 2]]));
    expect(await repo.countBy('dueAt')).toEqual(new Map([[new Date(100).toISOString(), 1], [new Date(200).toISOString(), 1], [new Date(300).toISOString(), 1]]));
    expect(await repo.countBy('tags', { id: 'a' })).toEqual(new Map([['["home","urgent"]', 1]]));
  });

  it('refuses malformed queries with invalid-query', async () => {
    const invalid = (e: unknown) => isLocalfireError(e, 'invalid-query');
    await expect(q({ where: { nope: 1 } as never })).rejects.toSatisfy(invalid);
    await expect(q({ where: { title: { contains: 'x' } } as never })).rejects.toSatisfy(invalid);
    await expect(q({ where: { tags: { contains: 1 } } as never })).rejects.toSatisfy(invalid);
    await expect(q({ where: { position: { in: 3 } } as never })).rejects.toSatisfy(invalid);
    await expect(q({ where: { position: { gt: null } } as never })).rejects.toSatisfy(invalid);
    await expect(q({ orderBy: [['position', 'sideways']] } as never)).rejects.toSatisfy(invalid);
    await expect(q({ limit: -1 })).rejects.toSatisfy(invalid);
    await expect(q({ after: { id: 'missing' }, orderBy: [['position', 'asc']] })).rejects.toSatisfy(invalid);
  });
});

describe('keyset paging', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openStore();
    await t.store.transaction(async (tx) => {
      const r = tx.repo(todos);
      // 23 rows, positions in runs of equal values, some without a due date.
      for (let i = 0; i < 23; i++) {
        await r.create(todoInput({ id: `t${String((i * 7) % 23).padStart(2, '0')}`, position: Math.floor(i / 4), ...(i % 3 === 0 ? {} : { dueAt: new Date(1000 * (i % 5)) }) }));
      }
    });
  });
  afterEach(async () => {
    await t.store.close();
  });

  async function pages(query: Query<Todo>, size: number, cursorOf: (row: Stored<Todo>) => Query<Todo>['after']): Promise<string[][]> {
    const out: string[][] = [];
    let after: Query<Todo>['after'];
    for (let guard = 0; guard < 50; guard++) {
      const page = await t.store.repo(todos).query({ ...query, limit: size, ...(after ? { after } : {}) });
      if (page.length === 0) break;
      out.push(page.map((r) => r.id));
      after = cursorOf(page[page.length - 1]!);
    }
    return out;
  }

  for (const direction of ['asc', 'desc'] as const) {
    for (const size of [1, 3, 4, 10]) {
      it(`pages by position ${direction} in pages of ${size} without gaps or repeats`, async () => {
        const query: Query<Todo> = { where: { listId: 'l1' }, orderBy: [['position', direction]] };
        const all = (await t.store.repo(todos).query(query)).map((r) => r.id);
        expect(all).toHaveLength(23);
        const got = await pages(query, size, (r) => r);
        expect(got.flat()).toEqual(all);
        const byIdOnly = await pages(query, size, (r) => ({ id: r.id }));
        expect(byIdOnly.flat()).toEqual(all);
      });
    }
    it(`pages over an optional field with missing values (${direction})`, async () => {
      const query: Query<Todo> = { orderBy: [['dueAt', direction], ['position', 'asc']] };
      const all = (await t.store.repo(todos).query(query)).map((r) => r.id);
      const got = await pages(query, 4, (r) => ({ id: r.id, dueAt: r.dueAt, position: r.position }));
      expect(got.flat()).toEqual(all);
      expect(new Set(got.flat()).size).toBe(23);
    });
  }
});
