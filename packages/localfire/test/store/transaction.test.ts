import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLocalfireError } from '../../src/index.js';
import type { Transaction } from '../../src/index.js';
import { lists, todos } from '../fixtures/todo.js';
import { openStore, todoInput, type TestStore } from './helpers.js';

describe('transactions', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openStore();
  });
  afterEach(async () => {
    await t.store.close();
  });

  it('commits several writes and their outbox entries together', async () => {
    const result = await t.store.transaction(async (tx) => {
      await tx.repo(lists).create({ id: 'l1', name: 'home', ownerId: 'u1' });
      const a = await tx.repo(todos).create(todoInput());
      await tx.repo(todos).update(a.id, { done: true });
      expect((await tx.repo(todos).read(a.id))?.done).toBe(true);
      return a.id;
    });
    expect(result).toBe('id-0002');
    expect(await t.store.repo(lists).count()).toBe(1);
    expect((await t.store.repo(todos).read(result))?.done).toBe(true);
    expect((await t.store.sync.listOutbox()).map((e) => [e.collection, e.docId])).toEqual([
      ['lists', 'l1'],
      ['todos', 'id-0002'],
      ['todos', 'id-0002'],
    ]);
  });

  it('a rolled-back transaction leaves neither rows nor outbox entries', async () => {
    await t.store.repo(todos).create(todoInput({ id: 'keep' }));
    const failure = new Error('boom');
    await expect(
      t.store.transaction(async (tx) => {
        await tx.repo(todos).create(todoInput({ id: 'x' }));
        await tx.repo(todos).update('keep', { title: 'changed' });
        await tx.repo(todos).delete('keep');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await t.store.repo(todos).read('x')).toBeUndefined();
    expect((await t.store.repo(todos).read('keep'))?.title).toBe('buy milk');
    expect(await t.store.sync.listOutbox()).toHaveLength(1);
  });

  it('a failing write inside a transaction rolls back the earlier ones when the error propagates', async () => {
    await expect(
      t.store.transaction(async (tx) => {
        await tx.repo(todos).create(todoInput({ id: 'x' }));
        await tx.repo(todos).create(todoInput({ id: 'x' }));
      }),
    ).rejects.toSatisfy((e) => isLocalfireError(e, 'conflict'));
    expect(await t.store.repo(todos).count()).toBe(0);
    expect(await t.store.sync.listOutbox()).toEqual([]);
  });

  it('store reads wait for an open transaction and see only committed data', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const tx = t.store.transaction(async (tx) => {
      await tx.repo(todos).create(todoInput({ id: 'x' }));
      order.push('written');
      await gate;
      order.push('commit');
    });
    await new Promise((r) => setTimeout(r, 5));
    const read = t.store.repo(todos).read('x').then((row) => {
      order.push('read');
      return row;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['written']);
    release();
    await tx;
    expect((await read)?.id).toBe('x');
    expect(order).toEqual(['written', 'commit', 'read']);
  });

  it('a transaction handle used after its transaction ended is closed', async () => {
    let leaked!: Transaction;
    await t.store.transaction(async (tx) => {
      leaked = tx;
      await Promise.resolve();
    });
    await expect(leaked.repo(todos).readAll()).rejects.toSatisfy((e) => isLocalfireError(e, 'closed'));
    await expect(leaked.repo(todos).create(todoInput())).rejects.toSatisfy((e) => isLocalfireError(e, 'closed'));
  });

  it('transactions run one after another in call order', async () => {
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map((n) =>
        t.store.transaction(async (tx) => {
          await tx.repo(todos).create(todoInput({ id: `t${n}` }));
          await new Promise((r) => setTimeout(r, 3 - n));
          order.push(n);
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3]);
  });

  it('tx.repo returns one repository per collection within a transaction', async () => {
    await t.store.transaction(async (tx) => {
      expect(tx.repo(todos)).toBe(tx.repo(todos));
      await Promise.resolve();
    });
  });
});
